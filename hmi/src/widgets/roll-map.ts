import type { SegmentVerdictJson } from "../../../src/server/socket-contract.js";
import { h, s } from "../core/dom.js";

/** One segment as the map draws it. */
export interface MapColumn {
  readonly index: number;
  readonly fromM: number;
  readonly toM: number;
  readonly verdict: SegmentVerdictJson;
  readonly disposition: "accept" | "hold" | "reject" | null;
}

export interface RollMapModel {
  readonly columns: readonly MapColumn[];
  /** The metres on the x axis. */
  readonly fromM: number;
  readonly toM: number;
  /** Metres made but not recorded yet (still in the line). */
  readonly inLine?: { readonly fromM: number; readonly toM: number } | null;
  /** The metres in the HTR zone now. */
  readonly zone?: { readonly fromM: number; readonly toM: number } | null;
  readonly selected?: number | null;
}

export interface RollMap {
  readonly el: HTMLElement;
  draw(m: RollMapModel): void;
}

const DISPOSITION_RANK = { reject: 3, hold: 2, accept: 1 } as const;
const H = { label: 14, strip: 8, gap: 3, bar: 56, axis: 22 };
const BAR_Y = H.label + H.strip + H.gap;
const HEIGHT = BAR_Y + H.bar + H.axis;
const MIN_COL_PX = 3;
const UNVERIFIED_FILL = "#e3b341";
let instances = 0;

/** A round metre step giving at most `n` ticks over `span`. */
function tickStep(span: number, n: number): number {
  const raw = span / Math.max(1, n);
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const f of [1, 2, 5, 10]) if (f * p >= raw) return f * p;
  return 10 * p;
}

const worst = <T extends string>(items: readonly T[], rank: Record<T, number>): T | null => items.reduce<T | null>((w, x) => (w === null || rank[x] > rank[w] ? x : w), null);

/** Runs of equal disposition, for the strip above the columns. */
function dispositionRuns(cols: readonly { fromM: number; toM: number; disposition: MapColumn["disposition"] }[]): { fromM: number; toM: number; d: NonNullable<MapColumn["disposition"]> }[] {
  const runs: { fromM: number; toM: number; d: NonNullable<MapColumn["disposition"]> }[] = [];
  for (const c of cols) {
    if (c.disposition === null) continue;
    const last = runs[runs.length - 1];
    if (last && last.d === c.disposition && Math.abs(last.toM - c.fromM) < 1e-6) last.toM = c.toM;
    else runs.push({ fromM: c.fromM, toM: c.toM, d: c.disposition });
  }
  return runs;
}

interface Bin {
  readonly fromM: number;
  readonly toM: number;
  readonly cols: MapColumn[];
}

/**
 * The roll map: metres on x, one column per segment coloured by its verdict (pass dull grey-green, FAIL red,
 * unverified amber hatched, trial blue-grey), QA's disposition as a strip above (reject red, hold amber,
 * accept dark grey), the metres still in the line hatched grey, the HTR zone framed. When the segments are
 * too many for the width, a column shows a bin of them in its worst verdict; a click on a bin zooms into
 * it (`onZoom`), a click on a segment picks it (`onPick`). What is drawn is on the host's data attributes:
 * `data-mode` (segments | bins), `data-columns`, `data-from`, `data-to`.
 */
