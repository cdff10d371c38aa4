import type { RecipeHistoryJson, RecipeVersionStateJson } from "../../../src/server/socket-contract.js";

/** The signed lifecycle steps and the meaning each signature carries (the server's lifecycle table). */
export type RecipeTransition = "submit" | "approve" | "reject" | "obsolete";

export const TRANSITION_MEANING: Readonly<Record<RecipeTransition, string>> = {
  submit: "authored",
  approve: "reviewed and approved",
  reject: "rejected",
  obsolete: "withdrawn",
};

/** A reject or a withdrawal needs a reason; submit and approve may have one. */
export const TRANSITION_REASON_REQUIRED: Readonly<Record<RecipeTransition, boolean>> = { submit: false, approve: false, reject: true, obsolete: true };

export const TRANSITION_LABEL: Readonly<Record<RecipeTransition, string>> = { submit: "Submit for review", approve: "Approve", reject: "Reject", obsolete: "Withdraw (obsolete)" };

/** What the version view may offer (a button the user cannot use is not shown). */
export interface VersionActions {
  /** Save the draft (edit it in place). */
  readonly edit: boolean;
  /** A new draft from this version. */
  readonly newDraft: boolean;
  readonly submit: boolean;
  readonly approve: boolean;
  readonly reject: boolean;
  readonly obsolete: boolean;
  /** Load into the line: "yes", as a "trial" (Maintenance, not approved), or "no". */
  readonly load: "yes" | "trial" | "no";
}

export interface ActionVersion {
  readonly state: RecipeVersionStateJson;
  readonly author: string;
  readonly updatedBy?: string;
  readonly history?: readonly Pick<RecipeHistoryJson, "to" | "by">[];
}

export interface ActionUser {
  readonly user: string;
  can(permission: string): boolean;
}

/** Everyone who wrote the version: its author, whoever saved it, whoever submitted it (they may not approve it). */
export function writersOf(v: ActionVersion): Set<string> {
  const out = new Set([v.author]);
  if (v.updatedBy) out.add(v.updatedBy);
  for (const h of v.history ?? []) if (h.to === "draft" || h.to === "in-review") out.add(h.by);
  return out;
}

/**
 * The buttons a version's view shows for this user, by the server's rules: drafts are edited and submitted
 * with `recipes:edit`; approve / reject (in review) and withdraw (approved) need `recipes:approve`, and
 * nobody approves what they wrote; loading needs `recipes:load` — the approved version, or a draft / in-review
 * one as a trial in Maintenance mode. The server checks it all again.
 */
export function versionActions(v: ActionVersion, who: ActionUser, lineMode: string | null): VersionActions {
  const edit = who.can("recipes:edit");
  const approve = who.can("recipes:approve");
  const loadable = v.state === "approved" ? "yes" : lineMode === "Maintenance" && (v.state === "draft" || v.state === "in-review") ? "trial" : "no";
  return {
    edit: edit && v.state === "draft",
    newDraft: edit,
    submit: edit && v.state === "draft",
    approve: approve && v.state === "in-review" && !writersOf(v).has(who.user),
    reject: approve && v.state === "in-review",
    obsolete: approve && v.state === "approved",
    load: who.can("recipes:load") ? loadable : "no",
  };
}

/** A state as its badge says it. */
export function stateLabel(state: RecipeVersionStateJson): string {
  return state === "in-review" ? "IN REVIEW" : state.toUpperCase();
}
