import { api } from "../core/api.js";
import { h, setText } from "../core/dom.js";
import { formatTime } from "../core/format-value.js";
import type { PageContext } from "../core/page.js";
import { session } from "../core/session.js";
import { refusalOf, showOutcome } from "../widgets/roll-lab-form.js";
import { type MapColumn, rollMap } from "../widgets/roll-map.js";
import { segmentDetail } from "../widgets/roll-segment-detail.js";
import { type CurrentRollJson, type RollJson, VERDICTS, VERDICT_LABEL, envelopeOf, errorText, fmtM, getCurrentRoll, getSegments, rollHash, rollRecipe } from "./rolls-data.js";

const POLL_MS = 2000;
/** The live map keeps (and draws) at most this many metres behind the newest. */
const LIVE_WINDOW_M = 150;
const SCALE_STEPS = [1, 2, 3, 5, 10, 20, 30, 50, 100, 150];
/** Every this many polls the whole live window is fetched again (QA's dispositions of drawn columns follow). */
const FULL_REFRESH_POLLS = 15;

/** The x range: a round length a little beyond what is made (steady while the roll grows). */
function liveRange(lengthM: number): { fromM: number; toM: number } {
  if (lengthM > LIVE_WINDOW_M * 0.9) return { fromM: Math.max(0, lengthM - LIVE_WINDOW_M), toM: lengthM + LIVE_WINDOW_M * 0.05 };
  return { fromM: 0, toM: SCALE_STEPS.find((s) => s >= lengthM * 1.05) ?? LIVE_WINDOW_M };
}

export interface SubView {
  readonly el: HTMLElement;
  dispose(): void;
}

/**
 * The roll being made, for operators: id, lot, length, segments per verdict and the map growing live (the
 * current roll and the segments recorded since the last one, every 2 s), the metres now in the HTR zone
 * framed; a click on a column shows that segment. A new roll (roll change) with its lot for who may begin one.
 */
export function rollsLiveView(ctx: PageContext): SubView {
  const head = h("div", { class: "roll-head", "data-testid": "live-head" }, h("p", { class: "muted" }, "loading …"));
  const status = h("p", { class: "muted roll-status", "data-testid": "live-status" });
  const detailHost = h("div", { "data-testid": "live-detail-host" });
  let detail: { el: HTMLElement; dispose(): void } | null = null;
  let roll: CurrentRollJson | null = null;
  let cols: MapColumn[] = [];
  let selected: number | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let polls = 0;
  let disposed = false;

  const showSegment = async (c: MapColumn) => {
    const r = roll;
    if (!r) return;
    selected = c.index;
    redraw();
    try {
      const [seg] = await getSegments(r.id, { fromM: c.fromM, toM: c.toM });
      const ref = rollRecipe(r);
      const env = ref ? await envelopeOf(ref.alloy, ref.version) : null;
      if (disposed || !seg) return;
      detail?.dispose();
      detail = segmentDetail(seg, env, () => {
        detail?.dispose();
        detail = null;
        selected = null;
        detailHost.replaceChildren();
        redraw();
      });
      detailHost.replaceChildren(detail.el);
    } catch (err) {
      detailHost.replaceChildren(h("p", { class: "form-error" }, `segment not available: ${errorText(err)}`));
    }
  };
  const map = rollMap("live-map", (c) => void showSegment(c));

  function redraw(): void {
    if (!roll) return;
    const live = roll.live;
    const lengthM = Math.max(roll.lengthM, live?.lengthM ?? 0);
    const recordedTo = cols.length > 0 ? cols[cols.length - 1]!.toM : 0;
    const range = liveRange(lengthM);
    map.draw({ columns: cols, ...range, inLine: { fromM: recordedTo, toM: lengthM }, zone: live?.inZone ?? null, selected });
  }

  const showNoRoll = async () => {
    head.replaceChildren(...(await noRollContent()));
    map.el.hidden = true;
  };

  /** The roll and the segments recorded since the last one drawn. */
  const poll = async () => {
    try {
      const r = await getCurrentRoll();
      if (disposed) return;
      if (!r) {
        if (roll !== null || head.dataset.state !== "none") await showNoRoll();
        roll = null;
        cols = [];
        head.dataset.state = "none";
      } else {
        if (roll?.id !== r.id || ++polls % FULL_REFRESH_POLLS === 0) cols = [];
        if (roll?.id !== r.id) {
          selected = null;
          detailHost.replaceChildren();
        }
        roll = r;
        head.dataset.state = "open";
        const len = Math.max(r.lengthM, r.live?.lengthM ?? 0);
        const last = cols[cols.length - 1];
        const fromM = last ? last.toM : Math.max(0, len - LIVE_WINDOW_M);
        const fresh = r.segmentsRecorded > (last ? last.index + 1 : 0) ? await getSegments(r.id, { fromM }) : [];
        if (disposed) return;
        const seen = new Set(cols.map((c) => c.index));
        for (const s of fresh) if (!seen.has(s.index)) cols.push({ index: s.index, fromM: s.fromM, toM: s.toM, verdict: s.verdict, disposition: s.disposition?.disposition ?? null });
        const keepFrom = len - LIVE_WINDOW_M * 1.2;
        if (cols.length > 0 && cols[0]!.toM < keepFrom) cols = cols.filter((c) => c.toM >= keepFrom);
        head.replaceChildren(...liveHead(r, ctx.state.recipe?.targetRollLengthM));
        map.el.hidden = false;
        redraw();
      }
      setText(status, `updated ${formatTime(Date.now()).slice(11)} · every ${POLL_MS / 1000} s`);
      status.classList.remove("stale");
    } catch (err) {
      setText(status, `not updated: ${errorText(err)}`);
      status.classList.add("stale");
    }
    if (!disposed) timer = setTimeout(() => void poll(), POLL_MS);
  };

  const el = h(
    "div",
    { class: "rolls-live", "data-testid": "rolls-live" },
    h("section", { class: "panel" }, h("h1", {}, "Current roll"), head, map.el, status),
    detailHost,
    session.can("rolls:new") ? newRollForm(() => {
      if (timer) clearTimeout(timer);
      void poll();
    }) : null,
  );
  void poll();
  return {
    el,
    dispose() {
      disposed = true;
      if (timer) clearTimeout(timer);
      detail?.dispose();
    },
  };
}

