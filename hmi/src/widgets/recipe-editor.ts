import type { Ack } from "../../../src/server/socket-contract.js";
import { h, setText } from "../core/dom.js";
import { type JsonSchemaNode, type RecipeFieldDef, fieldText, parseFieldInput, problemsByField, rangeText, recipeFieldDefs, valueAt, withValue } from "../core/recipe-fields.js";

export interface RecipeEditorOptions {
  readonly recipe: Record<string, unknown>;
  readonly schema?: JsonSchemaNode;
  /** The server's problems with the saved version (`field: message`), shown at their fields. */
  readonly problems: readonly string[];
  /** Values only, no inputs (a version that is not a draft, or a role without recipes:edit). */
  readonly readOnly: boolean;
  /** The save button's text ("Save draft", "Create draft"). */
  readonly saveLabel?: string;
  /** What the reason is asked for. */
  readonly reasonLabel?: string;
  onSave?(recipe: Record<string, unknown>, reason: string): Promise<Ack>;
}

const GROUP_TITLE: Record<string, string> = {
  "": "Recipe",
  precursor: "Precursor",
  htr: "HTR — thermal profile and atmosphere",
  quench: "Quench",
  feed: "Feed and web transport",
  rinse: "Rinse and dryer",
  product: "Product (QA targets)",
  sequence: "Sequence timeouts",
};

function inputFor(def: RecipeFieldDef, value: unknown, readOnly: boolean): HTMLInputElement | HTMLSelectElement {
  const common = { "data-testid": `field-${def.path}`, "data-path": def.path, title: def.description, disabled: readOnly || def.readOnly };
  if (def.options) {
    return h("select", common, ...(def.required ? [] : [h("option", { value: "" }, "—")]), ...def.options.map((o) => h("option", { value: o, selected: o === value }, o)));
  }
  if (def.kind === "boolean") return h("select", common, h("option", { value: "" }, "—"), ...["true", "false"].map((o) => h("option", { value: o, selected: String(value) === o }, o)));
  const text = fieldText(value);
  return h("input", {
    ...common,
    type: "text",
    inputmode: def.kind === "number" ? "decimal" : undefined,
    class: def.kind === "number" ? "num-input" : "text-input",
    size: def.kind === "number" ? 9 : Math.min(70, Math.max(24, text.length + 2)),
    value: text,
    placeholder: def.defaultValue !== undefined ? `default ${fieldText(def.defaultValue)}` : def.required ? "" : "not set",
  });
}

/**
 * A recipe's every field with its units, range and description, grouped by section; the server's problems
 * inline at their fields; a change reason (mandatory) and the save button. Read-only: the same table with
 * the values as text. Fields edited since the version was opened are marked.
 */
