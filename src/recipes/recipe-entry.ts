import type { Problem } from "../core/problem.js";
import type { EquipmentLimits, Recipe } from "./recipe-schema.js";

/**
 * What the recipe files hand out (read by src/stores/recipe-store.ts; the recipe service's RecipeSource
 * returns them): every problem is a `file:path: message`, with the file relative to the config directory.
 */

/** One recipe file: the valid recipe, or its problems. */
export interface RecipeEntry {
  readonly alloy: string;
  /** Relative to the config directory: recipes/BiSb.yaml. */
  readonly file: string;
  /** Undefined when the file is not a valid recipe. */
  readonly recipe: Recipe | undefined;
  readonly problems: readonly Problem[];
}

/** A line of the recipe list. */
export interface RecipeSummary {
  readonly alloy: string;
  readonly file: string;
  readonly valid: boolean;
  readonly description: string;
  readonly mode: Recipe["htr"]["mode"] | null;
  /** `file:path: message` of each problem (empty when valid). */
  readonly problems: readonly string[];
}

export interface EquipmentLimitsEntry {
  readonly limits: EquipmentLimits | undefined;
  readonly problems: readonly Problem[];
}
