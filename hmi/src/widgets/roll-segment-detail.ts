import type { SegmentJson } from "../../../src/server/socket-contract.js";
import { h } from "../core/dom.js";
import { formatNumber, formatTime } from "../core/format-value.js";
import type { Envelope } from "../pages/rolls-data.js";
import { rollTraceChart } from "./roll-trace-chart.js";

/** The recipe's figures a segment's are shown beside (the server's rules decide; these are for reading). */
export type SegmentTargets = Envelope;

type Figure = readonly [key: keyof SegmentJson, label: string, unit: string, decimals: number, target: (t: SegmentTargets) => string];

const opt = (v: number | null, text: (v: number) => string) => (v === null ? "" : text(v));
const FIGURES: readonly Figure[] = [
  ["peakK", "Peak web temperature", "K", 0, (t) => `${t.peakK} ± ${t.toleranceK} K`],
  ["timeInBandS", "Time in band", "s", 2, (t) => `hold ${t.holdS} s`],
  ["maxHeatingKps", "Max heating rate", "K/s", 0, (t) => opt(t.minHeatingRateKps, (v) => `at least ${v} K/s`)],
  ["maxCoolingKps", "Max cooling rate", "K/s", 0, (t) => opt(t.minCoolingRateKps, (v) => `at least ${v} K/s`)],
  ["o2MaxPpm", "Chamber O₂, max", "ppm", 1, (t) => opt(t.o2PermissivePpm, (v) => `heater permissive ${v} ppm`)],
  ["arMinLpm", "Argon flow, min", "L/min", 1, (t) => opt(t.argonFlowLpm, (v) => `set ${v} L/min`)],
  ["exitConductivityUsCm", "Rinse exit conductivity", "µS/cm", 1, (t) => opt(t.conductivityEndpointUsCm, (v) => `endpoint ${v} µS/cm`)],
  ["arealLoadingMgCm2", "Areal loading", "mg/cm²", 2, (t) => (t.loading ? `${t.loading.mgCm2} ± ${t.loading.toleranceMgCm2} mg/cm²` : "")],
  ["pulses", "Pulses", "", 0, () => ""],
  ["partialPulses", "Partial pulses", "", 0, () => ""],
];

const QUALITY_ORDER: Record<string, number> = { Good: 0, Uncertain: 1, Bad: 2 };

function figuresTable(seg: SegmentJson, targets: SegmentTargets | null): HTMLTableElement {
  return h(
    "table",
    { class: "grid figures seg-figures", "data-testid": "seg-figures" },
    h("thead", {}, h("tr", {}, h("th", {}, "Figure"), h("th", {}, "Value"), h("th", {}, targets ? `Recipe ${targets.label}` : "Recipe"))),
    h(
      "tbody",
      {},
      ...FIGURES.map(([key, label, unit, decimals, target]) => {
        const v = seg[key];
        const value = typeof v === "number" && Number.isFinite(v) ? v : null;
        return h(
          "tr",
          {},
          h("th", { scope: "row" }, label),
          h("td", { class: "num-cell", "data-testid": `seg-${key}`, "data-value": value === null ? "" : String(value) }, value === null ? "—" : `${formatNumber(value, decimals)}${unit ? ` ${unit}` : ""}`),
          h("td", { class: "muted" }, targets ? target(targets) : ""),
        );
      }),
    ),
  );
}

function reasonsList(seg: SegmentJson): HTMLElement {
  if (seg.reasons.length === 0) return h("p", { "data-testid": "seg-reasons", "data-count": "0" }, "Every rule met.");
  return h(
    "ul",
    { class: "seg-reasons", "data-testid": "seg-reasons", "data-count": String(seg.reasons.length) },
    ...seg.reasons.map((r) => h("li", { class: `reason-${r.kind}`, "data-rule": r.rule }, h("strong", {}, r.kind === "fail" ? "FAIL " : "unverified "), r.message, h("span", { class: "muted" }, ` (${r.rule})`))),
  );
}