export function recipeEditor(opts: RecipeEditorOptions): { readonly el: HTMLElement; changedPaths(): string[] } {
  const defs = recipeFieldDefs(opts.recipe, opts.schema);
  const { byField, general } = problemsByField(opts.problems, defs.map((d) => d.path));
  const inputs = new Map<string, { def: RecipeFieldDef; input: HTMLInputElement | HTMLSelectElement; note: HTMLElement; row: HTMLElement }>();
  const groups = new Map<string, HTMLElement[]>();
  const changedCount = h("span", { class: "muted", "data-testid": "editor-changes" });
  for (const def of defs) {
    const value = valueAt(opts.recipe, def.path);
    const problems = byField.get(def.path) ?? [];
    const note = h("div", { class: "field-error", role: "alert", "data-testid": `field-error-${def.path}` }, problems.join("; "));
    note.hidden = problems.length === 0;
    const input = opts.readOnly ? null : inputFor(def, value, false);
    const shown = input
      ?? h("span", { class: "field-value", "data-testid": `field-${def.path}`, "data-value": fieldText(value) }, value === undefined ? h("span", { class: "muted" }, def.defaultValue !== undefined ? `default ${fieldText(def.defaultValue)}` : "not set") : fieldText(value));
    const key = def.path.split(".").slice(1).join(".") || def.path;
    const row = h(
      "tr",
      { "data-testid": `field-row-${def.path}`, class: problems.length ? "field-invalid" : "" },
      h("th", { scope: "row", title: def.path }, key, def.required ? "" : h("span", { class: "muted" }, " (optional)"), def.description ? h("div", { class: "field-desc muted" }, def.description) : null),
      h("td", { class: "field-cell" }, shown, note),
      h("td", { class: "units-cell", "data-testid": `field-units-${def.path}` }, def.units),
      h("td", { class: "range-cell nowrap", "data-testid": `field-range-${def.path}` }, rangeText(def)),
    );
    if (input) {
      inputs.set(def.path, { def, input, note, row });
      const original = fieldText(value);
      input.addEventListener(input instanceof HTMLSelectElement ? "change" : "input", () => {
        const p = parseFieldInput(def, input.value);
        row.classList.toggle("changed", input.value.trim() !== original.trim());
        const serverSaid = byField.get(def.path) ?? [];
        const mine = p.ok ? (p.warning ? [p.warning] : []) : [p.error];
        setText(note, [...mine, ...(row.classList.contains("changed") ? [] : serverSaid)].join("; "));
        note.hidden = note.textContent === "";
        const n = [...inputs.values()].filter((x) => x.row.classList.contains("changed")).length;
        setText(changedCount, n === 0 ? "" : `${n} field${n === 1 ? "" : "s"} changed`);
      });
    }
    groups.set(def.group, [...(groups.get(def.group) ?? []), row]);
  }
  const tables = [...groups].map(([group, rows]) =>
    h("section", { class: "field-group", "data-testid": `field-group-${group || "recipe"}` }, h("h3", {}, GROUP_TITLE[group] ?? group), h("table", { class: "grid fields" }, h("tbody", {}, ...rows))),
  );
  const generalBox = h("div", { class: "form-error", role: "alert", "data-testid": "recipe-problems" }, h("strong", {}, "Problems: "), general.join("; "));
  generalBox.hidden = general.length === 0;
  const summary = h("p", { class: opts.problems.length ? "problems-summary abnormal" : "problems-summary", "data-testid": "recipe-problem-count", "data-count": String(opts.problems.length) }, opts.problems.length ? `${opts.problems.length} problem${opts.problems.length === 1 ? "" : "s"}: the version can be saved, not submitted` : "No problems with the schema or the equipment limits.");

  if (opts.readOnly || !opts.onSave) {
    return { el: h("div", { class: "recipe-editor read-only", "data-testid": "recipe-fields" }, summary, generalBox, ...tables), changedPaths: () => [] };
  }

  const reason = h("textarea", { rows: 2, cols: 60, required: true, placeholder: "why this change (mandatory; it goes into the version's history)", "data-testid": "change-reason" });
  const result = h("p", { class: "cmd-result", role: "status", "data-testid": "save-result" });
  const save = h("button", { type: "submit", class: "btn btn-primary", "data-testid": "save-draft" }, opts.saveLabel ?? "Save draft");
  const form = h(
    "form",
    { class: "recipe-editor", "data-testid": "recipe-fields", novalidate: true },
    summary,
    generalBox,
    ...tables,
    h("div", { class: "save-row" }, h("label", {}, h("strong", {}, opts.reasonLabel ?? "Change reason "), reason), h("div", { class: "cmd-row" }, save, changedCount)),
    result,
  );
  const refuse = (text: string, code?: string) => {
    setText(result, text);
    result.className = "cmd-result refused";
    result.dataset.outcome = "refused";
    if (code) result.dataset.code = code;
  };
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    let recipe = opts.recipe;
    const bad: string[] = [];
    for (const { def, input } of inputs.values()) {
      const p = parseFieldInput(def, input.value);
      if (!p.ok) bad.push(`${def.path}: ${p.error}`);
      else recipe = withValue(recipe, def.path, p.value);
    }
    if (bad.length > 0) return refuse(`Not saved: ${bad.join("; ")}`);
    if (reason.value.trim().length < 3) {
      reason.focus();
      return refuse("Not saved: a change reason is mandatory");
    }
    save.disabled = true;
    setText(result, "saving …");
    result.className = "cmd-result";
    delete result.dataset.outcome;
    void opts.onSave!(recipe, reason.value.trim())
      .then((ack) => {
        if (ack.ok) {
          setText(result, "saved");
          result.dataset.outcome = "accepted";
        } else refuse(`Not saved: ${ack.error.message}`, ack.error.code);
      })
      .finally(() => (save.disabled = false));
  });
  return { el: form, changedPaths: () => [...inputs.values()].filter((x) => x.row.classList.contains("changed")).map((x) => x.def.path) };
}
