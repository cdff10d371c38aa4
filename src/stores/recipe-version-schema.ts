/**
 * The recipe versions' tables in `<data>/scada.db` (beside the user tables), created on open. Their schema
 * version is kept in `store_schema_versions` under 'recipes' — not in `PRAGMA user_version`, which is the
 * user tables' (a second store bumping it would make the user store refuse the file).
 *
 * - recipes(alloy PK, source, file_sha256, created_at): one row per recipe, never changed
 * - recipe_versions(alloy, version PK, state, author, created_at, reason, based_on, content, content_hash,
 *   revision, updated_by, updated_at, source, file_sha256): content is the canonical JSON of the recipe and
 *   content_hash its sha256; only a draft's content / revision / updated_* and a version's state change
 * - recipe_history(seq, alloy, version, from_state, to_state, by, at, meaning, reason, signature_*): every
 *   state change, creation and import included (append-only)
 * - recipe_draft_edits(alloy, version, revision, by, at, reason, content_hash): every save of a draft
 *   (append-only)
 * - recipe_loads(seq, alloy, version, at, by, mode, line_state, verdict, trial, detail): where each version
 *   was used (append-only)
 *
 * The rules the store keeps are kept by the database as well: at most one approved version per recipe (a
 * partial unique index), state changes only along the lifecycle's edges, content frozen from submit on, no
 * version deleted, history / edits / loads never updated or deleted (triggers).
 *
 * Also here: the rows as SQLite hands them out, and how they become the port's records.
 */
import { appendOnlyTriggers, sqlList } from "./scada-db.js";
import type Database from "better-sqlite3";
import type { UnitMode } from "../control/packml-states.js";
import { RECIPE_STATE_EDGES, RECIPE_VERSION_STATES, type RecipeVersionState, isRecipeVersionState } from "../recipes/recipe-lifecycle.js";
import {
  RECIPE_LOAD_VERDICTS,
  type RecipeHistoryEntry,
  type RecipeLoadRecord,
  type RecipeLoadVerdict,
  type RecipeSignatureRecord,
  type RecipeSource,
  type RecipeVersionSummary,
} from "../recipes/recipe-version-port.js";

export const RECIPE_SCHEMA_AREA = "recipes";
export const RECIPE_SCHEMA_VERSION = 1;

const STATES = sqlList(RECIPE_VERSION_STATES);
const EDGES = RECIPE_STATE_EDGES.map((e) => `(OLD.state = '${e.from}' AND NEW.state = '${e.to}')`).join(" OR ");


