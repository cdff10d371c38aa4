/**
 * Recipe versions, their history and where they were used, in SQLite: `<dataDir>/scada.db` (the user
 * store's file; WAL, synchronous = FULL, writers wait up to 5 s for each other). The tables and the rules the
 * database keeps itself are in recipe-version-schema.ts.
 *
 * Every write is one immediate transaction: a state change, its history row and the superseding of the
 * approved version before it happen together or not at all. The store trusts the lifecycle decision it is
 * given (recipe-lifecycle's decideTransition, taken by the caller) except for the state: the version's
 * state is read again inside the transaction, so two reviewers acting at once cannot both succeed.
 */
import { openScadaDb } from "./scada-db.js";
import { createHash } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type Database from "better-sqlite3";
import { canonicalJson } from "../audit/audit-record.js";
import { type RecipeVersionState, SUPERSEDED_MEANING, isStateEdge } from "../recipes/recipe-lifecycle.js";
import type { Recipe } from "../recipes/recipe-schema.js";
import {
  CONFIG_IMPORT_MEANING,
  CONFIG_IMPORT_USER,
  type CreateDraftResult,
  DRAFT_CREATED_MEANING,
  type DraftSave,
  type NewDraft,
  type NewRecipeLoad,
  type RecipeDraftEdit,
  type RecipeHistoryEntry,
  type RecipeListing,
  type RecipeLoadRecord,
  type RecipeSignatureRecord,
  type RecipeSource,
  type RecipeVersion,
  type RecipeVersionStorePort,
  type RecipeVersionSummary,
  type SaveDraftResult,
  type SeedFile,
  type TransitionRequest,
  type TransitionResult,
} from "../recipes/recipe-version-port.js";
import {
  type ContentRow,
  type HistoryRow,
  type LoadRow,
  type RecipeRow,
  SUMMARY_COLUMNS,
  type VersionRow,
  migrateRecipeTables,
  rowState,
  toHistory,
  toLoad,
  toSummary,
} from "./recipe-version-schema.js";
import { SCADA_DB_FILE } from "./user-store.js";

/** sha256 (hex) of the canonical JSON of a recipe: the version's content hash. */
export function recipeHash(recipe: Recipe): string {
  return createHash("sha256").update(canonicalJson(recipe)).digest("hex");
}

const blank = (text: string | null | undefined): boolean => (text ?? "").trim() === "";

function prepare(db: Database.Database) {
  return {
    recipe: db.prepare<[string], RecipeRow>("SELECT * FROM recipes WHERE alloy = ?"),
    recipes: db.prepare<[], RecipeRow>("SELECT * FROM recipes ORDER BY alloy"),
    insertRecipe: db.prepare<[string, string, string | null, number]>("INSERT OR IGNORE INTO recipes (alloy, source, file_sha256, created_at) VALUES (?, ?, ?, ?)"),
    summaries: db.prepare<[], VersionRow>(`SELECT ${SUMMARY_COLUMNS} FROM recipe_versions ORDER BY alloy, version`),
    version: db.prepare<[string, number], ContentRow>("SELECT * FROM recipe_versions WHERE alloy = ? AND version = ?"),
    approved: db.prepare<[string], ContentRow>("SELECT * FROM recipe_versions WHERE alloy = ? AND state = 'approved'"),
    lastVersion: db.prepare<[string], { n: number | null }>("SELECT max(version) AS n FROM recipe_versions WHERE alloy = ?"),
    insertVersion: db.prepare<ContentRow>(
      `INSERT INTO recipe_versions (${SUMMARY_COLUMNS}, content) VALUES (@alloy, @version, @state, @author, @created_at, @reason, ` +
        "@based_on, @content_hash, @revision, @updated_by, @updated_at, @source, @file_sha256, @content)",
    ),
    saveContent: db.prepare<{ alloy: string; version: number; revision: number; content: string; hash: string; by: string; at: number }>(
      "UPDATE recipe_versions SET content = @content, content_hash = @hash, revision = @revision + 1, updated_by = @by, updated_at = @at " +
        "WHERE alloy = @alloy AND version = @version AND revision = @revision AND state = 'draft'",
    ),
    setState: db.prepare<[string, string, number]>("UPDATE recipe_versions SET state = ? WHERE alloy = ? AND version = ?"),
    insertHistory: db.prepare<Omit<HistoryRow, "seq">>(
      "INSERT INTO recipe_history (alloy, version, from_state, to_state, by, at, meaning, reason, signature_name, signature_meaning, signature_time) " +
        "VALUES (@alloy, @version, @from_state, @to_state, @by, @at, @meaning, @reason, @signature_name, @signature_meaning, @signature_time)",
    ),
    historyOf: db.prepare<[string], HistoryRow>("SELECT * FROM recipe_history WHERE alloy = ? ORDER BY seq"),
    historyOfVersion: db.prepare<[string, number], HistoryRow>("SELECT * FROM recipe_history WHERE alloy = ? AND version = ? ORDER BY seq"),
    insertEdit: db.prepare<[string, number, number, string, number, string, string]>(
      "INSERT INTO recipe_draft_edits (alloy, version, revision, by, at, reason, content_hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
    ),
    edits: db.prepare<[string, number], Omit<RecipeDraftEdit, "hash"> & { content_hash: string }>(
      "SELECT alloy, version, revision, by, at, reason, content_hash FROM recipe_draft_edits WHERE alloy = ? AND version = ? ORDER BY revision",
    ),
    contributors: db.prepare<[string, number, string, number], { name: string }>(
      "SELECT by AS name FROM recipe_draft_edits WHERE alloy = ? AND version = ? " +
        "UNION SELECT by AS name FROM recipe_history WHERE alloy = ? AND version = ? AND to_state = 'in-review'",
    ),
    insertLoad: db.prepare<Omit<LoadRow, "seq">>(
      "INSERT INTO recipe_loads (alloy, version, at, by, mode, line_state, verdict, trial, detail) " +
        "VALUES (@alloy, @version, @at, @by, @mode, @line_state, @verdict, @trial, @detail)",
    ),
    loadsOf: db.prepare<[string], LoadRow>("SELECT * FROM recipe_loads WHERE alloy = ? ORDER BY seq"),
    loadsOfVersion: db.prepare<[string, number], LoadRow>("SELECT * FROM recipe_loads WHERE alloy = ? AND version = ? ORDER BY seq"),
  };
}

