import { h, s } from "../core/dom.js";

/** One segment in the process window. */
export interface WindowPoint {
  readonly peakK: number;
  readonly timeInBandS: number;
  /** The particle size of the lab result covering it (null: none). */
  readonly sizeNm: number | null;
  readonly rollId: string;
  readonly index: number;
  readonly fromM: number;
  readonly verdict: string;
}

export interface WindowEnvelope {
  readonly label: string;
  readonly peakK: number;
  readonly toleranceK: number;
  readonly holdS: number;
  readonly sizeLowNm: number | null;
  readonly sizeHighNm: number | null;
}

const W_MIN = 560;
const HEIGHT = 420;
const M = { left: 64, right: 20, top: 18, bottom: 44 };
/** Light → dark blue-grey: a size scale that reads as a quantity, not as an alarm. */
const RAMP = ["#c9d6e3", "#9fb5cc", "#7593b4", "#4d7098", "#2b4d73", "#15304f"];

function niceTicks(lo: number, hi: number, n: number): number[] {
  const raw = (hi - lo) / Math.max(1, n);
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((f) => f * p).find((x) => x >= raw) ?? 10 * p;
  const out: number[] = [];
  for (let i = Math.ceil(lo / step - 1e-9); i <= Math.floor(hi / step + 1e-9); i++) out.push(Number((i * step).toFixed(6)));
  return out;
}

const rampColour = (t: number) => RAMP[Math.max(0, Math.min(RAMP.length - 1, Math.round(t * (RAMP.length - 1))))]!;

/**
 * Peak temperature (x) against time in band (y), one dot per sampled segment, coloured by the particle size
 * of the lab result covering it (light → dark; grey when no lab result; a red ring when out of the recipe's
 * size specification), with each recipe's envelope: the band peak ± tolerance shaded, the hold time dashed.
 * The host says what it drew: `data-points`, `data-with-lab`, `data-envelopes`.
 */
