import { Router } from "express";
import { ScadaError } from "../core/errors.js";
import type { AccessPolicy } from "./access-policy.js";
import { requestActor } from "./request-actor.js";
import { requirePermission } from "./require-permission.js";

export type RecipeLoadOutcome =
  | { readonly ok: true; readonly status: unknown }
  | { readonly ok: false; readonly unknownRecipe?: boolean; readonly problems: readonly string[]; readonly status: unknown };

/** What the recipe routes need from the recipe service. */
export interface RecipeControl {
  list(): unknown;
  get(alloy: string): unknown;
  /** The loaded recipe and its verification state. */
  status(): unknown;
  load(alloy: string, by: string): Promise<RecipeLoadOutcome>;
  verify(by: string): Promise<unknown>;
}

export function recipeRoutes(recipes: RecipeControl, policy: AccessPolicy): Router {
  const r = Router();
  r.get("/api/recipes", requirePermission(policy, "recipes:read"), (_req, res) => {
    res.json(recipes.list());
  });
  r.get("/api/recipes/loaded", requirePermission(policy, "recipes:read"), (_req, res) => {
    res.json(recipes.status());
  });
  r.post("/api/recipes/loaded/verify", requirePermission(policy, "recipes:load"), async (req, res) => {
    res.json(await recipes.verify(requestActor(req)));
  });
  r.get("/api/recipes/:alloy", requirePermission(policy, "recipes:read"), (req, res) => {
    const alloy = String(req.params.alloy);
    const recipe = recipes.get(alloy);
    if (recipe === undefined) throw new ScadaError("SCADA_ERR_RECIPE_UNKNOWN", `Unknown recipe '${alloy}'`);
    res.json(recipe);
  });
  r.post("/api/recipes/:alloy/load", requirePermission(policy, "recipes:load"), async (req, res) => {
    const alloy = String(req.params.alloy);
    const outcome = await recipes.load(alloy, requestActor(req));
    if (!outcome.ok) {
      const code = outcome.unknownRecipe ? "SCADA_ERR_RECIPE_UNKNOWN" : "SCADA_ERR_RECIPE_INVALID";
      throw new ScadaError(code, `${alloy}: ${outcome.problems.join("; ")}`, { problems: outcome.problems, status: outcome.status });
    }
    res.json(outcome.status);
  });
  return r;
}
