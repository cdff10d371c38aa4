import { h } from "./dom.js";

/** A row of tab links (hash routes) with the current one marked. */
export function tabs(items: readonly { hash: string; label: string }[], current: string): HTMLElement {
  return h("nav", { class: "tabs" }, ...items.map((t) => h("a", { href: t.hash, class: t.hash === current ? "active" : "", "data-testid": `tab-${t.hash.split("/").pop()}` }, t.label)));
}

/** A table from headers and rows of cells. */
export function table(headers: readonly string[], rows: readonly (readonly (Node | string)[])[], attrs: Record<string, string> = {}): HTMLTableElement {
  return h(
    "table",
    { class: "grid", ...attrs },
    h("thead", {}, h("tr", {}, ...headers.map((x) => h("th", {}, x)))),
    h("tbody", {}, ...rows.map((r) => h("tr", {}, ...r.map((c) => h("td", {}, c))))),
  );
}