export class SqliteRecipeVersionStore implements RecipeVersionStorePort {
  private readonly db: Database.Database;
  private readonly stmt: ReturnType<typeof prepare>;

  /** Opens (creating if needed) `<dataDir>/scada.db` and its recipe tables. */
  static open(dataDir: string): SqliteRecipeVersionStore {
    mkdirSync(dataDir, { recursive: true });
    return new SqliteRecipeVersionStore(join(dataDir, SCADA_DB_FILE));
  }

  constructor(file: string) {
    this.db = openScadaDb(file);
    try {
      migrateRecipeTables(this.db, file);
      this.stmt = prepare(this.db);
    } catch (err) {
      this.db.close();
      throw err;
    }
  }

  private tx<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  seedFromFiles(files: readonly SeedFile[], now: number): string[] {
    for (const f of files) {
      if (f.recipe.alloy !== f.alloy) throw new Error(`seedFromFiles: recipes/${f.alloy}.yaml holds alloy '${f.recipe.alloy}'`);
      if (!/^[0-9a-f]{64}$/u.test(f.fileSha256)) throw new Error(`seedFromFiles: ${f.alloy}: fileSha256 must be 64 lower-case hex digits`);
    }
    return this.tx(() => {
      const seeded: string[] = [];
      for (const f of files) {
        if (this.stmt.recipe.get(f.alloy) !== undefined) continue;
        const reason = `${CONFIG_IMPORT_MEANING}: recipes/${f.alloy}.yaml, sha256 ${f.fileSha256}`;
        this.stmt.insertRecipe.run(f.alloy, "config", f.fileSha256, now);
        this.insertVersion({ alloy: f.alloy, version: 1, state: "approved", author: CONFIG_IMPORT_USER, reason, basedOn: null, recipe: f.recipe, now, source: "config", fileSha256: f.fileSha256 });
        this.addHistory(f.alloy, 1, null, "approved", { by: CONFIG_IMPORT_USER, now, meaning: CONFIG_IMPORT_MEANING, reason, signature: null });
        seeded.push(f.alloy);
      }
      return seeded;
    });
  }

  list(): RecipeListing[] {
    const byAlloy = new Map<string, RecipeVersionSummary[]>();
    for (const row of this.stmt.summaries.all()) {
      const versions = byAlloy.get(row.alloy) ?? [];
      versions.push(toSummary(row));
      byAlloy.set(row.alloy, versions);
    }
    return this.stmt.recipes.all().map((r) => {
      const versions = byAlloy.get(r.alloy) ?? [];
      const approved = versions.find((v) => v.state === "approved")?.version ?? null;
      return { alloy: r.alloy, source: r.source as RecipeSource, fileSha256: r.file_sha256, createdAt: r.created_at, approved, versions };
    });
  }