export function rollMap(testId: string, onPick: (c: MapColumn) => void, onZoom?: (fromM: number, toM: number) => void): RollMap {
  const n = ++instances;
  const hatchId = `rm-unv-${n}`;
  const lineId = `rm-line-${n}`;
  const host = h("div", { class: "roll-map", "data-testid": testId, "data-columns": "0" });
  const legend = h(
    "p",
    { class: "roll-map-legend" },
    ...(["pass", "fail", "unverified", "trial"] as const).map((v) => h("span", { class: "rm-key" }, h("span", { class: `rm-swatch k-${v}` }), v === "fail" ? "FAIL" : v)),
    h("span", { class: "rm-key" }, h("span", { class: "rm-swatch k-inline" }), "in the line"),
    h("span", { class: "rm-key" }, h("span", { class: "rm-swatch k-zone" }), "HTR zone now"),
    h("span", { class: "rm-key" }, "QA strip: ", h("span", { class: "rm-swatch small k-d-reject" }), "reject ", h("span", { class: "rm-swatch small k-d-hold" }), "hold ", h("span", { class: "rm-swatch small k-d-accept" }), "accept"),
  );
  const el = h("div", { class: "roll-map-box" }, host, legend);

  const defs = () =>
    s(
      "defs",
      {},
      s("pattern", { id: hatchId, width: 6, height: 6, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" }, s("rect", { width: 6, height: 6, fill: UNVERIFIED_FILL }), s("rect", { width: 2, height: 6, fill: "#6b5200" })),
      s("pattern", { id: lineId, width: 6, height: 6, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" }, s("rect", { width: 6, height: 6, fill: "#dcdcdc" }), s("rect", { width: 1.5, height: 6, fill: "#9a9a9a" })),
    );

  function draw(m: RollMapModel): void {
    const width = Math.max(400, Math.floor(host.clientWidth || 1200));
    const left = 18;
    const plotW = width - left - 28;
    const span = Math.max(1e-6, m.toM - m.fromM);
    const x = (metre: number) => left + ((Math.min(Math.max(metre, m.fromM), m.toM) - m.fromM) / span) * plotW;
    const cols = m.columns.filter((c) => c.toM > m.fromM && c.fromM < m.toM);
    const binned = cols.length > plotW / MIN_COL_PX;
    const svg = s("svg", { class: "roll-map-svg", width, height: HEIGHT, role: "img", "aria-label": "roll map" }, defs());
    svg.append(s("rect", { class: "rm-bg", x: left, y: BAR_Y, width: plotW, height: H.bar }));
    if (m.inLine && m.inLine.toM > m.inLine.fromM) {
      svg.append(s("rect", { class: "rm-inline", x: x(m.inLine.fromM), y: BAR_Y, width: Math.max(1, x(m.inLine.toM) - x(m.inLine.fromM)), height: H.bar, fill: `url(#${lineId})`, "data-testid": `${testId}-inline` }));
    }
    let drawn: { fromM: number; toM: number; disposition: MapColumn["disposition"] }[];
    if (binned) {
      const binM = (span * MIN_COL_PX) / plotW;
      const bins = new Map<number, Bin>();
      for (const c of cols) {
        const i = Math.floor((c.fromM - m.fromM) / binM);
        const b = bins.get(i) ?? { fromM: m.fromM + i * binM, toM: m.fromM + (i + 1) * binM, cols: [] };
        b.cols.push(c);
        bins.set(i, b);
      }
      drawn = [];
      for (const [i, b] of bins) {
        const v = worst(b.cols.map((c) => c.verdict), { fail: 3, unverified: 2, trial: 1, pass: 0 })!;
        const d = worst(b.cols.flatMap((c) => (c.disposition ? [c.disposition] : [])), DISPOSITION_RANK);
        const first = b.cols[0]!;
        const last = b.cols[b.cols.length - 1]!;
        drawn.push({ fromM: first.fromM, toM: last.toM, disposition: d });
        const rect = s(
          "rect",
          { class: `rm-col v-${v}`, x: x(b.fromM), y: BAR_Y, width: MIN_COL_PX - 0.5, height: H.bar, "data-testid": `seg-bin-${i}`, "data-verdict": v, "data-count": b.cols.length, "data-from": first.fromM, "data-to": last.toM, ...(v === "unverified" ? { fill: `url(#${hatchId})` } : {}) },
          s("title", {}, `${first.fromM.toFixed(2)}–${last.toM.toFixed(2)} m: ${b.cols.length} segments, worst ${v}${d ? `, QA ${d}` : ""} (click to zoom)`),
        );
        rect.addEventListener("click", () => (onZoom ? onZoom(first.fromM, last.toM) : onPick(first)));
        svg.append(rect);
      }
    } else {
      drawn = cols;
      for (const c of cols) {
        const x0 = x(c.fromM);
        const w = Math.max(1, x(c.toM) - x0);
        const rect = s(
          "rect",
          {
            class: `rm-col v-${c.verdict}${c.index === m.selected ? " selected" : ""}`,
            x: x0 + (w > 4 ? 0.5 : 0),
            y: BAR_Y,
            width: w > 4 ? w - 1 : w,
            height: H.bar,
            "data-testid": `seg-${c.index}`,
            "data-verdict": c.verdict,
            "data-disposition": c.disposition ?? "",
            "data-from": c.fromM,
            "data-to": c.toM,
            ...(c.verdict === "unverified" ? { fill: `url(#${hatchId})` } : {}),
          },
          s("title", {}, `segment ${c.index}: ${c.fromM.toFixed(2)}–${c.toM.toFixed(2)} m, ${c.verdict}${c.disposition ? `, QA ${c.disposition}` : ""}`),
        );
        rect.addEventListener("click", () => onPick(c));
        svg.append(rect);
      }
    }
    for (const r of dispositionRuns(drawn)) {
      svg.append(s("rect", { class: `rm-disp d-${r.d}`, x: x(r.fromM), y: H.label, width: Math.max(2, x(r.toM) - x(r.fromM)), height: H.strip, "data-testid": `${testId}-disposition`, "data-disposition": r.d, "data-from": r.fromM, "data-to": r.toM }));
    }
    const sel = m.selected === null || m.selected === undefined ? undefined : cols.find((c) => c.index === m.selected);
    if (sel && binned) svg.append(s("rect", { class: "rm-selected", x: x(sel.fromM) - 1, y: BAR_Y - 1, width: Math.max(3, x(sel.toM) - x(sel.fromM) + 2), height: H.bar + 2 }));
    if (m.zone && m.zone.toM > m.fromM) {
      const zx = x(m.zone.fromM);
      const zw = Math.max(3, x(m.zone.toM) - zx);
      svg.append(
        s("rect", { class: "rm-zone", x: zx, y: BAR_Y - 2, width: zw, height: H.bar + 4, "data-testid": `${testId}-zone`, "data-from": m.zone.fromM, "data-to": m.zone.toM }),
        s("text", { class: "rm-zone-label", x: zx + zw < 160 ? zx : zx + zw, y: H.label - 3, "text-anchor": zx + zw < 160 ? "start" : "end" }, `HTR ${m.zone.fromM.toFixed(2)}–${m.zone.toM.toFixed(2)} m`),
      );
    }
    const step = tickStep(span, Math.floor(plotW / 90));
    for (let i = Math.ceil(m.fromM / step - 1e-9); i <= Math.floor(m.toM / step + 1e-9); i++) {
      const t = i * step;
      const tx = x(t);
      svg.append(s("line", { class: "rm-tick", x1: tx, x2: tx, y1: BAR_Y + H.bar, y2: BAR_Y + H.bar + 5 }), s("text", { class: "rm-tick-label", x: tx, y: BAR_Y + H.bar + 17, "text-anchor": "middle" }, `${Number(t.toFixed(3))} m`));
    }
    host.replaceChildren(svg);
    Object.assign(host.dataset, { mode: binned ? "bins" : "segments", columns: String(binned ? svg.querySelectorAll(".rm-col").length : cols.length), from: String(m.fromM), to: String(m.toM) });
  }

  return { el, draw };
}
