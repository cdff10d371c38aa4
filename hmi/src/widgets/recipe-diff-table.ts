import type { RecipeDiffJson } from "../../../src/server/socket-contract.js";
import { h } from "../core/dom.js";

const text = (v: unknown): string => (v === null || v === undefined ? "—" : typeof v === "string" ? v : JSON.stringify(v));

/** Two versions field by field: every field that differs, its units, old → new. */
export function diffTable(rows: readonly RecipeDiffJson[], from: number, to: number): HTMLElement {
  if (rows.length === 0) return h("p", { class: "muted", "data-testid": "diff-rows", "data-count": "0" }, `v${from} and v${to} have the same content.`);
  return h(
    "table",
    { class: "grid recipe-diff", "data-testid": "diff-rows", "data-count": String(rows.length) },
    h("thead", {}, h("tr", {}, ...["Field", "Units", `v${from}`, "", `v${to}`, "Change"].map((x) => h("th", {}, x)))),
    h(
      "tbody",
      {},
      ...rows.map((r) =>
        h(
          "tr",
          { "data-testid": `diff-row-${r.path}`, "data-change": r.change },
          h("td", { class: "mono" }, r.path),
          h("td", {}, r.units),
          h("td", { class: "num-cell", "data-testid": `diff-from-${r.path}` }, text(r.from)),
          h("td", {}, "→"),
          h("td", { class: "num-cell diff-new", "data-testid": `diff-to-${r.path}` }, text(r.to)),
          h("td", {}, r.change),
        ),
      ),
    ),
  );
}