  get(alloy: string, v: number): RecipeVersion | undefined {
    const row = this.stmt.version.get(alloy, v);
    return row ? this.toVersion(row) : undefined;
  }

  approved(alloy: string): RecipeVersion | undefined {
    const row = this.stmt.approved.get(alloy);
    return row ? this.toVersion(row) : undefined;
  }

  history(alloy: string, v?: number): RecipeHistoryEntry[] {
    return (v === undefined ? this.stmt.historyOf.all(alloy) : this.stmt.historyOfVersion.all(alloy, v)).map(toHistory);
  }

  edits(alloy: string, v: number): RecipeDraftEdit[] {
    return this.stmt.edits.all(alloy, v).map(({ content_hash, ...e }) => ({ ...e, hash: content_hash }));
  }

  createDraft(d: NewDraft): CreateDraftResult {
    if (blank(d.reason)) return { ok: false, code: "reason-required", message: "a new version needs a reason" };
    if (d.recipe.alloy !== d.alloy) return { ok: false, code: "alloy-mismatch", message: `the recipe is for alloy '${d.recipe.alloy}', not '${d.alloy}'` };
    return this.tx((): CreateDraftResult => {
      if (d.basedOn !== null && this.stmt.version.get(d.alloy, d.basedOn) === undefined) {
        return { ok: false, code: "unknown-version", message: `recipe ${d.alloy} has no version ${d.basedOn}` };
      }
      this.stmt.insertRecipe.run(d.alloy, "user", null, d.now);
      const version = (this.stmt.lastVersion.get(d.alloy)?.n ?? 0) + 1;
      const hash = this.insertVersion({ alloy: d.alloy, version, state: "draft", author: d.author, reason: d.reason, basedOn: d.basedOn, recipe: d.recipe, now: d.now, source: "user", fileSha256: null });
      this.stmt.insertEdit.run(d.alloy, version, 1, d.author, d.now, d.reason, hash);
      const reason = d.basedOn === null ? d.reason : `based on version ${d.basedOn}: ${d.reason}`;
      this.addHistory(d.alloy, version, null, "draft", { by: d.author, now: d.now, meaning: DRAFT_CREATED_MEANING, reason, signature: null });
      return { ok: true, version: this.mustGet(d.alloy, version) };
    });
  }

  saveDraft(s: DraftSave): SaveDraftResult {
    if (blank(s.reason)) return { ok: false, code: "reason-required", message: "saving a draft needs a reason" };
    if (s.recipe.alloy !== s.alloy) return { ok: false, code: "alloy-mismatch", message: `the recipe is for alloy '${s.recipe.alloy}', not '${s.alloy}'` };
    return this.tx((): SaveDraftResult => {
      const row = this.stmt.version.get(s.alloy, s.v);
      if (row === undefined) return { ok: false, code: "unknown-version", message: `recipe ${s.alloy} has no version ${s.v}` };
      const current = rowState(row.state, `recipe ${s.alloy} v${s.v}`);
      if (current !== "draft") {
        return { ok: false, code: "not-a-draft", state: current, message: `recipe ${s.alloy} v${s.v} is ${current}: only a draft can be edited (a submitted version is immutable)` };
      }
      if (row.revision !== s.revision) {
        const stale = { changedBy: row.updated_by, changedAt: row.updated_at, revision: row.revision };
        return { ok: false, code: "stale", stale, message: `recipe ${s.alloy} v${s.v} was changed by ${row.updated_by} since revision ${s.revision} (now revision ${row.revision})` };
      }
      const content = canonicalJson(s.recipe);
      const hash = recipeHash(s.recipe);
      this.stmt.saveContent.run({ alloy: s.alloy, version: s.v, revision: s.revision, content, hash, by: s.by, at: s.now });
      this.stmt.insertEdit.run(s.alloy, s.v, s.revision + 1, s.by, s.now, s.reason, hash);
      return { ok: true, version: this.mustGet(s.alloy, s.v) };
    });
  }

