import { h, setText } from "../core/dom.js";
import { formatTime } from "../core/format-value.js";
import { session } from "../core/session.js";
import { labForm, labResultsTable } from "../widgets/roll-lab-form.js";
import { type MapColumn, rollMap } from "../widgets/roll-map.js";
import { type SegmentTargets, segmentDetail } from "../widgets/roll-segment-detail.js";
import { splitForm } from "../widgets/roll-split-form.js";
import type { SubView } from "./rolls-live.js";
import { type LabResultJson, type RollJson, type SegmentJson, VERDICTS, VERDICT_LABEL, csvUrl, envelopeOf, errorText, fmtM, getLabResults, getRoll, getSegments, reportUrl, rollHash, rollRecipe } from "./rolls-data.js";

/** At most this many segments are fetched and drawn at once (a 10 km roll has 100 000): a metre window. */
const WINDOW_SEGMENTS = 3000;

const toColumn = (s: SegmentJson): MapColumn => ({ index: s.index, fromM: s.fromM, toM: s.toM, verdict: s.verdict, disposition: s.disposition?.disposition ?? null });

function rollHeader(r: RollJson): HTMLElement {
  const recipes = r.recipes
    .map((x) => `${x.alloy}${x.version !== null ? ` v${x.version}` : ""}${x.trial ? " TRIAL" : ""} ${x.toM === null ? `from ${fmtM(x.fromM)}` : `${fmtM(x.fromM)}–${fmtM(x.toM)}`}${x.approvedBy ? `, approved by ${x.approvedBy}` : x.trial ? "" : ", no approval signature"}`)
    .join("; ");
  return h(
    "div",
    { class: "roll-head", "data-testid": "roll-head", "data-roll": r.id, "data-state": r.state },
    h("h1", {}, `Roll ${r.id} `, h("span", { class: `state-badge roll-state-${r.state}`, "data-testid": "roll-state" }, r.state)),
    h(
      "p",
      {},
      h("strong", {}, "Lot "),
      h("span", { "data-testid": "roll-lot" }, r.lot ?? "—"),
      " · ",
      h("strong", {}, "length "),
      h("span", { "data-testid": "roll-length" }, fmtM(r.lengthM)),
      ` · ${r.segmentsRecorded} segments recorded · started ${formatTime(r.startedAt)} by ${r.startedBy}${r.endedAt ? ` · ended ${formatTime(r.endedAt)}` : ""}`,
    ),
    h("p", { class: "muted" }, `Recipe: ${recipes || "—"}`),
    r.parent ? h("p", {}, "Split from ", h("a", { href: rollHash(r.parent.id) }, r.parent.id), ` (${fmtM(r.parent.fromM)}–${fmtM(r.parent.toM)})`) : "",
    r.children.length ? h("p", {}, "Split into ", ...r.children.map((c) => h("a", { href: rollHash(c), class: "btn btn-small" }, c))) : "",
    h("p", { class: "roll-counts", "data-testid": "roll-counts" }, ...VERDICTS.map((v) => h("span", { class: `roll-count count-${v}${r.counts[v] > 0 && v !== "pass" ? " nonzero" : ""}`, "data-testid": `roll-count-${v}`, "data-value": String(r.counts[v]) }, `${VERDICT_LABEL[v]} ${r.counts[v]}`))),
    h(
      "p",
      { class: "cmd-row" },
      h("a", { class: "btn", href: reportUrl(r.id, "html"), target: "_blank", rel: "noopener", "data-testid": "roll-report-html" }, "Roll report (HTML)"),
      h("a", { class: "btn", href: reportUrl(r.id, "pdf"), download: `${r.id}-report.pdf`, "data-testid": "roll-report-pdf" }, "PDF"),
      h("a", { class: "btn", href: csvUrl(r.id), download: `${r.id}-segments.csv`, "data-testid": "roll-csv" }, "Segments CSV"),
    ),
  );
}