/** The open roll's figures: id, lot, recipe, length, the HTR zone, segments and their verdicts. */
function liveHead(r: CurrentRollJson, target: number | undefined): HTMLElement[] {
  const ref = rollRecipe(r);
  const live = r.live;
  return [
    h(
      "div",
      { class: "roll-kpis" },
      kpi("Roll", h("a", { href: rollHash(r.id), "data-testid": "live-roll-id" }, r.id)),
      kpi("Lot", h("span", { "data-testid": "live-lot" }, r.lot ?? "—")),
      kpi("Recipe", ref ? `${ref.alloy}${ref.version !== null ? ` v${ref.version}` : ""}${ref.trial ? " TRIAL" : ""}` : "—"),
      kpi("Length made", h("span", { "data-testid": "live-length", "data-value": String(live?.lengthM ?? r.lengthM) }, fmtM(live?.lengthM ?? r.lengthM)), target ? ` of ${fmtM(target)}` : ""),
      kpi("In HTR now", h("span", { "data-testid": "live-zone" }, live ? `${fmtM(live.inZone.fromM)}–${fmtM(live.inZone.toM)}` : "—")),
      kpi("Segments recorded", h("span", { "data-testid": "live-recorded", "data-value": String(r.segmentsRecorded) }, String(r.segmentsRecorded)), live ? h("span", { class: "muted" }, ` (+${live.open} in the line)`) : ""),
      kpi("Segments by verdict", h("span", { class: "roll-counts" }, ...VERDICTS.map((v) => h("span", { class: `roll-count count-${v}${r.counts[v] > 0 && v !== "pass" ? " nonzero" : ""}`, "data-testid": `live-count-${v}`, "data-value": String(r.counts[v]) }, `${VERDICT_LABEL[v]} ${r.counts[v]}`)))),
    ),
    h("p", { class: "muted" }, `started ${formatTime(r.startedAt)} by ${r.startedBy} · ${r.state}`),
  ];
}

/** No roll open: say so, and name the last one. */
async function noRollContent(): Promise<HTMLElement[]> {
  let last: RollJson | undefined;
  try {
    last = (await api.get<RollJson[]>("/api/rolls?limit=1"))[0];
  } catch {
    last = undefined;
  }
  return [
    h("p", { "data-testid": "live-no-roll" }, "No roll is open: a start (with its lot) begins one."),
    last ? h("p", {}, "Last roll: ", h("a", { href: rollHash(last.id), "data-testid": "live-last-roll" }, last.id), ` (${last.state}, ${fmtM(last.lengthM)}, lot ${last.lot ?? "—"})`) : h("span"),
  ];
}

function kpi(label: string, ...value: (Node | string)[]): HTMLElement {
  return h("div", { class: "kpi roll-kpi" }, h("span", { class: "kpi-label" }, label), h("span", { class: "roll-kpi-value" }, ...value));
}

/** A roll change: ends the open roll and begins a new one with its precursor lot (the server checks the lot). */
function newRollForm(onDone: () => void): HTMLElement {
  const lot = h("input", { type: "text", size: 14, maxlength: 64, "data-testid": "live-new-lot", placeholder: "precursor lot" });
  const button = h("button", { type: "submit", class: "btn btn-primary", "data-testid": "live-new-roll" }, "New roll");
  const result = h("p", { class: "cmd-result", role: "status", "data-testid": "live-new-result" });
  const form = h("form", { class: "toolbar", novalidate: true }, h("label", {}, "Lot ", lot), button, h("span", { class: "muted" }, "ends the open roll here and begins the next (a roll change)"));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    button.disabled = true;
    setText(result, "beginning a new roll …");
    const value = lot.value.trim();
    api
      .post<RollJson>("/api/rolls", value ? { lot: value } : {})
      .then((r) => {
        showOutcome(result, { ok: true, text: `Roll ${r.id} begun${r.lot ? ` (lot ${r.lot})` : " (no lot)"}`, extra: { roll: r.id } });
        onDone();
      })
      .catch((err: unknown) => showOutcome(result, refusalOf(err)))
      .finally(() => {
        button.disabled = false;
      });
  });
  return h("section", { class: "panel", "data-testid": "live-new-panel" }, h("h2", {}, "Roll change"), form, result);
}
