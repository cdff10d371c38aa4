import type { RecipeVersionStateJson } from "../../../src/server/socket-contract.js";
import { stateLabel } from "../core/recipe-actions.js";
import { h } from "../core/dom.js";

/** A version's state as a badge: `v2 DRAFT`; grey in every state (a lifecycle state is not an alarm). */
export function stateBadge(state: RecipeVersionStateJson, version?: number): HTMLElement {
  return h("span", { class: `state-badge state-${state}`, "data-state": state }, version !== undefined ? `v${version} ` : "", stateLabel(state));
}