/** The whole roll when it is short enough, else its first WINDOW_SEGMENTS segments' worth of metres. */
function defaultWindow(r: RollJson): { fromM: number; toM: number } {
  const len = Math.max(r.lengthM, 0.1);
  return r.segmentsRecorded <= WINDOW_SEGMENTS ? { fromM: 0, toM: len } : { fromM: 0, toM: (len * WINDOW_SEGMENTS) / r.segmentsRecorded };
}

/** A window inside the roll, at most WINDOW_SEGMENTS segments long. */
function clampWindow(r: RollJson, w: { fromM: number; toM: number }): { fromM: number; toM: number } {
  const span = Math.max(0.1, w.toM - w.fromM);
  const maxSpan = r.segmentsRecorded > WINDOW_SEGMENTS ? (r.lengthM * WINDOW_SEGMENTS) / r.segmentsRecorded : Infinity;
  const s = Math.min(span, maxSpan);
  const fromM = Math.max(0, Math.min(w.fromM, r.lengthM - s));
  return { fromM, toM: fromM + s };
}

/** Show (the typed window), pan by half a window, the whole roll, refresh. */
function windowButtons(win: () => { fromM: number; toM: number }, show: (w: { fromM: number; toM: number }) => void, refresh: () => void, all: () => void, typed?: () => { fromM: number; toM: number }): HTMLElement[] {
  const btn = (label: string, testid: string, f: () => void) => h("button", { type: "button", class: "btn btn-small", "data-testid": testid, onclick: f }, label);
  const pan = (dir: number) => {
    const w = win();
    const d = ((w.toM - w.fromM) / 2) * dir;
    show({ fromM: w.fromM + d, toM: w.toM + d });
  };
  return [
    ...(typed ? [btn("Show", "roll-window-go", () => show(typed()))] : []),
    btn("◀", "roll-window-left", () => pan(-1)),
    btn("▶", "roll-window-right", () => pan(1)),
    btn("Whole roll", "roll-window-all", all),
    btn("Refresh", "roll-refresh", refresh),
  ];
}

/** The lab results panel's content (the table, or why it is missing). */
async function labPanelContent(id: string, onCorrect: ((r: LabResultJson) => void) | null): Promise<HTMLElement[]> {
  try {
    return [h("h2", {}, "Lab results"), labResultsTable(await getLabResults(id), onCorrect)];
  } catch (err) {
    return [h("h2", {}, "Lab results"), h("p", { class: "form-error" }, `lab results not available: ${errorText(err)}`)];
  }
}

/**
 * One roll for QA and engineers: its header (lot, length, recipes, counts, report / PDF / CSV links), its map
 * over a metre window (zoom by clicking a bin or typing the window, ◀ ▶ to pan), a click on a column shows
 * the segment; the lab results; for QA the lab entry and the split.
 */
