/**
 * The recipe catalog: the process engineer's side of recipes. Every recipe (per alloy) has versions v1, v2, …
 * in the versions store; exactly one is Approved (effective). Drafts are written and saved (an invalid draft
 * can be saved, with every problem named by field), submitted (e-signed "authored"), approved by someone
 * else with `recipes:approve` ("reviewed and approved"), rejected or withdrawn — the rules are
 * recipe-lifecycle's, the previews recipe-preview's; nothing here touches the PLC (the recipe service loads).
 *
 * The shipped files (plc-config/recipes/*.yaml) seed v1 Approved on first start; a later change to a file is
 * never applied silently: the listing says `differsFromFile`, and `importFile` makes it a draft.
 */
import type { Clock } from "../core/clock.js";
import type { Problem } from "../core/problem.js";
import { zodProblems } from "../core/zod-problems.js";
import type { UnitMode } from "../control/packml-states.js";
import type { TagConfig } from "../tags/tag-schema.js";
import { type RecipeLine, recipeFileOf } from "./recipe-derivation.js";
import { diffRecipes } from "./recipe-diff.js";
import type { EquipmentLimitsEntry, RecipeEntry, RecipeSummary } from "./recipe-entry.js";
import { checkRecipe } from "./recipe-limits.js";
import { type LifecycleActor, type RecipeAction, decideTransition, loadableIn } from "./recipe-lifecycle.js";
import { type PreviewOptions, type RecipePreview, previewRecipe } from "./recipe-preview.js";
import { type Recipe, recipeSchema } from "./recipe-schema.js";
import type { RecipeLoadVerdict, RecipeVersion, RecipeVersionStorePort, RecipeVersionSummary } from "./recipe-version-port.js";

/** The recipe files (src/stores/recipe-store.ts). */
export interface RecipeFiles {
  list(): RecipeSummary[];
  get(alloy: string): RecipeEntry | undefined;
  equipmentLimits(): EquipmentLimitsEntry;
  /** sha256 of the file's bytes; null when there is no such file. */
  fileSha256(alloy: string): string | null;
}

/** A recipe version as the recipe service loads it. */
export interface VersionedRecipeEntry extends RecipeEntry {
  readonly version: number | null;
  readonly hash: string | null;
}

export type CatalogRefusalCode =
  | "unknown"
  | "invalid"
  | "not-permitted"
  | "author-cannot-approve"
  | "wrong-state"
  | "reason-required"
  | "stale"
  | "not-submittable"
  | "not-loadable";

export interface CatalogRefusal {
  readonly ok: false;
  readonly code: CatalogRefusalCode;
  readonly message: string;
  readonly details?: unknown;
}

export type CatalogResult<T> = ({ readonly ok: true } & T) | CatalogRefusal;

export interface RecipeCatalogDeps {
  readonly files: RecipeFiles;
  readonly versions: RecipeVersionStorePort;
  /** line.yaml and the tags: what setpoints are derived for and checked against. */
  readonly line: RecipeLine & { readonly tags: readonly TagConfig[] };
  readonly preview?: PreviewOptions;
  readonly clock: Clock;
}

const RECIPE_SHAPE = "a mapping with 'alloy', 'htr', 'quench', 'feed', 'rinse', …";
const refuse = (code: CatalogRefusalCode, message: string, details?: unknown): CatalogRefusal => ({ ok: false, code, message, ...(details === undefined ? {} : { details }) });

export class RecipeCatalog {
  constructor(private readonly deps: RecipeCatalogDeps) {}

  /** First start: every valid shipped file becomes v1 Approved (an alloy already known is left alone). */
  seed(): string[] {
    const files = this.deps.files.list().flatMap((s) => {
      const recipe = this.deps.files.get(s.alloy)?.recipe;
      const sha = this.deps.files.fileSha256(s.alloy);
      return recipe && sha ? [{ alloy: s.alloy, recipe, fileSha256: sha }] : [];
    });
    return this.deps.versions.seedFromFiles(files, this.deps.clock.now());
  }

