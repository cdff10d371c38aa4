import type { RecipePreviewJson } from "../../../src/server/socket-contract.js";

/** One figure of a recipe preview: its key (the JSON field), label, units and decimals. */
export interface PreviewFigure {
  readonly key: keyof RecipePreviewJson & string;
  readonly label: string;
  readonly units: string;
  readonly decimals: number;
}

/** The preview's figures in the order the display lists them. */
export const PREVIEW_FIGURES: readonly PreviewFigure[] = [
  { key: "peakK", label: "Peak web temperature", units: "K", decimals: 0 },
  { key: "overshootK", label: "Overshoot above peak", units: "K", decimals: 1 },
  { key: "timeToPeakS", label: "Time to the band", units: "s", decimals: 2 },
  { key: "timeInBandS", label: "Time in the band", units: "s", decimals: 2 },
  { key: "maxHeatingKps", label: "Fastest heating", units: "K/s", decimals: 0 },
  { key: "maxCoolingKps", label: "Fastest cooling", units: "K/s", decimals: 0 },
  { key: "coolTo373S", label: "Cooled to 373 K after", units: "s", decimals: 2 },
  { key: "marginToTripK", label: "Margin to the IL-02 trip", units: "K", decimals: 0 },
  { key: "marginToPlcTripK", label: "Margin to the PLC's own trip", units: "K", decimals: 0 },
];

/** A figure's value as text: `1341 K`, `—` when the preview has none (never reached, never cooled). */
export function figureText(p: RecipePreviewJson | null | undefined, f: PreviewFigure): string {
  const v = p?.[f.key];
  if (typeof v !== "number" || !Number.isFinite(v)) return "—";
  return `${v.toFixed(f.decimals)} ${f.units}`;
}

/** The difference of a figure between two previews, signed (`+20 K`), or "" when either lacks it. */
export function figureDelta(p: RecipePreviewJson | null | undefined, base: RecipePreviewJson | null | undefined, f: PreviewFigure): string {
  const a = p?.[f.key];
  const b = base?.[f.key];
  if (typeof a !== "number" || typeof b !== "number" || !Number.isFinite(a) || !Number.isFinite(b)) return "";
  const d = a - b;
  const text = d.toFixed(f.decimals);
  if (Number(text) === 0) return `±0 ${f.units}`;
  return `${d > 0 ? "+" : ""}${text} ${f.units}`;
}
