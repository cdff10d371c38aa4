import { formatProblem } from "../core/problem.js";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { RECIPES_DIR, RecipeStore } from "../stores/recipe-store.js";
import { loadConfig } from "./config-loader.js";

/** Where `check-config` prints: `log` for the verdict on a valid config, `error` for problems. */
export interface CheckConfigOutput {
  log(s: string): void;
  error(s: string): void;
}

/**
 * `htr-scada check-config [DIR]`: validates a plc-config directory. Prints a one-line summary and returns 0
 * when it is valid; otherwise prints every problem as `file:path: message`, then a count, and returns 1.
 * The return value is the process exit code.
 */
export function runCheckConfig(dir: string, out: CheckConfigOutput): number {
  const result = loadConfig(dir);
  if (result.ok) {
    // Recipes are checked against the (valid) line: schema, derived setpoints against equipment limits.
    // A config without a recipes/ directory (tags only) is valid; recipes that exist must be right.
    const store = new RecipeStore(dir);
    const recipeProblems = existsSync(join(dir, RECIPES_DIR)) ? store.problemsFor(result.config) : [];
    if (recipeProblems.length > 0) {
      for (const p of recipeProblems) out.error(formatProblem(p));
      out.error(`${recipeProblems.length} problem(s) in ${dir}`);
      return 1;
    }
    const { tags, devices, stations, interlocks, alarms } = result.config;
    out.log(
      `config OK: ${tags.length} tags, ${devices.length} devices, ${stations.length} stations, ` +
        `${interlocks.interlocks.length} interlocks, ${alarms?.alarms.length ?? 0} alarms, ${store.alloys().length} recipes (${dir})`,
    );
    return 0;
  }
  for (const problem of result.problems) out.error(formatProblem(problem));
  out.error(`${result.problems.length} problem(s) in ${dir}`);
  return 1;
}
