import { Router } from "express";
import { ScadaError } from "../core/errors.js";
import type { AccessPolicy } from "./access-policy.js";
import { type OperationRoutes, bodyWith, operationRoute } from "./operation-route.js";
import { requirePermission, requireSession } from "./require-permission.js";

export type RecipeLoadOutcome =
  | { readonly ok: true; readonly status: unknown }
  | { readonly ok: false; readonly unknownRecipe?: boolean; readonly problems: readonly string[]; readonly status: unknown };

/** What the recipe routes and operations need from the recipe service (it implements it; loads go through the line). */
export interface RecipeControl {
  list(): unknown;
  get(alloy: string): unknown;
  /** The loaded recipe and its verification state. */
  status(): unknown;
  verify(by: string): Promise<unknown>;
}

export function recipeRoutes(recipes: RecipeControl, policy: AccessPolicy, ops: OperationRoutes): Router {
  const r = Router();
  r.get("/api/recipes", requirePermission(policy, "recipes:read"), (_req, res) => {
    res.json(recipes.list());
  });
  r.get("/api/recipes/loaded", requirePermission(policy, "recipes:read"), (_req, res) => {
    res.json(recipes.status());
  });
  r.post("/api/recipes/loaded/verify", requireSession(policy), operationRoute(ops.runner, ops.actorOf, "recipe.verify", (req) => req.body ?? {}));
  r.get("/api/recipes/:alloy", requirePermission(policy, "recipes:read"), (req, res) => {
    const alloy = String(req.params.alloy);
    const recipe = recipes.get(alloy);
    if (recipe === undefined) throw new ScadaError("SCADA_ERR_RECIPE_UNKNOWN", `Unknown recipe '${alloy}'`);
    res.json(recipe);
  });
  r.post("/api/recipes/:alloy/load", requireSession(policy), operationRoute(ops.runner, ops.actorOf, "recipe.load", (req) => bodyWith(req, { alloy: String(req.params.alloy) })));
  return r;
}