  transition(t: TransitionRequest): TransitionResult {
    const sig = t.signature;
    if (sig === null || blank(sig.name) || blank(sig.meaning) || !Number.isFinite(sig.time)) {
      return { ok: false, code: "signature-invalid", message: "a state change is signed: it needs the signer's name, the meaning and the time" };
    }
    return this.tx((): TransitionResult => {
      const row = this.stmt.version.get(t.alloy, t.v);
      if (row === undefined) return { ok: false, code: "unknown-version", message: `recipe ${t.alloy} has no version ${t.v}` };
      const from = rowState(row.state, `recipe ${t.alloy} v${t.v}`);
      if (t.to === "superseded" || !isStateEdge(from, t.to)) {
        return { ok: false, code: "wrong-state", state: from, message: `recipe ${t.alloy} v${t.v} is ${from}: it cannot become ${t.to}` };
      }
      let superseded: number | null = null;
      if (t.to === "approved") {
        const old = this.stmt.approved.get(t.alloy);
        if (old !== undefined) {
          superseded = old.version;
          this.stmt.setState.run("superseded", t.alloy, old.version);
          const reason = `version ${t.v} approved`;
          this.addHistory(t.alloy, old.version, "approved", "superseded", { by: t.by, now: t.now, meaning: SUPERSEDED_MEANING, reason, signature: null });
        }
      }
      this.stmt.setState.run(t.to, t.alloy, t.v);
      this.addHistory(t.alloy, t.v, from, t.to, { by: t.by, now: t.now, meaning: t.meaning, reason: t.reason, signature: sig });
      return { ok: true, version: this.mustGet(t.alloy, t.v), superseded };
    });
  }

  recordLoad(l: NewRecipeLoad): RecipeLoadRecord {
    const row = { alloy: l.alloy, version: l.version, at: l.at, by: l.by, mode: l.mode, line_state: l.lineState, verdict: l.verdict, trial: l.trial ? 1 : 0, detail: l.detail };
    const seq = this.tx(() => Number(this.stmt.insertLoad.run(row).lastInsertRowid));
    return { ...l, seq };
  }

  loads(alloy: string, v?: number): RecipeLoadRecord[] {
    return (v === undefined ? this.stmt.loadsOf.all(alloy) : this.stmt.loadsOfVersion.all(alloy, v)).map(toLoad);
  }

  fileDiffers(alloy: string, fileSha256: string): boolean {
    const imported = this.stmt.recipe.get(alloy)?.file_sha256 ?? null;
    return imported !== null && imported !== fileSha256;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private toVersion(row: ContentRow): RecipeVersion {
    const names = this.stmt.contributors.all(row.alloy, row.version, row.alloy, row.version).map((r) => r.name);
    const contributors = [...new Set([row.author, ...names])];
    return { ...toSummary(row), recipe: JSON.parse(row.content) as Recipe, contributors };
  }

  private mustGet(alloy: string, v: number): RecipeVersion {
    const version = this.get(alloy, v);
    if (version === undefined) throw new Error(`recipe ${alloy} v${v} vanished inside its own transaction`);
    return version;
  }

  /** Inserts a version (revision 1); returns its content hash. */
  private insertVersion(v: {
    alloy: string;
    version: number;
    state: RecipeVersionState;
    author: string;
    reason: string;
    basedOn: number | null;
    recipe: Recipe;
    now: number;
    source: RecipeSource;
    fileSha256: string | null;
  }): string {
    const hash = recipeHash(v.recipe);
    this.stmt.insertVersion.run({
      alloy: v.alloy,
      version: v.version,
      state: v.state,
      author: v.author,
      created_at: v.now,
      reason: v.reason,
      based_on: v.basedOn,
      content_hash: hash,
      revision: 1,
      updated_by: v.author,
      updated_at: v.now,
      source: v.source,
      file_sha256: v.fileSha256,
      content: canonicalJson(v.recipe),
    });
    return hash;
  }

  private addHistory(
    alloy: string,
    version: number,
    from: RecipeVersionState | null,
    to: RecipeVersionState,
    e: { by: string; now: number; meaning: string; reason: string | null; signature: RecipeSignatureRecord | null },
  ): void {
    const s = e.signature;
    this.stmt.insertHistory.run({
      alloy,
      version,
      from_state: from,
      to_state: to,
      by: e.by,
      at: e.now,
      meaning: e.meaning,
      reason: blank(e.reason) ? null : e.reason,
      signature_name: s?.name ?? null,
      signature_meaning: s?.meaning ?? null,
      signature_time: s?.time ?? null,
    });
  }
}
