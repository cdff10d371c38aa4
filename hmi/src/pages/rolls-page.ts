import { h } from "../core/dom.js";
import type { Page, PageContext } from "../core/page.js";
import { session } from "../core/session.js";
import { tabs } from "../core/tabs.js";
import { parseRollsRoute } from "./rolls-data.js";
import { rollsListView } from "./rolls-list.js";
import { type SubView, rollsLiveView } from "./rolls-live.js";
import { processWindowView } from "./rolls-window.js";

const TABS = [
  { hash: "#/rolls/live", label: "Current roll" },
  { hash: "#/rolls/list", label: "Rolls" },
  { hash: "#/rolls/window", label: "Process window" },
];

/**
 * Rolls (the per-metre record): the roll being made, growing live (an operator's landing); the roll list
 * with each roll's map, segment detail, lab results and, for QA, the lab entry and the split (the landing of
 * everyone else); the process window across rolls. What a role may not do is not offered; the server checks.
 */
export function rollsPage(ctx: PageContext, parts: readonly string[]): Page {
  const landing = session.current?.role === "operator" ? "live" : "list";
  const route = parseRollsRoute(parts, landing);
  const current = route.view === "live" ? "#/rolls/live" : route.view === "window" ? "#/rolls/window" : "#/rolls/list";
  const view: SubView = route.view === "live" ? rollsLiveView(ctx) : route.view === "window" ? processWindowView() : rollsListView(route.rollId);
  return {
    el: h("div", { class: "rolls-page", "data-testid": "rolls-page", "data-view": route.view }, tabs(TABS, current), view.el),
    tags: [],
    update() {},
    dispose() {
      view.dispose();
    },
  };
}
