/**
 * The recipe files (I/O): plc-config/recipes/<alloy>.yaml and plc-config/equipment-limits.yaml, read fresh on
 * every call (they are small, and an engineer's edit shows at the next load). Every problem is reported as
 * `file:path: message`, with the file relative to the config directory, like the configuration's.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { readYamlFile } from "../config/yaml-file-reader.js";
import { type Problem, formatProblem } from "../core/problem.js";
import { validateYamlFile } from "../core/yaml-file.js";
import type { TagConfig } from "../tags/tag-schema.js";
import { type RecipeLine, recipeFileOf } from "../recipes/recipe-derivation.js";
import type { EquipmentLimitsEntry, RecipeEntry, RecipeSummary } from "../recipes/recipe-entry.js";
import { checkRecipe } from "../recipes/recipe-limits.js";
import { ALLOY_NAME, equipmentLimitsSchema, recipeSchema } from "../recipes/recipe-schema.js";

export const RECIPES_DIR = "recipes";
export const EQUIPMENT_LIMITS_FILE = "equipment-limits.yaml";

const RECIPE_SHAPE = "a mapping with 'alloy', 'htr', 'quench', 'feed', 'rinse', …";
const LIMITS_SHAPE = "a mapping with 'htr', 'quench' and 'feed'";

export class RecipeStore {
  /** @param configDir the plc-config directory (recipes/ and equipment-limits.yaml live in it). */
  constructor(readonly configDir: string) {}

  /** Alloy names of the recipe files, sorted. */
  alloys(): string[] {
    const dir = join(this.configDir, RECIPES_DIR);
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((f) => f.endsWith(".yaml"))
      .map((f) => f.slice(0, -".yaml".length))
      .sort();
  }

  /** Every recipe file with whether it is valid (schema only; limits are checked when loading). */
  list(): RecipeSummary[] {
    return this.alloys().map((alloy) => {
      const entry = this.read(alloy);
      return {
        alloy,
        file: entry.file,
        valid: entry.recipe !== undefined,
        description: entry.recipe?.description ?? "",
        mode: entry.recipe?.htr.mode ?? null,
        problems: entry.problems.map(formatProblem),
      };
    });
  }

  /** The recipe of an alloy, undefined when there is no such file (or the name is not an alloy name). */
  get(alloy: string): RecipeEntry | undefined {
    if (!ALLOY_NAME.test(alloy) || !existsSync(join(this.configDir, recipeFileOf(alloy)))) return undefined;
    return this.read(alloy);
  }

  /** sha256 of a recipe file's bytes (what v1 was imported from, and whether the file changed since); null: no file. */
  fileSha256(alloy: string): string | null {
    const file = join(this.configDir, recipeFileOf(alloy));
    if (!ALLOY_NAME.test(alloy) || !existsSync(file)) return null;
    return createHash("sha256").update(readFileSync(file)).digest("hex");
  }

  /** equipment-limits.yaml, validated. */
  equipmentLimits(): EquipmentLimitsEntry {
    const problems: Problem[] = [];
    const data = readYamlFile(this.configDir, EQUIPMENT_LIMITS_FILE, LIMITS_SHAPE, problems);
    const limits = validateYamlFile(equipmentLimitsSchema, EQUIPMENT_LIMITS_FILE, LIMITS_SHAPE, data, problems);
    return { limits, problems };
  }

  /** Schema problems of every recipe file and of equipment-limits.yaml (for check-config). */
  problems(): Problem[] {
    const out = [...this.equipmentLimits().problems];
    if (!existsSync(join(this.configDir, RECIPES_DIR))) {
      out.push({ file: `${RECIPES_DIR}/`, path: "(root)", message: "directory is missing (one YAML file per alloy)" });
      return out;
    }
    for (const alloy of this.alloys()) out.push(...this.read(alloy).problems);
    return out;
  }

  /**
   * Every problem of the recipe files against this line: schema problems, then for each valid recipe its
   * derivation and equipment-limit problems (what `htr-scada check-config` should print).
   */
  problemsFor(config: RecipeLine & { readonly tags: readonly TagConfig[] }): Problem[] {
    const out = this.problems();
    const { limits } = this.equipmentLimits();
    if (limits === undefined) return out;
    for (const alloy of this.alloys()) {
      const { recipe } = this.read(alloy);
      if (recipe !== undefined) out.push(...checkRecipe(recipe, { line: config, tags: config.tags, equipment: limits }).problems);
    }
    return out;
  }

  private read(alloy: string): RecipeEntry {
    const file = recipeFileOf(alloy);
    const problems: Problem[] = [];
    const data = readYamlFile(this.configDir, file, RECIPE_SHAPE, problems);
    let recipe = validateYamlFile(recipeSchema, file, RECIPE_SHAPE, data, problems);
    if (recipe !== undefined && recipe.alloy !== alloy) {
      problems.push({ file, path: "alloy", message: `'${recipe.alloy}' does not match the file name (${alloy}.yaml)` });
      recipe = undefined;
    }
    return { alloy, file, recipe, problems };
  }
}