const SCHEMA = `
CREATE TABLE IF NOT EXISTS recipes (
  alloy TEXT PRIMARY KEY,
  source TEXT NOT NULL CHECK (source IN ('config', 'user')),
  file_sha256 TEXT,
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE IF NOT EXISTS recipe_versions (
  alloy TEXT NOT NULL REFERENCES recipes (alloy),
  version INTEGER NOT NULL CHECK (version >= 1),
  state TEXT NOT NULL CHECK (state IN (${STATES})),
  author TEXT NOT NULL CHECK (author <> ''),
  created_at INTEGER NOT NULL,
  reason TEXT NOT NULL CHECK (trim(reason) <> ''),
  based_on INTEGER,
  content TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  revision INTEGER NOT NULL CHECK (revision >= 1),
  updated_by TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  source TEXT NOT NULL CHECK (source IN ('config', 'user')),
  file_sha256 TEXT,
  PRIMARY KEY (alloy, version),
  FOREIGN KEY (alloy, based_on) REFERENCES recipe_versions (alloy, version)
) STRICT;

CREATE UNIQUE INDEX IF NOT EXISTS recipe_versions_one_approved ON recipe_versions (alloy) WHERE state = 'approved';

CREATE TABLE IF NOT EXISTS recipe_history (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  alloy TEXT NOT NULL,
  version INTEGER NOT NULL,
  from_state TEXT CHECK (from_state IN (${STATES})),
  to_state TEXT NOT NULL CHECK (to_state IN (${STATES})),
  by TEXT NOT NULL,
  at INTEGER NOT NULL,
  meaning TEXT NOT NULL,
  reason TEXT,
  signature_name TEXT,
  signature_meaning TEXT,
  signature_time INTEGER,
  FOREIGN KEY (alloy, version) REFERENCES recipe_versions (alloy, version)
) STRICT;
CREATE INDEX IF NOT EXISTS recipe_history_version ON recipe_history (alloy, version);

CREATE TABLE IF NOT EXISTS recipe_draft_edits (
  alloy TEXT NOT NULL,
  version INTEGER NOT NULL,
  revision INTEGER NOT NULL,
  by TEXT NOT NULL,
  at INTEGER NOT NULL,
  reason TEXT NOT NULL CHECK (trim(reason) <> ''),
  content_hash TEXT NOT NULL,
  PRIMARY KEY (alloy, version, revision),
  FOREIGN KEY (alloy, version) REFERENCES recipe_versions (alloy, version)
) STRICT;

CREATE TABLE IF NOT EXISTS recipe_loads (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  alloy TEXT NOT NULL,
  version INTEGER NOT NULL,
  at INTEGER NOT NULL,
  by TEXT NOT NULL,
  mode TEXT NOT NULL,
  line_state TEXT NOT NULL,
  verdict TEXT NOT NULL CHECK (verdict IN (${sqlList(RECIPE_LOAD_VERDICTS)})),
  trial INTEGER NOT NULL CHECK (trial IN (0, 1)),
  detail TEXT,
  FOREIGN KEY (alloy, version) REFERENCES recipe_versions (alloy, version)
) STRICT;
CREATE INDEX IF NOT EXISTS recipe_loads_version ON recipe_loads (alloy, version);

${appendOnlyTriggers("recipes")}
${appendOnlyTriggers("recipe_history")}
${appendOnlyTriggers("recipe_draft_edits")}
${appendOnlyTriggers("recipe_loads")}

CREATE TRIGGER IF NOT EXISTS recipe_versions_no_delete BEFORE DELETE ON recipe_versions
BEGIN SELECT RAISE(ABORT, 'recipe versions are never deleted'); END;

CREATE TRIGGER IF NOT EXISTS recipe_versions_identity BEFORE UPDATE ON recipe_versions
WHEN NEW.alloy IS NOT OLD.alloy OR NEW.version IS NOT OLD.version OR NEW.author IS NOT OLD.author
  OR NEW.created_at IS NOT OLD.created_at OR NEW.reason IS NOT OLD.reason OR NEW.based_on IS NOT OLD.based_on
  OR NEW.source IS NOT OLD.source OR NEW.file_sha256 IS NOT OLD.file_sha256
BEGIN SELECT RAISE(ABORT, 'a recipe version''s identity, author and reason never change'); END;

CREATE TRIGGER IF NOT EXISTS recipe_versions_frozen BEFORE UPDATE ON recipe_versions
WHEN OLD.state <> 'draft' AND (NEW.content IS NOT OLD.content OR NEW.content_hash IS NOT OLD.content_hash
  OR NEW.revision IS NOT OLD.revision OR NEW.updated_by IS NOT OLD.updated_by OR NEW.updated_at IS NOT OLD.updated_at)
BEGIN SELECT RAISE(ABORT, 'a recipe version is immutable once submitted'); END;

CREATE TRIGGER IF NOT EXISTS recipe_versions_lifecycle BEFORE UPDATE OF state ON recipe_versions
WHEN NEW.state <> OLD.state AND NOT (${EDGES})
BEGIN SELECT RAISE(ABORT, 'not a recipe lifecycle transition'); END;
`;

/**
 * Creates the tables (if missing) and records their version; a database whose recipe tables are newer than
 * this program is refused (the connection is left to the caller to close).
 */
