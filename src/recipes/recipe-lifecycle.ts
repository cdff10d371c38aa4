/**
 * The life of a recipe version (pure): who may move it from which state to which, with which signature
 * meaning, and in which unit mode a version may be loaded.
 *
 *   draft ──submit──► in-review ──approve──► approved ──obsolete──► obsolete
 *     ▲ edit            │                      │
 *     └─┘               └──reject──► rejected  └── (another version approved) ──► superseded
 *
 * - Only a draft is editable (`edit`: saving it again); from `submit` on a version is immutable. A rejected
 *   version stays rejected: editing continues as a NEW draft based on it.
 * - `approve` needs `recipes:approve` and someone who did not write the version: its author, whoever saved
 *   the draft and whoever submitted it are refused with the code `author-cannot-approve` (the server's
 *   SCADA_ERR_RECIPE_AUTHOR_CANNOT_APPROVE, 403). Rejecting one's own submission is allowed (it only takes
 *   it back).
 * - Exactly one approved version per recipe: approving one supersedes the approved one before it (the store
 *   does both in one transaction). Superseding is not an action anybody takes; it follows from approving.
 * - Signature meanings: submit "authored", approve "reviewed and approved", reject "rejected", obsolete
 *   "withdrawn". `edit` is not signed.
 *
 * Loading (`loadableIn`): Production loads only the approved version. Maintenance loads the approved version,
 * or a draft / in-review version as a TRIAL. Manual loads only the approved version, like Production (trials
 * belong to Maintenance, where the line is deliberately out of production). Superseded, obsolete and rejected
 * versions load nowhere — not even as a Maintenance trial: to try an older version again, create a draft
 * based on it (which names who wants it and why) and trial that.
 */
import { type Permission, roleCan } from "../auth/permissions.js";
import { UNIT_MODES, type UnitMode } from "../control/packml-states.js";

export const RECIPE_VERSION_STATES = ["draft", "in-review", "approved", "superseded", "obsolete", "rejected"] as const;
export type RecipeVersionState = (typeof RECIPE_VERSION_STATES)[number];

export const RECIPE_ACTIONS = ["edit", "submit", "approve", "reject", "obsolete"] as const;
export type RecipeAction = (typeof RECIPE_ACTIONS)[number];

export const RECIPE_SIGNATURE_MEANINGS = ["authored", "reviewed and approved", "rejected", "withdrawn"] as const;
export type RecipeSignatureMeaning = (typeof RECIPE_SIGNATURE_MEANINGS)[number];

/** What the history says of a version approved before this one when this one is approved (not signed). */
export const SUPERSEDED_MEANING = "superseded";

export function isRecipeVersionState(value: unknown): value is RecipeVersionState {
  return typeof value === "string" && (RECIPE_VERSION_STATES as readonly string[]).includes(value);
}

/** One row of the lifecycle table. */
export interface LifecycleRule {
  readonly action: RecipeAction;
  readonly from: RecipeVersionState;
  readonly to: RecipeVersionState;
  readonly permission: Permission;
  /** The signature's meaning; null: the action is not signed (saving a draft). */
  readonly meaning: RecipeSignatureMeaning | null;
  readonly reasonRequired: boolean;
  /** Whoever wrote or submitted the version may not take this action. */
  readonly notByAuthor: boolean;
}

/** The lifecycle as data: an action not listed for a state is refused (`wrong-state`). */
export const RECIPE_LIFECYCLE: readonly LifecycleRule[] = [
  { action: "edit", from: "draft", to: "draft", permission: "recipes:edit", meaning: null, reasonRequired: true, notByAuthor: false },
  { action: "submit", from: "draft", to: "in-review", permission: "recipes:edit", meaning: "authored", reasonRequired: false, notByAuthor: false },
  { action: "approve", from: "in-review", to: "approved", permission: "recipes:approve", meaning: "reviewed and approved", reasonRequired: false, notByAuthor: true },
  { action: "reject", from: "in-review", to: "rejected", permission: "recipes:approve", meaning: "rejected", reasonRequired: true, notByAuthor: false },
  { action: "obsolete", from: "approved", to: "obsolete", permission: "recipes:approve", meaning: "withdrawn", reasonRequired: true, notByAuthor: false },
];

/** Every state change a version may undergo: the table's, and approved → superseded (by approving another). */
export const RECIPE_STATE_EDGES: readonly { readonly from: RecipeVersionState; readonly to: RecipeVersionState }[] = [
  ...RECIPE_LIFECYCLE.filter((r) => r.from !== r.to).map(({ from, to }) => ({ from, to })),
  { from: "approved", to: "superseded" },
];

export function isStateEdge(from: RecipeVersionState, to: RecipeVersionState): boolean {
  return RECIPE_STATE_EDGES.some((e) => e.from === from && e.to === to);
}

/** The version as far as the rules care. */
export interface LifecycleVersion {
  readonly state: RecipeVersionState;
  /** Login name of who created the version. */
  readonly author: string;
  /** Login names of everyone who wrote it (author, whoever saved the draft, the submitter); default [author]. */
  readonly contributors?: readonly string[];
}