export function rollView(id: string, onChanged: () => void = () => undefined): SubView {
  const headHost = h("section", { class: "panel", "data-testid": "roll-view" }, h("p", { class: "muted" }, `loading ${id} …`));
  const fromIn = h("input", { type: "number", step: "any", min: 0, class: "num-input", "data-testid": "roll-window-from" });
  const toIn = h("input", { type: "number", step: "any", min: 0, class: "num-input", "data-testid": "roll-window-to" });
  const mapStatus = h("span", { class: "muted", "data-testid": "roll-map-status" });
  const detailHost = h("div", { "data-testid": "roll-detail-host" });
  const labHost = h("section", { class: "panel", "data-testid": "lab-results-panel" });
  const formsHost = h("div");
  let roll: RollJson | null = null;
  let segments: SegmentJson[] = [];
  let win = { fromM: 0, toM: 1 };
  let selected: number | null = null;
  let detail: { el: HTMLElement; dispose(): void } | null = null;
  let targets: SegmentTargets | null = null;
  let disposed = false;
  let seq = 0;

  const closeDetail = () => {
    detail?.dispose();
    detail = null;
    selected = null;
    detailHost.replaceChildren();
    drawMap();
  };
  const showDetail = (seg: SegmentJson) => {
    selected = seg.index;
    detail?.dispose();
    detail = segmentDetail(seg, targets, closeDetail);
    detailHost.replaceChildren(detail.el);
    drawMap();
  };
  const map = rollMap(
    "roll-map",
    (c) => {
      const seg = segments.find((x) => x.index === c.index);
      if (seg) showDetail(seg);
    },
    (fromM, toM) => void loadWindow({ fromM, toM }),
  );
  function drawMap(): void {
    if (!roll) return;
    const recordedTo = segments.length > 0 ? segments[segments.length - 1]!.toM : win.fromM;
    map.draw({ columns: segments.map(toColumn), ...win, inLine: roll.state !== "split" && roll.lengthM > recordedTo ? { fromM: recordedTo, toM: Math.min(win.toM, roll.lengthM) } : null, selected });
  }

  async function loadWindow(w: { fromM: number; toM: number }): Promise<void> {
    if (!roll) return;
    const r = roll;
    win = clampWindow(r, w);
    fromIn.value = String(Number(win.fromM.toFixed(2)));
    toIn.value = String(Number(win.toM.toFixed(2)));
    const mine = ++seq;
    setText(mapStatus, "loading segments …");
    try {
      const list = await getSegments(r.id, { fromM: win.fromM, toM: win.toM + 1e-6 });
      if (disposed || mine !== seq) return;
      segments = list;
      setText(mapStatus, `${list.length} segments, ${fmtM(win.fromM)}–${fmtM(win.toM)} of ${fmtM(r.lengthM)}`);
      drawMap();
      if (selected !== null) {
        const seg = segments.find((x) => x.index === selected);
        if (seg) showDetail(seg);
      }
    } catch (err) {
      if (mine === seq) setText(mapStatus, `segments not available: ${errorText(err)}`);
    }
  }

  const loadLab = async () => {
    const content = await labPanelContent(id, session.can("rolls:qa") ? (r) => form?.correct(r) : null);
    if (!disposed) labHost.replaceChildren(...content);
  };
  let form: ReturnType<typeof labForm> | null = null;
  let split: ReturnType<typeof splitForm> | null = null;

  /** The roll again (counts, state), its lab results and the window's segments (their dispositions). */
  async function load(keepWindow: boolean): Promise<void> {
    let r: RollJson;
    try {
      r = await getRoll(id);
    } catch (err) {
      headHost.replaceChildren(h("p", { class: "form-error", "data-testid": "roll-error" }, `${id}: ${errorText(err)}`));
      return;
    }
    if (disposed) return;
    const first = roll === null;
    roll = r;
    const ref = rollRecipe(r);
    targets = ref ? await envelopeOf(ref.alloy, ref.version) : null;
    headHost.replaceChildren(
      rollHeader(r),
      h("div", { class: "toolbar" }, h("strong", {}, "Map "), "from ", fromIn, " to ", toIn, " m ", ...windowButtons(() => win, (w) => void loadWindow(w), () => void load(true), () => roll && void loadWindow(defaultWindow(roll)), () => ({ fromM: Number(fromIn.value) || 0, toM: Number(toIn.value) || win.toM })), mapStatus),
      map.el,
      h("p", { class: "muted" }, "Click a column for its segment; where the segments are too many for the width a column is a bin in its worst verdict: click it to zoom in."),
    );
    if (first && session.can("rolls:qa")) {
      form = labForm(r.id, () => void changed());
      split = splitForm(r.id, () => void changed());
      formsHost.replaceChildren(form.el, split.el);
    }
    split?.update(r);
    await Promise.all([loadWindow(keepWindow && !first ? win : defaultWindow(r)), loadLab()]);
  }

  /** After a lab result or a split: this roll again, and whoever lists it. */
  const changed = async () => {
    await load(true);
    onChanged();
  };
  void load(false);
  return {
    el: h("div", { class: "roll-view" }, headHost, detailHost, labHost, formsHost),
    dispose() {
      disposed = true;
      detail?.dispose();
    },
  };
}