export function migrateRecipeTables(db: Database.Database, file: string): void {
  db.exec("CREATE TABLE IF NOT EXISTS store_schema_versions (area TEXT PRIMARY KEY, version INTEGER NOT NULL) STRICT");
  const row = db.prepare<[string], { version: number }>("SELECT version FROM store_schema_versions WHERE area = ?").get(RECIPE_SCHEMA_AREA);
  const found = row?.version ?? 0;
  if (found > RECIPE_SCHEMA_VERSION) {
    throw new Error(`${file}: recipe tables are version ${found}, newer than this program knows (${RECIPE_SCHEMA_VERSION})`);
  }
  db.transaction(() => {
    db.exec(SCHEMA);
    if (found < RECIPE_SCHEMA_VERSION) {
      db.prepare("INSERT OR REPLACE INTO store_schema_versions (area, version) VALUES (?, ?)").run(RECIPE_SCHEMA_AREA, RECIPE_SCHEMA_VERSION);
    }
  }).immediate();
}

export const SUMMARY_COLUMNS =
  "alloy, version, state, author, created_at, reason, based_on, content_hash, revision, updated_by, updated_at, source, file_sha256";

export interface VersionRow {
  alloy: string;
  version: number;
  state: string;
  author: string;
  created_at: number;
  reason: string;
  based_on: number | null;
  content_hash: string;
  revision: number;
  updated_by: string;
  updated_at: number;
  source: string;
  file_sha256: string | null;
}
export type ContentRow = VersionRow & { content: string };

export interface HistoryRow {
  seq: number;
  alloy: string;
  version: number;
  from_state: string | null;
  to_state: string;
  by: string;
  at: number;
  meaning: string;
  reason: string | null;
  signature_name: string | null;
  signature_meaning: string | null;
  signature_time: number | null;
}

export interface LoadRow {
  seq: number;
  alloy: string;
  version: number;
  at: number;
  by: string;
  mode: string;
  line_state: string;
  verdict: string;
  trial: number;
  detail: string | null;
}

export interface RecipeRow {
  alloy: string;
  source: string;
  file_sha256: string | null;
  created_at: number;
}

export function rowState(value: string, where: string): RecipeVersionState {
  // A state this program does not know (a newer version wrote it) is refused loudly, never guessed.
  if (!isRecipeVersionState(value)) throw new Error(`${where}: unknown recipe version state '${value}'`);
  return value;
}

export function toSummary(r: VersionRow): RecipeVersionSummary {
  return {
    alloy: r.alloy,
    version: r.version,
    state: rowState(r.state, `recipe ${r.alloy} v${r.version}`),
    author: r.author,
    createdAt: r.created_at,
    reason: r.reason,
    basedOn: r.based_on,
    hash: r.content_hash,
    revision: r.revision,
    updatedBy: r.updated_by,
    updatedAt: r.updated_at,
    source: r.source as RecipeSource,
    fileSha256: r.file_sha256,
  };
}

export function toHistory(r: HistoryRow): RecipeHistoryEntry {
  const signature: RecipeSignatureRecord | null =
    r.signature_name === null ? null : { name: r.signature_name, meaning: r.signature_meaning ?? "", time: r.signature_time ?? 0 };
  const where = `recipe ${r.alloy} v${r.version} history ${r.seq}`;
  const from = r.from_state === null ? null : rowState(r.from_state, where);
  return { seq: r.seq, alloy: r.alloy, version: r.version, from, to: rowState(r.to_state, where), by: r.by, at: r.at, meaning: r.meaning, reason: r.reason, signature };
}

export function toLoad(r: LoadRow): RecipeLoadRecord {
  return {
    seq: r.seq,
    alloy: r.alloy,
    version: r.version,
    at: r.at,
    by: r.by,
    mode: r.mode as UnitMode,
    lineState: r.line_state,
    verdict: r.verdict as RecipeLoadVerdict,
    trial: r.trial === 1,
    detail: r.detail,
  };
}
