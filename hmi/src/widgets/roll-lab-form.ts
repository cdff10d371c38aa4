import { ApiRequestError } from "../core/api.js";
import { h, setText } from "../core/dom.js";
import { formatTime } from "../core/format-value.js";
import { type LabResultJson, fmtM, fmtNum, postRollAction } from "../pages/rolls-data.js";

const num = (attrs: Record<string, string | number>) => h("input", { type: "number", step: "any", class: "num-input", ...attrs });
const field = (label: string, input: HTMLElement, hint?: string) => h("label", { class: "lab-field" }, h("span", { class: "lab-label" }, label), input, hint ? h("span", { class: "muted lab-hint" }, hint) : "");
const valueOf = (i: HTMLInputElement): number | undefined => (i.value.trim() === "" || !Number.isFinite(i.valueAsNumber) ? undefined : i.valueAsNumber);

/** Shows an outcome: accepted (with the disposition) or the server's refusal, its message verbatim. */
export function showOutcome(box: HTMLElement, outcome: { ok: true; text: string; extra?: Record<string, string> } | { ok: false; code: string; message: string }): void {
  box.className = outcome.ok ? "cmd-result" : "cmd-result refused";
  box.dataset.outcome = outcome.ok ? "accepted" : "refused";
  if (outcome.ok) {
    delete box.dataset.code;
    box.replaceChildren(outcome.text);
    Object.assign(box.dataset, outcome.extra ?? {});
  } else {
    box.dataset.code = outcome.code;
    box.replaceChildren("Refused: ", h("span", { "data-testid": `${box.dataset.testid ?? "result"}-message` }, outcome.message));
  }
}

export const refusalOf = (err: unknown) => (err instanceof ApiRequestError ? { ok: false as const, code: err.code, message: err.message } : { ok: false as const, code: "ERROR", message: (err as Error).message });

export interface LabForm {
  readonly el: HTMLElement;
  /** Prefills the form to correct an entry (a new entry naming it; the old one stays). */
  correct(r: LabResultJson): void;
}

/**
 * QA's lab entry for a roll: the sample metre, the measured values, an optional stretch (default: the sample
 * metre ± half the configured span), a note and the disposition (default: accept in spec, reject out of
 * spec). The server checks it against the recipe's product specification; its answer is shown as it came:
 * the disposition given, or the refusal in its own words. `onDone` follows an accepted entry.
 */
export function labForm(rollId: string, onDone: (r: LabResultJson) => void): LabForm {
  const atM = num({ min: 0, "data-testid": "lab-atM", placeholder: "m", size: 6 });
  const fromM = num({ min: 0, "data-testid": "lab-fromM", placeholder: "auto" });
  const toM = num({ min: 0, "data-testid": "lab-toM", placeholder: "auto" });
  const size = num({ min: 0, "data-testid": "lab-size", placeholder: "nm" });
  const alloy = num({ min: 0, "data-testid": "lab-alloy", placeholder: "%" });
  const bet = num({ min: 0, "data-testid": "lab-bet", placeholder: "m²/g" });
  const xrd = h("select", { "data-testid": "lab-xrd" }, h("option", { value: "" }, "not measured"), h("option", { value: "true" }, "matches"), h("option", { value: "false" }, "does not match"));
  const disposition = h("select", { "data-testid": "lab-disposition" }, h("option", { value: "" }, "by the spec check"), ...["accept", "hold", "reject"].map((d) => h("option", { value: d }, d)));
  const note = h("input", { type: "text", size: 40, maxlength: 2000, "data-testid": "lab-note", placeholder: "needed to accept out of spec" });
  const corrects = h("input", { type: "number", min: 1, step: 1, class: "num-input", "data-testid": "lab-corrects", placeholder: "—" });
  const result = h("p", { class: "cmd-result", role: "status", "data-testid": "lab-result" });
  const submit = h("button", { type: "submit", class: "btn btn-primary", "data-testid": "lab-submit" }, "Record lab result");

  const body = () => {
    const b: Record<string, unknown> = {};
    const put = (k: string, v: unknown) => {
      if (v !== undefined && v !== "") b[k] = v;
    };
    put("atM", valueOf(atM));
    put("fromM", valueOf(fromM));
    put("toM", valueOf(toM));
    put("particleSizeNm", valueOf(size));
    put("alloyContentPct", valueOf(alloy));
    put("betM2g", valueOf(bet));
    put("xrdMatch", xrd.value === "" ? undefined : xrd.value === "true");
    put("disposition", disposition.value || undefined);
    put("note", note.value.trim() || undefined);
    put("corrects", valueOf(corrects));
    return b;
  };

  const form = h(
    "form",
    { class: "lab-form", "data-testid": "lab-form", novalidate: true },
    h(
      "div",
      { class: "lab-grid" },
      field("Sample cut at", atM, "m (on a recorded segment)"),
      field("Particle size", size, "nm"),
      field("Alloy content", alloy, "%"),
      field("XRD", xrd),
      field("BET surface", bet, "m²/g"),
      field("Stretch from", fromM, "m"),
      field("Stretch to", toM, "m"),
      field("Disposition", disposition),
      field("Corrects entry #", corrects),
    ),
    h("div", { class: "save-row" }, field("Note", note), submit),
    result,
  );
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    submit.disabled = true;
    result.className = "cmd-result";
    delete result.dataset.outcome;
    delete result.dataset.disposition;
    setText(result, "recording …");
    postRollAction<LabResultJson>(rollId, "lab-results", body())
      .then((r) => {
        showOutcome(result, {
          ok: true,
          text: `Lab result #${r.id} recorded for ${fmtM(r.fromM)}–${fmtM(r.toM)}: disposition ${r.disposition.toUpperCase()} — ${r.inSpec ? "in spec" : "OUT OF SPEC"}${r.specFindings.length ? `: ${r.specFindings.join("; ")}` : ""}`,
          extra: { disposition: r.disposition, inSpec: String(r.inSpec), labId: String(r.id) },
        });
        onDone(r);
      })
      .catch((err: unknown) => showOutcome(result, refusalOf(err)))
      .finally(() => {
        submit.disabled = false;
      });
  });

  return {
    el: h("section", { class: "panel", "data-testid": "lab-panel" }, h("h2", {}, "Lab result and disposition (QA)"), form),
    correct(r) {
      atM.value = String(r.atM);
      fromM.value = String(r.fromM);
      toM.value = String(r.toM);
      size.value = r.particleSizeNm === null ? "" : String(r.particleSizeNm);
      alloy.value = r.alloyContentPct === null ? "" : String(r.alloyContentPct);
      bet.value = r.betM2g === null ? "" : String(r.betM2g);
      xrd.value = r.xrdMatch === null ? "" : String(r.xrdMatch);
      disposition.value = "";
      note.value = "";
      corrects.value = String(r.id);
      note.focus();
    },
  };
}