  /** `GET /api/recipes`: the files' summaries with each recipe's versions, approved one and file drift. */
  list(): (RecipeSummary & { approved: number | null; differsFromFile: boolean; versions: readonly RecipeVersionSummary[] })[] {
    const listings = new Map(this.deps.versions.list().map((l) => [l.alloy, l]));
    const files = new Map(this.deps.files.list().map((s) => [s.alloy, s]));
    const alloys = [...new Set([...files.keys(), ...listings.keys()])].sort();
    return alloys.map((alloy) => {
      const l = listings.get(alloy);
      const approved = l?.approved === null || l === undefined ? undefined : this.deps.versions.get(alloy, l.approved);
      const file = files.get(alloy);
      const sha = this.deps.files.fileSha256(alloy);
      return {
        alloy,
        file: file?.file ?? recipeFileOf(alloy),
        valid: approved !== undefined || (file?.valid ?? false),
        description: approved?.recipe.description ?? file?.description ?? "",
        mode: approved?.recipe.htr.mode ?? file?.mode ?? null,
        problems: approved ? [] : (file?.problems ?? []),
        approved: l?.approved ?? null,
        differsFromFile: sha !== null && this.deps.versions.fileDiffers(alloy, sha),
        versions: l?.versions ?? [],
      };
    });
  }

  /** The recipe to load: `version`, or the approved one (before any is stored: the file). */
  get(alloy: string, version?: number): VersionedRecipeEntry | undefined {
    const v = version === undefined ? this.deps.versions.approved(alloy) : this.deps.versions.get(alloy, version);
    if (v) return { alloy, file: recipeFileOf(alloy), recipe: v.recipe, problems: [], version: v.version, hash: v.hash };
    if (version !== undefined || this.deps.versions.list().some((l) => l.alloy === alloy)) return undefined;
    const file = this.deps.files.get(alloy);
    return file && { ...file, version: null, hash: null };
  }

  equipmentLimits(): EquipmentLimitsEntry {
    return this.deps.files.equipmentLimits();
  }

  /** One version with its problems, state history (signatures) and where it was used. */
  version(alloy: string, v: number) {
    const version = this.deps.versions.get(alloy, v);
    if (!version) return undefined;
    const { contributors: _c, ...rest } = version;
    return {
      ...rest,
      problems: this.problemsOf(version.recipe).map((p) => `${p.path}: ${p.message}`),
      history: this.deps.versions.history(alloy, v),
      loads: this.deps.versions.loads(alloy, v),
    };
  }

  preview(alloy: string, v: number): RecipePreview | undefined {
    const version = this.deps.versions.get(alloy, v);
    return version && previewRecipe(version.recipe, this.deps.preview);
  }

  diff(alloy: string, from: number, to: number): CatalogResult<{ changes: ReturnType<typeof diffRecipes> }> {
    const a = this.deps.versions.get(alloy, from);
    const b = this.deps.versions.get(alloy, to);
    if (!a || !b) return refuse("unknown", `${alloy} has no version ${!a ? from : to}`);
    return { ok: true, changes: diffRecipes(a.recipe, b.recipe) };
  }

  /** A new draft (from `basedOn`, or from scratch); its content must be a recipe of this alloy (schema). */
  create(actor: LifecycleActor, input: { alloy: string; basedOn: number | null; reason: string; recipe: unknown }): CatalogResult<{ version: RecipeVersion }> {
    const allowed = decideTransition({ state: "draft", author: actor.user }, "edit", actor, input.reason);
    if (!allowed.ok) return refuse(allowed.code, allowed.reason);
    const parsed = this.parse(input.alloy, input.recipe);
    if (!parsed.ok) return parsed;
    const r = this.deps.versions.createDraft({ alloy: input.alloy, basedOn: input.basedOn, reason: input.reason, recipe: parsed.recipe, author: actor.user, now: this.deps.clock.now() });
    if (!r.ok) return refuse(r.code === "unknown-version" ? "unknown" : r.code === "reason-required" ? "reason-required" : "invalid", r.message);
    return { ok: true, version: r.version };
  }

  /** Saves a draft over `revision`; a newer revision wins (stale: who changed it since and when). */
  save(actor: LifecycleActor, input: { alloy: string; version: number; revision: number; reason: string; recipe: unknown }): CatalogResult<{ version: RecipeVersion }> {
    const current = this.deps.versions.get(input.alloy, input.version);
    if (!current) return refuse("unknown", `${input.alloy} has no version ${input.version}`);
    const allowed = decideTransition(current, "edit", actor, input.reason);
    if (!allowed.ok) return refuse(allowed.code, allowed.reason);
    const parsed = this.parse(input.alloy, input.recipe);
    if (!parsed.ok) return parsed;
    const r = this.deps.versions.saveDraft({ alloy: input.alloy, v: input.version, revision: input.revision, reason: input.reason, recipe: parsed.recipe, by: actor.user, now: this.deps.clock.now() });
    if (r.ok) return { ok: true, version: r.version };
    if (r.code === "stale") return refuse("stale", `${r.message} (changed by ${r.stale.changedBy} at ${new Date(r.stale.changedAt).toISOString()}, revision ${r.stale.revision})`, r.stale);
    return refuse(r.code === "not-a-draft" ? "wrong-state" : r.code === "unknown-version" ? "unknown" : r.code === "reason-required" ? "reason-required" : "invalid", r.message);
  }

