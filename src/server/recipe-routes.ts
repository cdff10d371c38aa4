import { Router } from "express";
import { type ErrorCode, ScadaError } from "../core/errors.js";
import type { AccessPolicy } from "./access-policy.js";
import { type OperationRoutes, bodyWith, operationRoute } from "./operation-route.js";
import { requirePermission, requireSession } from "./require-permission.js";

export type RecipeLoadOutcome =
  | { readonly ok: true; readonly status: unknown }
  | { readonly ok: false; readonly unknownRecipe?: boolean; readonly notLoadable?: boolean; readonly problems: readonly string[]; readonly status: unknown };

/** What the recipe routes and operations need from the recipe service (it implements it; loads go through the line). */
export interface RecipeControl {
  list(): unknown;
  get(alloy: string): unknown;
  /** The loaded recipe and its verification state. */
  status(): unknown;
  verify(by: string): Promise<unknown>;
}

/** A refusal of the recipe catalog: a stable code the routes turn into an error of the catalogue. */
export interface RecipeRefusal {
  readonly ok: false;
  readonly code: string;
  readonly message: string;
  readonly details?: unknown;
}

export interface RecipeActor {
  readonly user: string;
  readonly role: string;
}

/** Recipe versions, review and approval (the recipe catalog implements it). */
export interface RecipeVersionControl {
  list(): unknown;
  version(alloy: string, v: number): unknown;
  preview(alloy: string, v: number): unknown;
  diff(alloy: string, from: number, to: number): { ok: true; changes: unknown } | RecipeRefusal;
  create(actor: RecipeActor, input: { alloy: string; basedOn: number | null; reason: string; recipe: unknown }): { ok: true; version: { version: number; state: string; revision: number } } | RecipeRefusal;
  save(actor: RecipeActor, input: { alloy: string; version: number; revision: number; reason: string; recipe: unknown }): { ok: true; version: { version: number; state: string; revision: number } } | RecipeRefusal;
  transition(
    actor: RecipeActor,
    action: "submit" | "approve" | "reject" | "obsolete",
    target: { alloy: string; version: number },
    reason: string | null,
    signature: { name: string; meaning: string; time: number },
  ): { ok: true; version: { version: number; state: string }; superseded: number | null } | RecipeRefusal;
}

const REFUSAL_CODES: Readonly<Record<string, ErrorCode>> = {
  unknown: "SCADA_ERR_RECIPE_UNKNOWN",
  invalid: "SCADA_ERR_RECIPE_INVALID",
  "not-permitted": "SCADA_ERR_AUTH_FORBIDDEN",
  "author-cannot-approve": "SCADA_ERR_RECIPE_AUTHOR_CANNOT_APPROVE",
  "wrong-state": "SCADA_ERR_RECIPE_WRONG_STATE",
  "reason-required": "SCADA_ERR_RECIPE_REASON_REQUIRED",
  stale: "SCADA_ERR_RECIPE_STALE",
  "not-submittable": "SCADA_ERR_RECIPE_NOT_SUBMITTABLE",
  "not-loadable": "SCADA_ERR_RECIPE_NOT_LOADABLE",
};

/** A catalog refusal as the error the HTTP answer and the audit record carry. */
export function recipeRefusalError(r: RecipeRefusal): ScadaError {
  return new ScadaError(REFUSAL_CODES[r.code] ?? "SCADA_ERR_RECIPE_INVALID", r.message, r.details);
}

const versionNumber = (text: unknown, name: string): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new ScadaError("SCADA_ERR_HTTP_BAD_REQUEST", `${name} must be a version number (1, 2, …), not '${String(text)}'`);
  return n;
};

export function recipeRoutes(recipes: RecipeControl, policy: AccessPolicy, ops: OperationRoutes, versions?: RecipeVersionControl): Router {
  const r = Router();
  r.get("/api/recipes", requirePermission(policy, "recipes:read"), (_req, res) => {
    res.json(versions ? versions.list() : recipes.list());
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
  if (versions) versionRoutes(r, versions, policy, ops);
  return r;
}

/** Versions, review and approval: reads here, every change an operation (checked, e-signed, audited). */
function versionRoutes(r: Router, versions: RecipeVersionControl, policy: AccessPolicy, ops: OperationRoutes): void {
  const target = (req: { params: Record<string, string | string[]> }) => ({ alloy: String(req.params.alloy), version: versionNumber(req.params.v, "version") });
  r.get("/api/recipes/:alloy/versions/:v", requirePermission(policy, "recipes:read"), (req, res) => {
    const { alloy, version } = target(req);
    const v = versions.version(alloy, version);
    if (v === undefined) throw new ScadaError("SCADA_ERR_RECIPE_UNKNOWN", `${alloy} has no version ${version}`);
    res.json(v);
  });
  r.get("/api/recipes/:alloy/versions/:v/preview", requirePermission(policy, "recipes:read"), (req, res) => {
    const { alloy, version } = target(req);
    const p = versions.preview(alloy, version);
    if (p === undefined) throw new ScadaError("SCADA_ERR_RECIPE_UNKNOWN", `${alloy} has no version ${version}`);
    res.json(p);
  });
  r.get("/api/recipes/:alloy/diff", requirePermission(policy, "recipes:read"), (req, res) => {
    const d = versions.diff(String(req.params.alloy), versionNumber(req.query.from, "from"), versionNumber(req.query.to, "to"));
    if (!d.ok) throw recipeRefusalError(d);
    res.json(d.changes);
  });
  const alloyOf = (req: { params: Record<string, string | string[]> }) => ({ alloy: String(req.params.alloy) });
  r.post("/api/recipes/:alloy/versions", requireSession(policy), operationRoute(ops.runner, ops.actorOf, "recipe.create", (req) => bodyWith(req, alloyOf(req)), 201));
  r.put("/api/recipes/:alloy/versions/:v", requireSession(policy), operationRoute(ops.runner, ops.actorOf, "recipe.save", (req) => bodyWith(req, target(req))));
  for (const step of ["submit", "approve", "reject", "obsolete"] as const) {
    r.post(`/api/recipes/:alloy/versions/:v/${step}`, requireSession(policy), operationRoute(ops.runner, ops.actorOf, `recipe.${step}`, (req) => bodyWith(req, target(req))));
  }
}