/** The lab results of a roll (append-only: a corrected entry stays, marked). `onCorrect`: QA may correct one in force. */
export function labResultsTable(list: readonly LabResultJson[], onCorrect: ((r: LabResultJson) => void) | null): HTMLElement {
  if (list.length === 0) return h("p", { class: "muted", "data-testid": "lab-results", "data-count": "0" }, "No lab results for this roll.");
  const xrd = (v: boolean | null) => (v === null ? "—" : v ? "match" : "NO MATCH");
  return h(
    "table",
    { class: "grid lab-results", "data-testid": "lab-results", "data-count": String(list.length) },
    h("thead", {}, h("tr", {}, ...["#", "Sample at", "Stretch", "Size", "Alloy", "XRD", "BET", "Disposition", "Spec check", "By", "Status", ""].map((x) => h("th", {}, x)))),
    h(
      "tbody",
      {},
      ...list.map((r) =>
        h(
          "tr",
          { "data-testid": `lab-row-${r.id}`, "data-disposition": r.disposition, "data-in-force": String(r.correctedBy === null), class: `${r.correctedBy !== null ? "lab-corrected" : ""} ${r.inSpec ? "" : "lab-out-of-spec"}` },
          h("td", { class: "num-cell" }, String(r.id)),
          h("td", { class: "num-cell" }, fmtM(r.atM)),
          h("td", { class: "nowrap" }, `${fmtM(r.fromM)}–${fmtM(r.toM)}`),
          h("td", { class: "num-cell" }, fmtNum(r.particleSizeNm, 1, "nm")),
          h("td", { class: "num-cell" }, fmtNum(r.alloyContentPct, 1, "%")),
          h("td", {}, xrd(r.xrdMatch)),
          h("td", { class: "num-cell" }, fmtNum(r.betM2g, 1, "m²/g")),
          h("td", {}, h("span", { class: `disp-badge d-${r.disposition}` }, r.disposition)),
          h("td", { class: "lab-findings" }, h("strong", {}, r.inSpec ? "in spec" : "OUT OF SPEC"), ...r.specFindings.map((f) => h("div", {}, f)), r.note ? h("div", { class: "muted" }, `Note: ${r.note}`) : ""),
          h("td", { class: "nowrap" }, r.by, h("br"), h("span", { class: "muted" }, formatTime(r.at))),
          h("td", {}, r.correctedBy !== null ? `corrected by #${r.correctedBy}` : "in force", r.corrects !== null ? h("div", { class: "muted" }, `corrects #${r.corrects}`) : ""),
          h("td", {}, onCorrect && r.correctedBy === null ? h("button", { type: "button", class: "btn btn-small", "data-testid": `lab-correct-${r.id}`, onclick: () => onCorrect(r) }, "Correct…") : ""),
        ),
      ),
    ),
  );
}
