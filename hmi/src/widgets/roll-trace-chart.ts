import uPlot from "uplot";
import { api, query } from "../core/api.js";
import { h } from "../core/dom.js";
import type { HistoryResult } from "../core/history-data.js";

export interface TraceBand {
  readonly peakK: number;
  readonly toleranceK: number;
}

export interface RollTraceChart {
  readonly el: HTMLElement;
  dispose(): void;
}

const TAG = "htr.web_temp";
const PAD_MS = 1000;

/**
 * A segment's thermal trace from the historian: htr.web_temp while it was in the HTR zone (from its entry to
 * its exit, a second either side), seconds from entry on x, the recipe's band (peak ± tolerance) as grey lines.
 * The host's `data-state` says loading / ready / empty / error, `data-points` how many values came.
 */
export function rollTraceChart(enteredAt: number | null, leftAt: number | null, band: TraceBand | null): RollTraceChart {
  const host = h("div", { class: "trend-plot roll-trace-plot", "data-testid": "seg-trace", "data-state": "loading", "data-points": "0" });
  const note = h("p", { class: "tp-legend muted", "data-testid": "seg-trace-note" });
  const el = h("div", { class: "roll-trace" }, host, note);
  let plot: uPlot | null = null;
  let disposed = false;

  const fail = (state: "empty" | "error", text: string) => {
    host.dataset.state = state;
    host.replaceChildren(h("p", { class: "muted" }, text));
  };

  const load = async () => {
    if (enteredAt === null || leftAt === null || !(leftAt > enteredAt)) {
      fail("empty", "No HTR passage recorded for this segment: no trace.");
      return;
    }
    const from = enteredAt - PAD_MS;
    const to = leftAt + PAD_MS;
    let res: HistoryResult;
    try {
      res = await api.get<HistoryResult>(`/api/history${query({ tags: TAG, from: Math.round(from), to: Math.round(to), points: 600 })}`);
    } catch (err) {
      if (!disposed) fail("error", `trace not available: ${(err as Error).message}`);
      return;
    }
    if (disposed) return;
    const pts = (res.series.find((x) => x.tag === TAG)?.points ?? []).filter((p) => typeof p.value === "number");
    if (pts.length === 0) {
      fail("empty", `The historian has no ${TAG} for this passage (${res.source}).`);
      return;
    }
    const xs = pts.map((p) => (p.t - enteredAt) / 1000);
    const ys = pts.map((p) => p.value as number);
    const hi = band ? xs.map(() => band.peakK + band.toleranceK) : xs.map(() => null);
    const lo = band ? xs.map(() => band.peakK - band.toleranceK) : xs.map(() => null);
    host.replaceChildren();
    Object.assign(host.dataset, { state: "ready", points: String(pts.length), source: res.source });
    note.textContent = `— web temperature (${res.source}${res.bucketMs > 0 ? `, ${Math.round(res.bucketMs)} ms buckets` : ""}) · grey: band ${band ? `${band.peakK} ± ${band.toleranceK} K` : "(no recipe)"} · 0 s = entry into the HTR zone`;
    plot = new uPlot(
      {
        width: Math.max(320, host.clientWidth || 520),
        height: 220,
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: false }, y: { range: (_u, min, max) => [Math.min(250, min), Math.max(band ? band.peakK + band.toleranceK + 40 : 0, max + 20)] } },
        axes: [
          { stroke: "#333", label: "s from entry", grid: { stroke: "#c4c4c4", width: 1 }, ticks: { stroke: "#999" } },
          { stroke: "#333", label: "K", grid: { stroke: "#c4c4c4", width: 1 }, ticks: { stroke: "#999" }, size: 56 },
        ],
        series: [
          {},
          { label: "Web temperature", stroke: "#111", width: 1.5, points: { show: false } },
          { label: "Band high", stroke: "#7a7a7a", width: 1, dash: [5, 3], points: { show: false } },
          { label: "Band low", stroke: "#7a7a7a", width: 1, dash: [5, 3], points: { show: false } },
        ],
      },
      [xs, ys, hi, lo] as uPlot.AlignedData,
      host,
    );
  };
  void load();

  return {
    el,
    dispose() {
      disposed = true;
      plot?.destroy();
      plot = null;
    },
  };
}
