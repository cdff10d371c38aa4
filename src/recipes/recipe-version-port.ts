/**
 * What the recipe versions store keeps and answers (types only; src/stores/recipe-version-store.ts implements
 * it in SQLite). Recipe versions are people's records: a version is never deleted, its content never changes
 * after it was submitted, and its history and loads are append-only.
 *
 * Names (`author`, `by`, `changedBy`, a signature's `name`) are login names (`Actor.user`): the author rule
 * of recipe-lifecycle compares them with the acting user. Times are epoch ms.
 */
import type { UnitMode } from "../control/packml-states.js";
import type { RecipeVersionState } from "./recipe-lifecycle.js";
import type { Recipe } from "./recipe-schema.js";

/** "config": imported from plc-config/recipes/<alloy>.yaml on first start; "user": written in the SCADA. */
export type RecipeSource = "config" | "user";

/** Who imported the configuration's recipes (history rows, author of v1). */
export const CONFIG_IMPORT_USER = "system";
export const CONFIG_IMPORT_MEANING = "imported from the configuration";
/** History meaning of a version's creation (not signed). */
export const DRAFT_CREATED_MEANING = "created";

export interface RecipeVersionSummary {
  readonly alloy: string;
  /** 1, 2, 3, … per alloy. */
  readonly version: number;
  readonly state: RecipeVersionState;
  readonly author: string;
  readonly createdAt: number;
  /** Why the version was made (never empty). */
  readonly reason: string;
  /** The version it was made from; null for a first version or one written from scratch. */
  readonly basedOn: number | null;
  /** sha256 (hex) of the canonical JSON of the recipe. */
  readonly hash: string;
  /** A draft's save counter: 1 when created, +1 per save; frozen from submit on. */
  readonly revision: number;
  readonly updatedBy: string;
  readonly updatedAt: number;
  readonly source: RecipeSource;
  /** sha256 (hex) of the recipe file, for a version imported from it. */
  readonly fileSha256: string | null;
}

export interface RecipeVersion extends RecipeVersionSummary {
  readonly recipe: Recipe;
  /** Everyone who wrote it (author, whoever saved the draft, the submitter), for the author rule. */
  readonly contributors: readonly string[];
}

export interface RecipeListing {
  readonly alloy: string;
  readonly source: RecipeSource;
  /** sha256 of the file the recipe was imported from (source "config"). */
  readonly fileSha256: string | null;
  readonly createdAt: number;
  /** The approved version, null when none is. */
  readonly approved: number | null;
  /** Oldest first. */
  readonly versions: readonly RecipeVersionSummary[];
}

export interface RecipeSignatureRecord {
  readonly name: string;
  readonly meaning: string;
  readonly time: number;
}

/** One state change of a version (creation and import included: `from` null). */
export interface RecipeHistoryEntry {
  readonly seq: number;
  readonly alloy: string;
  readonly version: number;
  readonly from: RecipeVersionState | null;
  readonly to: RecipeVersionState;
  readonly by: string;
  readonly at: number;
  readonly meaning: string;
  readonly reason: string | null;
  readonly signature: RecipeSignatureRecord | null;
}

/** One save of a draft: who, when, why, what it held (revision 1 is the creation). */
export interface RecipeDraftEdit {
  readonly alloy: string;
  readonly version: number;
  readonly revision: number;
  readonly by: string;
  readonly at: number;
  readonly reason: string;
  readonly hash: string;
}

export const RECIPE_LOAD_VERDICTS = ["verified", "mismatch", "refused", "failed"] as const;
/** verified: every setpoint read back; mismatch: some did not; refused: nothing written; failed: writes failed. */
export type RecipeLoadVerdict = (typeof RECIPE_LOAD_VERDICTS)[number];

export interface NewRecipeLoad {
  readonly alloy: string;
  readonly version: number;
  readonly at: number;
  readonly by: string;
  readonly mode: UnitMode;
  /** The line's PackML state when it was loaded. */
  readonly lineState: string;
  readonly verdict: RecipeLoadVerdict;
  /** Loaded as a trial (not approved; Maintenance). */
  readonly trial: boolean;
  /** Problems, mismatching tags …; null when there is nothing to say. */
  readonly detail: string | null;
}

export interface RecipeLoadRecord extends NewRecipeLoad {
  readonly seq: number;
}

export interface SeedFile {
  readonly alloy: string;
  readonly recipe: Recipe;
  readonly fileSha256: string;
}

export interface NewDraft {
  readonly alloy: string;
  readonly basedOn: number | null;
  readonly reason: string;
  readonly recipe: Recipe;
  readonly author: string;
  readonly now: number;
}

export interface DraftSave {
  readonly alloy: string;
  readonly v: number;
  /** The revision the editor started from: a save over a newer one is refused (stale). */
  readonly revision: number;
  readonly reason: string;
  readonly recipe: Recipe;
  readonly by: string;
  readonly now: number;
}

export interface TransitionRequest {
  readonly alloy: string;
  readonly v: number;
  readonly to: RecipeVersionState;
  readonly by: string;
  /** The decision's meaning (recipe-lifecycle), or what the history should say. */
  readonly meaning: string;
  readonly reason: string | null;
  readonly signature: RecipeSignatureRecord | null;
  readonly now: number;
}

type Refused<C extends string, X = object> = { readonly ok: false; readonly code: C; readonly message: string } & X;

export type CreateDraftResult =
  | { readonly ok: true; readonly version: RecipeVersion }
  | Refused<"reason-required" | "alloy-mismatch" | "unknown-version">;

export type SaveDraftResult =
  | { readonly ok: true; readonly version: RecipeVersion }
  | Refused<"stale", { readonly stale: { readonly changedBy: string; readonly changedAt: number; readonly revision: number } }>
  | Refused<"not-a-draft", { readonly state: RecipeVersionState }>
  | Refused<"reason-required" | "alloy-mismatch" | "unknown-version">;

export type TransitionResult =
  | { readonly ok: true; readonly version: RecipeVersion; readonly superseded: number | null }
  | Refused<"wrong-state", { readonly state: RecipeVersionState }>
  | Refused<"unknown-version" | "signature-invalid">;

export interface RecipeVersionStorePort {
  /** First start per alloy only: v1 approved, source config; an alloy the store knows is left alone. Returns the alloys imported. */
  seedFromFiles(files: readonly SeedFile[], now: number): string[];
  list(): RecipeListing[];
  get(alloy: string, v: number): RecipeVersion | undefined;
  approved(alloy: string): RecipeVersion | undefined;
  history(alloy: string, v?: number): RecipeHistoryEntry[];
  edits(alloy: string, v: number): RecipeDraftEdit[];
  createDraft(draft: NewDraft): CreateDraftResult;
  saveDraft(save: DraftSave): SaveDraftResult;
  transition(request: TransitionRequest): TransitionResult;
  recordLoad(load: NewRecipeLoad): RecipeLoadRecord;
  loads(alloy: string, v?: number): RecipeLoadRecord[];
  /** The recipe was imported from a file whose digest is not `fileSha256`: the shipped file changed since. */
  fileDiffers(alloy: string, fileSha256: string): boolean;
}
