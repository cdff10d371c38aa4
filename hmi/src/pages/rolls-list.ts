import { api } from "../core/api.js";
import { h, setText } from "../core/dom.js";
import { formatTime } from "../core/format-value.js";
import type { SubView } from "./rolls-live.js";
import { rollView } from "./rolls-roll.js";
import { type RollJson, VERDICTS, VERDICT_LABEL, errorText, fmtM, listRolls, rollFilter, rollHash, rollRecipe } from "./rolls-data.js";

/** The filter bar over `rollFilter` (kept between displays); `onApply` runs the query. */
export function rollFilterBar(onApply: () => void, testPrefix = "rolls"): HTMLElement {
  const f = rollFilter;
  const input = (key: "from" | "to" | "lot" | "alloy", attrs: Record<string, string | number>) => {
    const i = h("input", { ...attrs, value: f[key], "data-testid": `${testPrefix}-filter-${key}` });
    i.addEventListener("change", () => (f[key] = i.value));
    return i;
  };
  const alloys = h("datalist", { id: `${testPrefix}-alloys` });
  api
    .get<{ alloy: string }[]>("/api/recipes")
    .then((list) => alloys.replaceChildren(...list.map((r) => h("option", { value: r.alloy }))))
    .catch(() => undefined);
  const state = h("select", { "data-testid": `${testPrefix}-filter-state` }, ...["", "open", "ended", "split"].map((v) => h("option", { value: v, selected: v === f.state }, v || "any state")));
  state.addEventListener("change", () => (f.state = state.value));
  const limit = h("input", { type: "number", min: 1, max: 1000, value: f.limit, class: "num-input", "data-testid": `${testPrefix}-filter-limit` });
  limit.addEventListener("change", () => (f.limit = limit.value));
  const form = h(
    "form",
    { class: "toolbar rolls-filter", "data-testid": `${testPrefix}-filter`, novalidate: true },
    h("label", {}, "from ", input("from", { type: "date" })),
    h("label", {}, "to ", input("to", { type: "date" })),
    h("label", {}, "lot ", input("lot", { type: "text", size: 10 })),
    h("label", {}, "alloy ", input("alloy", { type: "text", size: 8, list: `${testPrefix}-alloys` }), alloys),
    state,
    h("label", {}, "at most ", limit),
    h("button", { type: "submit", class: "btn", "data-testid": `${testPrefix}-filter-apply` }, "Apply"),
  );
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    for (const el of form.querySelectorAll("input")) el.dispatchEvent(new Event("change"));
    onApply();
  });
  return form;
}

function rollsTable(list: readonly RollJson[], selected: string | null): HTMLElement {
  if (list.length === 0) return h("p", { class: "muted", "data-testid": "rolls-table", "data-count": "0" }, "No roll matches the filter.");
  return h(
    "table",
    { class: "grid rolls-table", "data-testid": "rolls-table", "data-count": String(list.length) },
    h("thead", {}, h("tr", {}, ...["Roll", "State", "Lot", "Recipe", "Length", "Started", "Ended", ...VERDICTS.map((v) => VERDICT_LABEL[v])].map((x) => h("th", {}, x)))),
    h(
      "tbody",
      {},
      ...list.map((r) => {
        const ref = rollRecipe(r);
        return h(
          "tr",
          { "data-testid": `roll-row-${r.id}`, "data-state": r.state, class: r.id === selected ? "selected" : "" },
          h("td", {}, h("a", { href: rollHash(r.id), "data-testid": `roll-open-${r.id}` }, r.id), r.parent ? h("div", { class: "muted" }, `from ${r.parent.id}`) : ""),
          h("td", {}, h("span", { class: `state-badge roll-state-${r.state}` }, r.state)),
          h("td", {}, r.lot ?? "—"),
          h("td", {}, ref ? `${ref.alloy}${ref.version !== null ? ` v${ref.version}` : ""}${ref.trial ? " TRIAL" : ""}` : "—"),
          h("td", { class: "num-cell" }, fmtM(r.lengthM)),
          h("td", { class: "nowrap" }, formatTime(r.startedAt)),
          h("td", { class: "nowrap" }, r.endedAt ? formatTime(r.endedAt) : "—"),
          ...VERDICTS.map((v) => h("td", { class: `num-cell count-${v}${r.counts[v] > 0 && v !== "pass" ? " nonzero" : ""}` }, String(r.counts[v]))),
        );
      }),
    ),
  );
}

/** QA's and engineers' roll list: filters (dates, lot, alloy, state), the rolls, and the selected one below. */
export function rollsListView(selected: string | null): SubView {
  const status = h("p", { class: "muted", "data-testid": "rolls-status" });
  const tableHost = h("div", {}, h("p", { class: "muted" }, "loading …"));
  const load = async () => {
    setText(status, "loading …");
    try {
      const list = await listRolls();
      tableHost.replaceChildren(rollsTable(list, selected));
      setText(status, `${list.length} roll${list.length === 1 ? "" : "s"}, newest first`);
    } catch (err) {
      tableHost.replaceChildren(h("p", { class: "form-error", "data-testid": "rolls-error" }, `rolls not available: ${errorText(err)}`));
      setText(status, "");
    }
  };
  const view = selected ? rollView(selected, () => void load()) : null;
  void load();
  return {
    el: h("div", { class: "rolls-list", "data-testid": "rolls-list" }, h("section", { class: "panel" }, h("h1", {}, "Rolls"), rollFilterBar(() => void load()), status, tableHost), view ? view.el : h("p", { class: "muted" }, "Pick a roll.")),
    dispose() {
      view?.dispose();
    },
  };
}
