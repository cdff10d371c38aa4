/**
 * The recipe versions' operations: create and save drafts, and the e-signed lifecycle steps (submit
 * "authored", approve "reviewed and approved", reject "rejected", obsolete "withdrawn"). Each runs through
 * the one operation runner (permission, input, signature, audit record with the signature bound into its
 * hash); the catalog decides, and its refusal comes back with its own error code (e.g. an author approving
 * his own version: 403 SCADA_ERR_RECIPE_AUTHOR_CANNOT_APPROVE).
 */
import { z } from "zod";
import type { Actor } from "../auth/actor.js";
import { type OperationDef, type OperationDeps, need, op, signature } from "./operation-def.js";
import { recipeRefusalError } from "./recipe-routes.js";

const alloy = z.string().regex(/^[A-Z][A-Za-z0-9]{0,31}$/, "must be an alloy name such as BiSb");
const version = z.number().int().min(1);
/** Why the version was made or changed: mandatory, in words. */
const changeReason = z.string().trim().min(3, "a change reason is required").max(1000);
const recipeContent = z.record(z.string(), z.unknown());

type Step = "submit" | "approve" | "reject" | "obsolete";
const STEP_PERMISSION = { submit: "recipes:edit", approve: "recipes:approve", reject: "recipes:approve", obsolete: "recipes:approve" } as const;

const who = (actor: Actor) => ({ user: actor.user, role: actor.role });

function step(name: Step): OperationDef<never> {
  return op({
    action: `recipe.${name}`,
    permission: STEP_PERMISSION[name],
    signed: true,
    input: z.strictObject({ alloy, version, signature, reason: z.string().trim().max(1000).optional() }),
    target: (i) => `${i.alloy} v${i.version}`,
    reason: (i) => i.reason,
    run: async (deps: OperationDeps, i, actor) => {
      const versions = need(deps.recipeVersions, "recipe versions");
      const sig = { name: actor.user, meaning: i.signature.meaning, time: deps.now() };
      const r = versions.transition(who(actor), name, { alloy: i.alloy, version: i.version }, i.reason ?? null, sig);
      if (!r.ok) throw recipeRefusalError(r);
      return { result: { alloy: i.alloy, version: r.version.version, state: r.version.state, superseded: r.superseded }, newValue: { state: r.version.state, ...(r.superseded === null ? {} : { superseded: r.superseded }) } };
    },
  });
}

export const RECIPE_VERSION_OPERATIONS = {
  "recipe.create": op({
    action: "recipe.create",
    permission: "recipes:edit",
    input: z.strictObject({ alloy, basedOn: version.nullable(), reason: changeReason, recipe: recipeContent }),
    target: (i) => i.alloy,
    reason: (i) => i.reason,
    run: async (deps, i, actor) => {
      const r = need(deps.recipeVersions, "recipe versions").create(who(actor), i);
      if (!r.ok) throw recipeRefusalError(r);
      return { result: { version: r.version.version, state: r.version.state, revision: r.version.revision }, newValue: { version: r.version.version, basedOn: i.basedOn } };
    },
  }),
  "recipe.save": op({
    action: "recipe.save",
    permission: "recipes:edit",
    input: z.strictObject({ alloy, version, revision: z.number().int().min(1), reason: changeReason, recipe: recipeContent }),
    target: (i) => `${i.alloy} v${i.version}`,
    reason: (i) => i.reason,
    run: async (deps, i, actor) => {
      const r = need(deps.recipeVersions, "recipe versions").save(who(actor), i);
      if (!r.ok) throw recipeRefusalError(r);
      return { result: { version: r.version.version, state: r.version.state, revision: r.version.revision }, oldValue: { revision: i.revision }, newValue: { revision: r.version.revision } };
    },
  }),
  "recipe.submit": step("submit"),
  "recipe.approve": step("approve"),
  "recipe.reject": step("reject"),
  "recipe.obsolete": step("obsolete"),
} as const;