export function processWindowChart(points: readonly WindowPoint[], envelopes: readonly WindowEnvelope[], widthPx: number): HTMLElement {
  const width = Math.max(W_MIN, Math.floor(widthPx));
  const plotW = width - M.left - M.right;
  const plotH = HEIGHT - M.top - M.bottom;
  const xsAll = [...points.map((p) => p.peakK), ...envelopes.flatMap((e) => [e.peakK - e.toleranceK * 2, e.peakK + e.toleranceK * 2])];
  const ysAll = [0, ...points.map((p) => p.timeInBandS), ...envelopes.map((e) => e.holdS * 1.4)];
  let x0 = Math.min(...xsAll);
  let x1 = Math.max(...xsAll);
  if (!(x1 > x0)) [x0, x1] = [x0 - 10, x0 + 10];
  const padX = (x1 - x0) * 0.06;
  x0 -= padX;
  x1 += padX;
  const y1 = Math.max(...ysAll, 0.5) * 1.08;
  const X = (v: number) => M.left + ((v - x0) / (x1 - x0)) * plotW;
  const Y = (v: number) => M.top + plotH - (v / y1) * plotH;
  const sizes = points.flatMap((p) => (p.sizeNm === null ? [] : [p.sizeNm]));
  const sLo = Math.min(...sizes, ...envelopes.flatMap((e) => (e.sizeLowNm === null ? [] : [e.sizeLowNm])));
  const sHi = Math.max(...sizes, ...envelopes.flatMap((e) => (e.sizeHighNm === null ? [] : [e.sizeHighNm])));
  const outOfSpec = (size: number) => envelopes.some((e) => e.sizeLowNm !== null && e.sizeHighNm !== null) && !envelopes.some((e) => e.sizeLowNm !== null && e.sizeHighNm !== null && size >= e.sizeLowNm - 1e-9 && size <= e.sizeHighNm + 1e-9);

  const svg = s("svg", { class: "pw-svg", width, height: HEIGHT, role: "img", "aria-label": "process window" });
  svg.append(s("rect", { class: "pw-bg", x: M.left, y: M.top, width: plotW, height: plotH }));
  for (const t of niceTicks(x0, x1, Math.floor(plotW / 90))) {
    svg.append(s("line", { class: "pw-grid", x1: X(t), x2: X(t), y1: M.top, y2: M.top + plotH }), s("text", { class: "pw-tick", x: X(t), y: M.top + plotH + 16, "text-anchor": "middle" }, String(t)));
  }
  for (const t of niceTicks(0, y1, 6)) {
    svg.append(s("line", { class: "pw-grid", x1: M.left, x2: M.left + plotW, y1: Y(t), y2: Y(t) }), s("text", { class: "pw-tick", x: M.left - 6, y: Y(t) + 4, "text-anchor": "end" }, String(t)));
  }
  svg.append(
    s("text", { class: "pw-axis", x: M.left + plotW / 2, y: HEIGHT - 6, "text-anchor": "middle" }, "Peak web temperature (K)"),
    s("text", { class: "pw-axis", x: 14, y: M.top + plotH / 2, "text-anchor": "middle", transform: `rotate(-90 14 ${M.top + plotH / 2})` }, "Time in band (s)"),
  );
  envelopes.forEach((e, i) => {
    const bx = X(e.peakK - e.toleranceK);
    const bw = X(e.peakK + e.toleranceK) - bx;
    svg.append(
      s("rect", { class: "pw-band", x: bx, y: M.top, width: bw, height: plotH, "data-testid": "pw-envelope", "data-peak": e.peakK, "data-tolerance": e.toleranceK, "data-hold": e.holdS }),
      s("line", { class: "pw-peak", x1: X(e.peakK), x2: X(e.peakK), y1: M.top, y2: M.top + plotH }),
      s("line", { class: "pw-hold", x1: M.left, x2: M.left + plotW, y1: Y(e.holdS), y2: Y(e.holdS) }),
      s("rect", { class: "pw-window", x: bx, y: M.top, width: bw, height: Math.max(0, Y(e.holdS) - M.top) }),
      s("text", { class: "pw-env-label", x: M.left + plotW - 4, y: Y(e.holdS) - 4 - i * 14, "text-anchor": "end" }, `${e.label}: ${e.peakK} ± ${e.toleranceK} K, hold ${e.holdS} s`),
    );
  });
  // Those without a lab result first: the coloured ones stay visible on top.
  for (const p of [...points].sort((a, b) => Number(a.sizeNm !== null) - Number(b.sizeNm !== null))) {
    const size = p.sizeNm;
    const t = size === null || !(sHi > sLo) ? 0.5 : (size - sLo) / (sHi - sLo);
    const bad = size !== null && outOfSpec(size);
    svg.append(
      s(
        "circle",
        { class: `pw-point${size === null ? " no-lab" : ""}${bad ? " out-of-spec" : ""}`, cx: X(p.peakK), cy: Y(p.timeInBandS), r: 5, ...(size === null ? {} : { fill: rampColour(t) }), "data-testid": "pw-point", "data-roll": p.rollId, "data-index": p.index, "data-size": size ?? "", "data-verdict": p.verdict },
        s("title", {}, `${p.rollId} segment ${p.index} (${p.fromM.toFixed(2)} m): peak ${p.peakK.toFixed(0)} K, ${p.timeInBandS.toFixed(2)} s in band, ${p.verdict}${size === null ? ", no lab result" : `, lab ${size} nm${bad ? " (out of spec)" : ""}`}`),
      ),
    );
  }
  const legend = h(
    "p",
    { class: "pw-legend tp-legend" },
    h("span", { class: "rm-key" }, h("span", { class: "rm-swatch k-nolab" }), "no lab result"),
    sizes.length
      ? h("span", { class: "rm-key" }, "lab particle size ", h("span", { class: "pw-ramp" }, ...RAMP.map((c) => h("span", { style: `background:${c}` }))), ` ${sLo.toFixed(1)} … ${sHi.toFixed(1)} nm`)
      : "",
    h("span", { class: "rm-key" }, h("span", { class: "rm-swatch k-oos" }), "out of the size spec"),
    h("span", { class: "rm-key" }, h("span", { class: "rm-swatch k-band" }), "peak ± tolerance; dashed: hold time; framed: the window"),
  );
  return h("div", { class: "pw-chart", "data-testid": "pw-plot", "data-state": "ready", "data-points": String(points.length), "data-with-lab": String(sizes.length), "data-envelopes": String(envelopes.length) }, svg, legend);
}