/** Who acts. `permissions` default to the role's row of the permission table. */
export interface LifecycleActor {
  readonly user: string;
  readonly role: string;
  readonly permissions?: ReadonlySet<Permission> | readonly Permission[];
}

export type LifecycleRefusal = "not-permitted" | "author-cannot-approve" | "wrong-state" | "reason-required";

export type LifecycleDecision =
  | {
      readonly ok: true;
      readonly action: RecipeAction;
      readonly from: RecipeVersionState;
      readonly to: RecipeVersionState;
      /** The signature's meaning; null for `edit` (not signed). */
      readonly meaning: RecipeSignatureMeaning | null;
      /** Approving: the recipe's approved version (if any) becomes superseded. */
      readonly supersedes: boolean;
    }
  | { readonly ok: false; readonly code: LifecycleRefusal; readonly reason: string };

function holds(actor: LifecycleActor, permission: Permission): boolean {
  const p = actor.permissions;
  if (p === undefined) return roleCan(actor.role, permission);
  return "has" in p ? p.has(permission) : p.includes(permission);
}

const PAST: Readonly<Record<RecipeAction, string>> = { edit: "edited", submit: "submitted", approve: "approved", reject: "rejected", obsolete: "withdrawn" };

/** A state as the end of "it is …". */
const IS: Readonly<Record<RecipeVersionState, string>> = {
  draft: "a draft",
  "in-review": "in review",
  approved: "approved",
  superseded: "superseded",
  obsolete: "obsolete",
  rejected: "rejected",
};

/**
 * Whether `actor` may take `action` on `version`. Checked in this order: the permission, the state, the
 * author rule, the reason (`reason` is the actor's free text; blank counts as none).
 */
export function decideTransition(version: LifecycleVersion, action: RecipeAction, actor: LifecycleActor, reason?: string | null): LifecycleDecision {
  const rules = RECIPE_LIFECYCLE.filter((r) => r.action === action);
  const permission = rules[0]?.permission;
  if (permission === undefined) return { ok: false, code: "wrong-state", reason: `'${String(action)}' is not a recipe action` };
  if (!holds(actor, permission)) {
    return { ok: false, code: "not-permitted", reason: `${actor.user} (${actor.role}) may not ${action} recipe versions: needs ${permission}` };
  }
  const rule = rules.find((r) => r.from === version.state);
  if (rule === undefined) {
    const from = rules.map((r) => IS[r.from]).join(" or ");
    return { ok: false, code: "wrong-state", reason: `a version can be ${PAST[action]} only while it is ${from}; this one is ${IS[version.state]}` };
  }
  if (rule.notByAuthor && (version.contributors ?? [version.author]).concat(version.author).includes(actor.user)) {
    return { ok: false, code: "author-cannot-approve", reason: `${actor.user} wrote or submitted this version and may not approve it: someone else must review it` };
  }
  if (rule.reasonRequired && (reason ?? "").trim() === "") {
    return { ok: false, code: "reason-required", reason: `${action === "edit" ? "saving a draft" : action} needs a reason` };
  }
  return { ok: true, action, from: rule.from, to: rule.to, meaning: rule.meaning, supersedes: rule.to === "approved" };
}

export type Loadability = "yes" | "trial" | "no";

/** Which version states load in which unit mode: "trial" loads and is recorded as a trial. */
export const RECIPE_LOADABILITY: Readonly<Record<UnitMode, Readonly<Record<RecipeVersionState, Loadability>>>> = {
  Production: { draft: "no", "in-review": "no", approved: "yes", superseded: "no", obsolete: "no", rejected: "no" },
  Maintenance: { draft: "trial", "in-review": "trial", approved: "yes", superseded: "no", obsolete: "no", rejected: "no" },
  Manual: { draft: "no", "in-review": "no", approved: "yes", superseded: "no", obsolete: "no", rejected: "no" },
};

export interface LoadVerdict {
  readonly ok: boolean;
  /** Loaded as a trial (a version not approved, in Maintenance). */
  readonly trial: boolean;
  /** Why it may not load, or that it loads as a trial; "" for an approved version. */
  readonly reason: string;
}

const NEVER: Partial<Record<RecipeVersionState, string>> = {
  superseded: "a newer version is approved: load that one, or create a draft based on this one to trial it (Maintenance)",
  obsolete: "it was withdrawn",
  rejected: "it was rejected: continue with a new draft based on it",
};

/** Whether a version in `state` may be loaded while the line is in unit mode `mode`. */
export function loadableIn(mode: string, state: RecipeVersionState): LoadVerdict {
  if (!(UNIT_MODES as readonly string[]).includes(mode)) return { ok: false, trial: false, reason: `unknown unit mode '${mode}'` };
  const verdict = RECIPE_LOADABILITY[mode as UnitMode][state];
  if (verdict === "yes") return { ok: true, trial: false, reason: "" };
  if (verdict === "trial") return { ok: true, trial: true, reason: `a version ${IS[state]} loads in ${mode} as a trial only` };
  const never = NEVER[state];
  if (never !== undefined) return { ok: false, trial: false, reason: `a ${state} version loads in no mode: ${never}` };
  return { ok: false, trial: false, reason: `${mode} loads only the approved version; one ${state === "in-review" ? "in review" : `that is ${IS[state]}`} loads as a trial in Maintenance only` };
}