function eventsList(seg: SegmentJson): HTMLElement | null {
  const items: [string, readonly string[]][] = [
    ["Trips", seg.trips],
    ["Bypasses", seg.bypasses],
    ["Critical alarms", seg.criticalAlarms],
  ];
  const shown = items.filter(([, list]) => list.length > 0);
  if (shown.length === 0) return null;
  return h("p", { class: "seg-events", "data-testid": "seg-events" }, ...shown.map(([label, list]) => h("span", { class: "seg-event" }, h("strong", {}, `${label}: `), list.join(", "), " ")));
}

function signalsTable(seg: SegmentJson): HTMLTableElement {
  const rows = Object.entries(seg.signals).sort(([, a], [, b]) => (QUALITY_ORDER[b.worst] ?? 3) - (QUALITY_ORDER[a.worst] ?? 3));
  return h(
    "table",
    { class: "grid seg-signals", "data-testid": "seg-signals", "data-count": String(rows.length) },
    h("thead", {}, h("tr", {}, h("th", {}, "Signal"), h("th", {}, "Samples"), h("th", {}, "Worst quality"), h("th", {}, "Why"))),
    h(
      "tbody",
      {},
      ...rows.map(([name, q]) =>
        h("tr", { class: q.worst === "Good" ? "" : "signal-not-good", "data-testid": `seg-signal-${name}`, "data-worst": q.worst }, h("td", { class: "mono" }, name), h("td", { class: "num-cell" }, String(q.samples)), h("td", {}, q.worst), h("td", { class: "muted" }, q.reason || "")),
      ),
    ),
  );
}

function passagesText(seg: SegmentJson): string {
  return Object.entries(seg.passages)
    .filter(([, p]) => p.enteredAt !== null || p.leftAt !== null)
    .map(([st, p]) => `${st} ${formatTime(p.enteredAt).slice(11)}–${formatTime(p.leftAt).slice(11)}`)
    .join(" · ");
}

/**
 * One segment: its verdict and QA disposition, its figures beside the recipe's, the reasons in words, trips
 * and bypasses, the quality of every signal it was judged on, and its thermal trace from the historian.
 */
export function segmentDetail(seg: SegmentJson, targets: SegmentTargets | null, onClose: () => void): { el: HTMLElement; dispose(): void } {
  const htr = seg.passages["htr"];
  const trace = rollTraceChart(htr?.enteredAt ?? null, htr?.leftAt ?? null, targets);
  const recipe = seg.recipe ? `${seg.recipe.alloy}${seg.recipe.version !== null ? ` v${seg.recipe.version}` : ""}${seg.recipe.trial ? " TRIAL" : ""}` : "no recipe";
  const el = h(
    "section",
    { class: "panel seg-detail", "data-testid": "seg-detail", "data-index": String(seg.index), "data-verdict": seg.verdict, "data-disposition": seg.disposition?.disposition ?? "" },
    h(
      "div",
      { class: "seg-detail-head" },
      h("h2", {}, `Segment ${seg.index} · ${seg.fromM.toFixed(2)}–${seg.toM.toFixed(2)} m `),
      h("span", { class: `verdict-badge v-${seg.verdict}`, "data-testid": "seg-verdict" }, seg.verdict === "fail" ? "FAIL" : seg.verdict),
      seg.disposition ? h("span", { class: `disp-badge d-${seg.disposition.disposition}`, "data-testid": "seg-disposition" }, `QA ${seg.disposition.disposition} (lab #${seg.disposition.labResultId})`) : h("span", { class: "muted", "data-testid": "seg-disposition" }, "no QA disposition"),
      h("button", { type: "button", class: "btn btn-small", "data-testid": "seg-close", onclick: onClose }, "Close"),
    ),
    h("p", { class: "muted" }, `${recipe} · closed ${formatTime(seg.closedAt)} · ${passagesText(seg)}`),
    h(
      "div",
      { class: "seg-columns" },
      h("div", {}, figuresTable(seg, targets), h("h3", {}, "Reasons"), reasonsList(seg), eventsList(seg)),
      h("div", {}, h("h3", {}, "Thermal trace (historian)"), trace.el, h("h3", {}, "Signals' quality"), signalsTable(seg)),
    ),
  );
  return { el, dispose: () => trace.dispose() };
}
