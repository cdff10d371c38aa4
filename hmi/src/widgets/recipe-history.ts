import type { RecipeHistoryJson, RecipeLoadJson } from "../../../src/server/socket-contract.js";
import { h } from "../core/dom.js";
import { formatTime } from "../core/format-value.js";
import { stateBadge } from "./recipe-state-badge.js";

/** A version's life: each state it went through, who moved it when, with which meaning and reason, and the signature. */
export function historyTable(history: readonly RecipeHistoryJson[]): HTMLTableElement {
  return h(
    "table",
    { class: "grid recipe-history", "data-testid": "version-history" },
    h("thead", {}, h("tr", {}, ...["When", "State", "By", "Meaning", "Reason", "Signature"].map((x) => h("th", {}, x)))),
    h(
      "tbody",
      {},
      ...history.map((e, i) =>
        h(
          "tr",
          { "data-testid": `history-row-${i}`, "data-to": e.to, "data-signed": String(e.signature !== null) },
          h("td", { class: "nowrap" }, formatTime(e.at)),
          h("td", { class: "nowrap" }, e.from ? stateBadge(e.from) : "", e.from ? " → " : "", stateBadge(e.to)),
          h("td", {}, e.by),
          h("td", {}, e.meaning),
          h("td", {}, e.reason ?? ""),
          h("td", { "data-testid": `history-signature-${i}` }, e.signature ? h("span", { class: "signature" }, `✍ ${e.signature.name} — ${e.signature.meaning} — ${formatTime(e.signature.time)}`) : h("span", { class: "muted" }, "not signed")),
        ),
      ),
    ),
  );
}

/** Where the version was used: every load, by whom, in which mode and line state, and the read-back's verdict. */
export function loadsTable(loads: readonly RecipeLoadJson[]): HTMLElement {
  if (loads.length === 0) return h("p", { class: "muted", "data-testid": "version-loads" }, "Never loaded.");
  return h(
    "table",
    { class: "grid recipe-loads", "data-testid": "version-loads" },
    h("thead", {}, h("tr", {}, ...["When", "By", "Mode", "Line state", "Read-back", "Detail"].map((x) => h("th", {}, x)))),
    h(
      "tbody",
      {},
      ...[...loads].reverse().map((l, i) =>
        h(
          "tr",
          { "data-testid": `load-row-${i}`, "data-verdict": l.verdict, "data-trial": String(l.trial), class: l.verdict === "verified" ? "" : "load-not-ok" },
          h("td", { class: "nowrap" }, formatTime(l.at)),
          h("td", {}, l.by),
          h("td", {}, l.mode, l.trial ? h("span", { class: "trial-badge small" }, "TRIAL") : ""),
          h("td", {}, l.lineState),
          h("td", {}, l.verdict.toUpperCase()),
          h("td", {}, l.detail ?? ""),
        ),
      ),
    ),
  );
}
