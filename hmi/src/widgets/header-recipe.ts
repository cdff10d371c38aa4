import { h, setText } from "../core/dom.js";
import { loadedRecipeOf } from "../core/loaded-recipe.js";
import type { Widget } from "../core/page.js";
import type { PlantState } from "../core/plant-state.js";

/**
 * The recipe in the line, in the header of every display: alloy and version, and a TRIAL badge while the
 * loaded version is not an approved one (a Maintenance trial) — the one thing here drawn to stand out.
 */
export function headerRecipe(state: PlantState): Widget {
  const name = h("span", { "data-testid": "header-recipe-name" });
  const trial = h("span", { class: "trial-badge", "data-testid": "trial-badge", title: "The loaded recipe version is not approved: a trial in Maintenance mode" }, "TRIAL");
  trial.hidden = true;
  const el = h("a", { class: "hdr-recipe", href: "#/recipes", "data-testid": "header-recipe", title: "The recipe loaded in the line" }, name, trial);
  return {
    el,
    update() {
      const r = loadedRecipeOf(state.line);
      setText(name, r.alloy === null ? "no recipe" : `${r.alloy}${r.version !== null ? ` v${r.version}` : ""}`);
      trial.hidden = !r.trial;
      el.dataset.trial = String(r.trial);
      el.dataset.version = r.version === null ? "" : String(r.version);
      el.classList.toggle("stale", !state.connected);
    },
  };
}
