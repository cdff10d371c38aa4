import type { RecipeListEntryJson, RecipeVersionSummaryJson } from "../../../src/server/socket-contract.js";
import { h } from "../core/dom.js";
import { formatTime } from "../core/format-value.js";
import { recipeHash } from "../core/recipe-route.js";
import { stateBadge } from "./recipe-state-badge.js";

const byState = (e: RecipeListEntryJson, state: string) => e.versions.filter((v) => v.state === state);

/**
 * Every recipe by alloy: its approved version, the drafts and the versions in review as badges, and a
 * marker when the shipped file changed since it was imported (never applied silently).
 */
export function recipeListTable(list: readonly RecipeListEntryJson[], current: string | null, loaded: { alloy: string | null; version: number | null; trial: boolean }): HTMLTableElement {
  const rows = list.map((e) => {
    const approved = e.versions.find((v) => v.version === e.approved);
    const open = e.approved ?? e.versions.at(-1)?.version;
    return h(
      "tr",
      { "data-testid": `recipe-row-${e.alloy}`, class: e.alloy === current ? "selected" : "", "data-approved": String(e.approved ?? ""), "data-differs": String(e.differsFromFile) },
      h("td", {}, h("a", { href: open !== undefined ? recipeHash({ view: "version", alloy: e.alloy, version: open }) : recipeHash({ view: "list", alloy: e.alloy }), "data-testid": `recipe-open-${e.alloy}` }, h("strong", {}, e.alloy))),
      h("td", { class: "recipe-desc" }, e.description),
      h("td", {}, e.mode ?? "—"),
      h("td", { "data-testid": `recipe-approved-${e.alloy}` }, approved ? stateBadge("approved", approved.version) : h("span", { class: "muted" }, "none approved")),
      h("td", {}, ...byState(e, "draft").map((v) => stateBadge("draft", v.version))),
      h("td", {}, ...byState(e, "in-review").map((v) => stateBadge("in-review", v.version))),
      h("td", { "data-testid": `recipe-loaded-${e.alloy}` }, loaded.alloy === e.alloy ? h("span", { class: "nowrap" }, `loaded${loaded.version !== null ? ` v${loaded.version}` : ""}`, loaded.trial ? h("span", { class: "trial-badge small" }, "TRIAL") : "") : ""),
      h(
        "td",
        {},
        e.differsFromFile
          ? h("span", { class: "differs-badge", "data-testid": `recipe-differs-${e.alloy}`, title: `plc-config/recipes/${e.alloy}.yaml changed since it was imported: import it as a draft to use it` }, "≠ FILE")
          : "",
      ),
    );
  });
  return h(
    "table",
    { class: "grid recipe-list", "data-testid": "recipe-list" },
    h("thead", {}, h("tr", {}, ...["Alloy", "Description", "Mode", "Approved", "Drafts", "In review", "Line", "File"].map((x) => h("th", {}, x)))),
    h("tbody", {}, ...rows),
  );
}

/** The versions of one recipe, newest first: state, who wrote it and why, what it is based on. */
export function versionTable(alloy: string, versions: readonly RecipeVersionSummaryJson[], current: number | null, approved: number | null): HTMLTableElement {
  const rows = [...versions]
    .sort((a, b) => b.version - a.version)
    .map((v) =>
      h(
        "tr",
        { "data-testid": `version-row-${v.version}`, "data-state": v.state, class: v.version === current ? "selected" : "" },
        h("td", {}, h("a", { href: recipeHash({ view: "version", alloy, version: v.version }), "data-testid": `version-open-${v.version}` }, stateBadge(v.state, v.version))),
        h("td", {}, v.author, v.updatedBy && v.updatedBy !== v.author ? h("div", { class: "muted" }, `saved by ${v.updatedBy}`) : ""),
        h("td", { class: "nowrap" }, formatTime(v.createdAt)),
        h("td", {}, v.reason),
        h("td", {}, v.basedOn === null ? (v.source === "config" ? "the file" : "—") : `v${v.basedOn}`),
        h("td", { class: "mono", title: v.hash }, v.hash.slice(0, 10)),
        h(
          "td",
          { class: "nowrap" },
          approved !== null && approved !== v.version
            ? h("a", { href: recipeHash({ view: "diff", alloy, from: approved, to: v.version }), "data-testid": `version-diff-${v.version}` }, `diff v${approved} ↔ v${v.version}`)
            : "",
        ),
      ),
    );
  return h(
    "table",
    { class: "grid recipe-versions", "data-testid": "version-list" },
    h("thead", {}, h("tr", {}, ...["Version", "Author", "Created", "Reason", "Based on", "Hash", ""].map((x) => h("th", {}, x)))),
    h("tbody", {}, ...rows),
  );
}
