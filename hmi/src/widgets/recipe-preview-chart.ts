import uPlot from "uplot";
import { type Curve, alignCurves, pointCount } from "../core/align-curves.js";
import { h } from "../core/dom.js";

/** One curve on the chart and how it is drawn (greys and dashes: no colour, nothing here is abnormal). */
export interface PreviewCurve {
  readonly label: string;
  readonly curve: Curve;
  readonly style: "primary" | "secondary" | "reference";
}

const STYLE: Record<PreviewCurve["style"], Partial<uPlot.Series>> = {
  primary: { stroke: "#111", width: 2 },
  secondary: { stroke: "#5a5a5a", width: 1.5, dash: [7, 4] },
  reference: { stroke: "#8a8a8a", width: 1.5, dash: [2, 3] },
};
const LEGEND: Record<PreviewCurve["style"], string> = { primary: "——", secondary: "– – –", reference: "· · ·" };

export interface RecipePreviewChart {
  readonly el: HTMLElement;
  loading(): void;
  error(message: string): void;
  /** Draws the curves (the first is the subject: `data-points` counts its points). */
  show(curves: readonly PreviewCurve[]): void;
  dispose(): void;
}

/**
 * Predicted web temperature against time from heater on, for one or more recipe versions beside the
 * paper's profile. What is drawn is on the host's data attributes, as on the trends chart: `data-state`
 * (loading, ready, error), `data-points` (the first curve's), `data-series` (`label:points` each).
 */
export function recipePreviewChart(testId = "preview-chart"): RecipePreviewChart {
  const host = h("div", { class: "trend-plot preview-plot", "data-testid": testId, "data-state": "loading", "data-points": "0" });
  const legend = h("p", { class: "tp-legend muted", "data-testid": `${testId}-legend` });
  const el = h("div", { class: "preview-chart" }, host, legend);
  let plot: uPlot | null = null;
  const clear = () => {
    plot?.destroy();
    plot = null;
  };
  return {
    el,
    loading() {
      host.dataset.state = "loading";
    },
    error(message) {
      clear();
      host.dataset.state = "error";
      host.replaceChildren(h("p", { class: "muted" }, `preview not available: ${message}`));
      legend.textContent = "";
    },
    show(curves) {
      clear();
      host.replaceChildren();
      const data = alignCurves(curves.map((c) => c.curve));
      const counts = data.slice(1).map((col) => pointCount(col as (number | null)[]));
      Object.assign(host.dataset, {
        state: "ready",
        points: String(counts[0] ?? 0),
        series: curves.map((c, i) => `${c.label}:${counts[i] ?? 0}`).join(";"),
      });
      legend.textContent = curves.map((c) => `${LEGEND[c.style]} ${c.label}`).join("   ");
      plot = new uPlot(
        {
          width: Math.max(360, host.clientWidth || 620),
          height: 300,
          legend: { show: false },
          cursor: { drag: { x: false, y: false } },
          scales: { x: { time: false }, y: { range: (_u, lo, hi) => [Math.min(250, lo), Math.max(1450, hi + 20)] } },
          axes: [
            { stroke: "#333", label: "s from heater on", grid: { stroke: "#c4c4c4", width: 1 }, ticks: { stroke: "#999" } },
            { stroke: "#333", label: "K", grid: { stroke: "#c4c4c4", width: 1 }, ticks: { stroke: "#999" }, size: 56 },
          ],
          series: [{}, ...curves.map((c) => ({ label: c.label, spanGaps: true, points: { show: false }, ...STYLE[c.style] }))],
        },
        data as uPlot.AlignedData,
        host,
      );
    },
    dispose: clear,
  };
}
