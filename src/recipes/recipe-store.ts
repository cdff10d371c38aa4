/**
 * The recipe files (I/O): plc-config/recipes/<alloy>.yaml and plc-config/equipment-limits.yaml, read fresh on
 * every call (they are small, and an engineer's edit shows at the next load). Every problem is reported as
 * `file:path: message`, with the file relative to the config directory, like the configuration's.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { LineCounter, parseDocument, type YAMLError } from "yaml";
import type { z } from "zod";
import type { TagConfig } from "../tags/tag-schema.js";
import { type RecipeLine, recipeFileOf } from "./recipe-derivation.js";
import { checkRecipe } from "./recipe-limits.js";
import { type RecipeProblem, formatRecipeProblem } from "./recipe-problem.js";
import { zodProblems } from "../core/zod-problems.js";
import { ALLOY_NAME, type EquipmentLimits, type Recipe, equipmentLimitsSchema, recipeSchema } from "./recipe-schema.js";

export const RECIPES_DIR = "recipes";
export const EQUIPMENT_LIMITS_FILE = "equipment-limits.yaml";

const RECIPE_SHAPE = "a mapping with 'alloy', 'htr', 'quench', 'feed', 'rinse', …";
const LIMITS_SHAPE = "a mapping with 'htr', 'quench' and 'feed'";

/** One recipe file: the valid recipe, or its problems. */
export interface RecipeEntry {
  readonly alloy: string;
  /** Relative to the config directory: recipes/BiSb.yaml. */
  readonly file: string;
  /** Undefined when the file is not a valid recipe. */
  readonly recipe: Recipe | undefined;
  readonly problems: readonly RecipeProblem[];
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
  readonly problems: readonly RecipeProblem[];
}

function yamlErrorText(e: YAMLError, text: string): string {
  if (e.code === "DUPLICATE_KEY") {
    const key = /^("[^"]*"|'[^']*'|[^\s:,{}[\]]+)/.exec(text.slice(e.pos[0]))?.[1];
    if (key !== undefined) return `duplicate key '${key.replace(/^["']|["']$/g, "")}' (keys must be unique in a mapping)`;
  }
  return e.message.split("\n")[0] ?? e.message;
}

/** Parses one YAML file of the config directory; every syntax error becomes a problem with line and column. */
function readYaml(dir: string, file: string, shape: string, problems: RecipeProblem[]): unknown {
  const full = join(dir, file);
  if (!existsSync(full)) {
    problems.push({ file, path: "(root)", message: "file is missing" });
    return undefined;
  }
  let text: string;
  try {
    text = readFileSync(full, "utf8");
  } catch (err) {
    problems.push({ file, path: "(root)", message: `cannot read file: ${(err as Error).message}` });
    return undefined;
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      const pos = lineCounter.linePos(e.pos[0]);
      problems.push({ file, path: `line ${pos.line} col ${pos.col}`, message: `YAML syntax error: ${yamlErrorText(e, text)}` });
    }
    return undefined;
  }
  if (doc.contents === null) {
    problems.push({ file, path: "(root)", message: `file is empty (expected ${shape})` });
    return undefined;
  }
  return doc.toJS();
}

function parseWith<T>(schema: z.ZodType<T>, file: string, shape: string, data: unknown, problems: RecipeProblem[]): T | undefined {
  if (data === undefined) return undefined;
  const result = schema.safeParse(data, { reportInput: true });
  if (!result.success) {
    problems.push(...zodProblems(file, shape, result.error));
    return undefined;
  }
  return result.data;
}

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
        problems: entry.problems.map(formatRecipeProblem),
      };
    });
  }

  /** The recipe of an alloy, undefined when there is no such file (or the name is not an alloy name). */
  get(alloy: string): RecipeEntry | undefined {
    if (!ALLOY_NAME.test(alloy) || !existsSync(join(this.configDir, recipeFileOf(alloy)))) return undefined;
    return this.read(alloy);
  }

  /** equipment-limits.yaml, validated. */
  equipmentLimits(): EquipmentLimitsEntry {
    const problems: RecipeProblem[] = [];
    const data = readYaml(this.configDir, EQUIPMENT_LIMITS_FILE, LIMITS_SHAPE, problems);
    const limits = parseWith(equipmentLimitsSchema, EQUIPMENT_LIMITS_FILE, LIMITS_SHAPE, data, problems);
    return { limits, problems };
  }

  /** Schema problems of every recipe file and of equipment-limits.yaml (for check-config). */
  problems(): RecipeProblem[] {
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
  problemsFor(config: RecipeLine & { readonly tags: readonly TagConfig[] }): RecipeProblem[] {
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
    const problems: RecipeProblem[] = [];
    const data = readYaml(this.configDir, file, RECIPE_SHAPE, problems);
    let recipe = parseWith(recipeSchema, file, RECIPE_SHAPE, data, problems);
    if (recipe !== undefined && recipe.alloy !== alloy) {
      problems.push({ file, path: "alloy", message: `'${recipe.alloy}' does not match the file name (${alloy}.yaml)` });
      recipe = undefined;
    }
    return { alloy, file, recipe, problems };
  }
}
