import uPlot from "uplot";
import { to24h } from "../core/chart-time.js";
import type { TagBatch } from "../../../src/server/socket-contract.js";
import { h, setText } from "../core/dom.js";
import { formatNumber } from "../core/format-value.js";
import type { Widget } from "../core/page.js";
import type { PlantState } from "../core/plant-state.js";
import { type PulseSample, envelopeAt, envelopeBreaks, pulseFigures } from "../core/profile-envelope.js";

const WINDOW_S = 24;
const REDRAW_MS = 200;

/**
 * The live HTR thermal profile: web temperature against time (last 24 s, long enough for a whole 15 s
 * pulse) with the loaded recipe's envelope anchored at each ramp start (profile phase → 1): the target
 * ramp to peak in the ramp time, the hold band ± tolerance, and the cooling limit. Continuous mode: the
 * peak band while at temperature. Trace dark, envelope grey: no colour unless abnormal.
 */
export function thermalProfileChart(state: PlantState): Widget & { dispose(): void } {
  const samples: PulseSample[] = [];
  const phases: { t: number; phase: number }[] = [];
  const host = h("div", { class: "tp-plot", "data-testid": "thermal-profile-chart" });
  const figures = h("p", { class: "tp-figures", "data-testid": "thermal-profile-figures" });
  const legend = h("p", { class: "tp-legend muted" }, "— web temperature · - - profile target · ░ band ± tolerance · ··· cooling limit");
  const el = h("section", { class: "panel thermal-profile" }, h("h2", {}, "HTR thermal profile"), host, figures, legend);

  const plot = new uPlot(
    {
      width: 640,
      height: 280,
      fmtDate: (t: string) => uPlot.fmtDate(to24h(t)),
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true, range: () => [Date.now() / 1000 - WINDOW_S, Date.now() / 1000 + 1] }, y: { range: [250, 1500] } },
      axes: [
        { stroke: "#333", grid: { stroke: "#c4c4c4", width: 1 }, ticks: { stroke: "#999" } },
        { stroke: "#333", label: "K", grid: { stroke: "#c4c4c4", width: 1 }, ticks: { stroke: "#999" }, size: 56 },
      ],
      series: [
        {},
        { label: "Web temperature", stroke: "#111", width: 2, spanGaps: false, points: { show: false } },
        { label: "Profile target", stroke: "#555", width: 1, dash: [6, 4], points: { show: false } },
        { label: "Band high", stroke: "#7a7a7a", width: 1, points: { show: false } },
        { label: "Band low", stroke: "#7a7a7a", width: 1, points: { show: false } },
        { label: "Cooling limit", stroke: "#7a7a7a", width: 1, dash: [2, 3], points: { show: false } },
      ],
      bands: [{ series: [3, 4], fill: "rgba(0,0,0,0.10)" }],
    },
    [[], [], [], [], [], []],
    host,
  );

  const onBatch = (b: TagBatch) => {
    for (const c of b.changes) {
      if (c.name === "htr.web_temp" && typeof c.value === "number" && c.quality === "Good") samples.push({ t: c.ts / 1000, temp: c.value });
      if (c.name === "htr.profile_phase" && typeof c.value === "number") {
        const last = phases[phases.length - 1];
        if (!last || last.phase !== c.value) phases.push({ t: c.ts / 1000, phase: c.value });
      }
    }
  };
  const stopBatch = state.onBatch(onBatch);
  const resize = () => plot.setSize({ width: Math.max(320, host.clientWidth || 640), height: 280 });
  const ro = typeof ResizeObserver === "function" ? new ResizeObserver(resize) : null;
  ro?.observe(host);

  let lastDraw = 0;
  const draw = () => {
    const now = Date.now() / 1000;
    const from = now - WINDOW_S;
    while (samples.length > 0 && samples[0]!.t < from - 30) samples.shift();
    while (phases.length > 1 && phases[1]!.t < from - 30) phases.shift();
    const r = state.recipe;
    const starts = phases.filter((p) => p.phase === 1).map((p) => p.t);
    const xs = new Set<number>();
    for (const s of samples) if (s.t >= from) xs.add(s.t);
    if (r && r.htr.mode === "pulse") for (const st of starts) for (const b of envelopeBreaks(st, r)) if (b >= from) xs.add(b);
    const x = [...xs].sort((a, b) => a - b);
    const temp = new Map(samples.map((s) => [s.t, s.temp]));
    const startTemp = new Map(starts.map((st) => [st, samples.find((s) => s.t >= st)?.temp ?? 298]));
    const tgt: (number | null)[] = [];
    const hi: (number | null)[] = [];
    const lo: (number | null)[] = [];
    const cool: (number | null)[] = [];
    for (const t of x) {
      let e = { target: null, lo: null, hi: null, coolLimit: null } as ReturnType<typeof envelopeAt>;
      if (r && r.htr.mode === "pulse") {
        const st = [...starts].reverse().find((s0) => s0 <= t + 1e-6);
        if (st !== undefined) {
          e = envelopeAt(t, st, Math.min(startTemp.get(st) ?? 298, r.htr.peakTempK), r);
        }
      } else if (r) {
        const ph = [...phases].reverse().find((p) => p.t <= t)?.phase;
        if (ph === 4) e = { target: r.htr.peakTempK, lo: r.htr.peakTempK - r.htr.peakToleranceK, hi: r.htr.peakTempK + r.htr.peakToleranceK, coolLimit: null };
      }
      tgt.push(e.target);
      hi.push(e.hi);
      lo.push(e.lo);
      cool.push(e.coolLimit);
    }
    plot.setData([x, x.map((t) => temp.get(t) ?? null), tgt, hi, lo, cool] as uPlot.AlignedData);
    const last = starts[starts.length - 1];
    const f = r && last !== undefined ? pulseFigures(samples, last, r) : null;
    setText(
      figures,
      !r
        ? "No recipe loaded: no envelope."
        : `${r.alloy}: peak ${r.htr.peakTempK} ± ${r.htr.peakToleranceK} K, ramp ${r.htr.rampTimeS} s, hold ${r.htr.holdTimeS} s, cool ${r.htr.coolTimeS} s` +
            (f ? ` · last pulse: peak ${formatNumber(f.peak, 0)} K, in band after ${f.toBandS === null ? "—" : formatNumber(f.toBandS, 1) + " s"}, held ${formatNumber(f.heldS, 1)} s` : ""),
    );
  };

  return {
    el,
    update() {
      host.classList.toggle("stale", !state.connected);
      const t = performance.now();
      if (t - lastDraw < REDRAW_MS) return;
      lastDraw = t;
      draw();
    },
    dispose() {
      stopBatch();
      ro?.disconnect();
      plot.destroy();
    },
  };
}