  /**
   * A lifecycle step (submit, approve, reject, obsolete), already e-signed by the caller. A submit needs a
   * valid recipe within the equipment limits whose preview is submittable; each reason is named.
   */
  transition(
    actor: LifecycleActor,
    action: Exclude<RecipeAction, "edit">,
    target: { alloy: string; version: number },
    reason: string | null,
    signature: { name: string; meaning: string; time: number },
  ): CatalogResult<{ version: RecipeVersion; superseded: number | null }> {
    const current = this.deps.versions.get(target.alloy, target.version);
    if (!current) return refuse("unknown", `${target.alloy} has no version ${target.version}`);
    const d = decideTransition(current, action, actor, reason);
    if (!d.ok) return refuse(d.code, d.reason);
    if (d.meaning !== null && signature.meaning !== d.meaning) {
      return refuse("invalid", `a ${action} is signed with the meaning "${d.meaning}", not "${signature.meaning}"`);
    }
    if (action === "submit") {
      const blockers = [...this.problemsOf(current.recipe).map((p) => `${p.path}: ${p.message}`), ...previewRecipe(current.recipe, this.deps.preview).reasons];
      if (blockers.length > 0) return refuse("not-submittable", `${target.alloy} v${target.version} cannot be submitted: ${blockers.join("; ")}`, { reasons: blockers });
    }
    const r = this.deps.versions.transition({ alloy: target.alloy, v: target.version, to: d.to, by: actor.user, meaning: d.meaning ?? action, reason, signature, now: this.deps.clock.now() });
    if (!r.ok) return refuse(r.code === "wrong-state" ? "wrong-state" : r.code === "unknown-version" ? "unknown" : "invalid", r.message);
    return { ok: true, version: r.version, superseded: r.superseded };
  }

  /** May `version` (default: the approved one) be loaded in `mode`? A Draft / In review in Maintenance is a TRIAL. */
  loadability(alloy: string, version: number | undefined, mode: UnitMode): CatalogResult<{ version: number | null; trial: boolean }> {
    if (version === undefined) {
      const approved = this.deps.versions.approved(alloy);
      if (approved) return { ok: true, version: approved.version, trial: false };
      if (this.deps.versions.list().some((l) => l.alloy === alloy)) return refuse("not-loadable", `${alloy} has no approved version`);
      return { ok: true, version: null, trial: false };
    }
    const v = this.deps.versions.get(alloy, version);
    if (!v) return refuse("unknown", `${alloy} has no version ${version}`);
    const rule = loadableIn(mode, v.state);
    if (!rule.ok) return refuse("not-loadable", `v${version} is ${v.state}: ${rule.reason}`);
    return { ok: true, version, trial: rule.trial };
  }

  recordLoad(load: { alloy: string; version: number; by: string; mode: UnitMode; lineState: string; verdict: RecipeLoadVerdict; trial: boolean; detail: string | null }): void {
    this.deps.versions.recordLoad({ ...load, at: this.deps.clock.now() });
  }

  /** Equipment limits and setpoint derivation of a valid recipe: every problem named by field. */
  private problemsOf(recipe: Recipe): readonly Problem[] {
    const equipment = this.deps.files.equipmentLimits();
    if (equipment.limits === undefined) return equipment.problems;
    return checkRecipe(recipe, { line: this.deps.line, tags: this.deps.line.tags, equipment: equipment.limits }).problems;
  }

  private parse(alloy: string, candidate: unknown): CatalogResult<{ recipe: Recipe }> {
    const r = recipeSchema.safeParse(candidate);
    if (!r.success) {
      const problems = zodProblems(recipeFileOf(alloy), RECIPE_SHAPE, r.error).map((p) => `${p.path}: ${p.message}`);
      return refuse("invalid", `the recipe is not valid: ${problems.join("; ")}`, { problems });
    }
    if (r.data.alloy !== alloy) return refuse("invalid", `alloy: the recipe is for '${r.data.alloy}', not '${alloy}'`, { problems: [`alloy: must be '${alloy}'`] });
    return { ok: true, recipe: r.data };
  }
}
