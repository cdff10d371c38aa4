/**
 * The roll store's tables in `<data>/scada.db` (beside the user and recipe tables), created on open. Their
 * schema version is kept in `store_schema_versions` under 'rolls' — not in `PRAGMA user_version`, which is
 * the user tables'.
 *
 * - rolls(id PK, line, day, seq, state, lot, started_at, ended_at, started_by, length_m, parent_id,
 *   parent_from_m, parent_to_m, split_by, split_at): id `<line>-<day>-<seq, 3 digits>` (day = UTC
 *   YYYYMMDD of started_at, seq 1, 2 … per line and day); a split's children `<parent>-A`, `-B` … carry
 *   the parent's day and seq and the parent's metres they take ([parent_from_m, parent_to_m))
 * - roll_recipes(roll_id, from_m, to_m, alloy, version, hash, trial, approved_by, approved_at): the recipe
 *   (version) in effect over [from_m, to_m); to_m NULL while it is the one in effect
 * - segments(roll_id, idx PK, from_m, to_m, verdict, reasons, passages, one column per figure, recipe,
 *   bypasses, trips, critical_alarms, signals, closed_at): one closed segment record (JSON for the
 *   structured parts); only the roll being made has segments of its own — a child reads its parent's
 *   (index on roll_id, from_m, idx, verdict: metre ranges in order, and a child's counts, from the index)
 * - segment_counts(roll_id, verdict PK, n): segments per verdict, kept by a trigger on segments
 * - lab_results(id, roll_id, at_m, from_m, to_m, particle_size_nm, alloy_content_pct, xrd_match, bet_m2g,
 *   note, disposition, spec_findings, in_spec, by, at, corrects): QA's entries; a correction is a new entry
 *   naming the one it corrects (of the same roll, each entry corrected at most once)
 * - tracker_state(id = 1, json, updated_at): the segment tracker's state (machine state, overwritten)
 * - line_states(seq, at, state, from_state, stop_reason, first_out, roll_id): every PackML state change
 *
 * The rules the store keeps are kept by the database as well: at most one open roll (a partial unique
 * index), one roll number per line and day, a roll's state only open → ended → split, its identity never
 * changed, its length and end time frozen once ended, a split roll frozen, no roll deleted; a recipe range
 * only ever closed (to_m set once), at most one open per roll; segments, lab results and line states
 * never updated or deleted, segments never written to a split roll or a child (triggers).
 */
import { appendOnlyTriggers, sqlList } from "./scada-db.js";
import type Database from "better-sqlite3";
import { LAB_DISPOSITIONS, ROLL_STATES } from "../quality/roll-record.js";
import { SEGMENT_VERDICTS } from "../quality/segment-record.js";

export const ROLL_SCHEMA_AREA = "rolls";
export const ROLL_SCHEMA_VERSION = 1;



const ROLLS = `
CREATE TABLE IF NOT EXISTS rolls (
  id TEXT PRIMARY KEY,
  line TEXT NOT NULL CHECK (trim(line) <> ''),
  day TEXT NOT NULL CHECK (length(day) = 8),
  seq INTEGER NOT NULL CHECK (seq >= 1),
  state TEXT NOT NULL CHECK (state IN (${sqlList(ROLL_STATES)})),
  lot TEXT,
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  started_by TEXT NOT NULL CHECK (trim(started_by) <> ''),
  length_m REAL NOT NULL CHECK (length_m >= 0),
  parent_id TEXT REFERENCES rolls (id),
  parent_from_m REAL,
  parent_to_m REAL,
  split_by TEXT,
  split_at INTEGER,
  CHECK ((parent_id IS NULL) = (parent_from_m IS NULL) AND (parent_id IS NULL) = (parent_to_m IS NULL)),
  CHECK (parent_from_m IS NULL OR (parent_from_m >= 0 AND parent_to_m > parent_from_m)),
  CHECK (state = 'open' OR ended_at IS NOT NULL),
  CHECK ((state = 'split') = (split_by IS NOT NULL AND split_at IS NOT NULL))
) STRICT;
CREATE UNIQUE INDEX IF NOT EXISTS rolls_one_open ON rolls (state) WHERE state = 'open';
CREATE UNIQUE INDEX IF NOT EXISTS rolls_number ON rolls (line, day, seq) WHERE parent_id IS NULL;
CREATE INDEX IF NOT EXISTS rolls_started ON rolls (started_at);
CREATE INDEX IF NOT EXISTS rolls_children ON rolls (parent_id) WHERE parent_id IS NOT NULL;

CREATE TRIGGER IF NOT EXISTS rolls_start BEFORE INSERT ON rolls
WHEN (NEW.parent_id IS NULL AND NEW.state <> 'open')
  OR (NEW.parent_id IS NOT NULL AND (NEW.state <> 'ended' OR (SELECT state FROM rolls WHERE id = NEW.parent_id) IS NOT 'ended'))
BEGIN SELECT RAISE(ABORT, 'a roll starts open; a split child starts ended, made from an ended roll'); END;

CREATE TRIGGER IF NOT EXISTS rolls_no_delete BEFORE DELETE ON rolls
BEGIN SELECT RAISE(ABORT, 'rolls are never deleted'); END;

CREATE TRIGGER IF NOT EXISTS rolls_identity BEFORE UPDATE ON rolls
WHEN NEW.id IS NOT OLD.id OR NEW.line IS NOT OLD.line OR NEW.day IS NOT OLD.day OR NEW.seq IS NOT OLD.seq
  OR NEW.lot IS NOT OLD.lot OR NEW.started_at IS NOT OLD.started_at OR NEW.started_by IS NOT OLD.started_by
  OR NEW.parent_id IS NOT OLD.parent_id OR NEW.parent_from_m IS NOT OLD.parent_from_m OR NEW.parent_to_m IS NOT OLD.parent_to_m
BEGIN SELECT RAISE(ABORT, 'a roll''s identity, lot, start and parent never change'); END;

CREATE TRIGGER IF NOT EXISTS rolls_lifecycle BEFORE UPDATE OF state ON rolls
WHEN NEW.state IS NOT OLD.state AND NOT ((OLD.state = 'open' AND NEW.state = 'ended') OR (OLD.state = 'ended' AND NEW.state = 'split'))
BEGIN SELECT RAISE(ABORT, 'a roll goes only open → ended → split'); END;

CREATE TRIGGER IF NOT EXISTS rolls_ended_frozen BEFORE UPDATE ON rolls
WHEN OLD.state <> 'open' AND (NEW.length_m IS NOT OLD.length_m OR NEW.ended_at IS NOT OLD.ended_at)
BEGIN SELECT RAISE(ABORT, 'an ended roll''s length and end never change'); END;

CREATE TRIGGER IF NOT EXISTS rolls_split_frozen BEFORE UPDATE ON rolls
WHEN OLD.state = 'split'
BEGIN SELECT RAISE(ABORT, 'a split roll never changes'); END;
`;

const RECIPES = `
CREATE TABLE IF NOT EXISTS roll_recipes (
  roll_id TEXT NOT NULL REFERENCES rolls (id),
  from_m REAL NOT NULL CHECK (from_m >= 0),
  to_m REAL CHECK (to_m IS NULL OR to_m >= from_m),
  alloy TEXT NOT NULL CHECK (trim(alloy) <> ''),
  version INTEGER,
  hash TEXT,
  trial INTEGER NOT NULL CHECK (trial IN (0, 1)),
  approved_by TEXT,
  approved_at INTEGER
) STRICT;
CREATE INDEX IF NOT EXISTS roll_recipes_roll ON roll_recipes (roll_id, from_m);
CREATE INDEX IF NOT EXISTS roll_recipes_alloy ON roll_recipes (alloy, roll_id);
CREATE UNIQUE INDEX IF NOT EXISTS roll_recipes_one_open ON roll_recipes (roll_id) WHERE to_m IS NULL;

CREATE TRIGGER IF NOT EXISTS roll_recipes_no_delete BEFORE DELETE ON roll_recipes
BEGIN SELECT RAISE(ABORT, 'recipe ranges are never deleted'); END;

CREATE TRIGGER IF NOT EXISTS roll_recipes_close_only BEFORE UPDATE ON roll_recipes
WHEN OLD.to_m IS NOT NULL OR NEW.to_m IS NULL OR NEW.roll_id IS NOT OLD.roll_id OR NEW.from_m IS NOT OLD.from_m
  OR NEW.alloy IS NOT OLD.alloy OR NEW.version IS NOT OLD.version OR NEW.hash IS NOT OLD.hash OR NEW.trial IS NOT OLD.trial
  OR NEW.approved_by IS NOT OLD.approved_by OR NEW.approved_at IS NOT OLD.approved_at
BEGIN SELECT RAISE(ABORT, 'a recipe range is only ever closed, once'); END;
`;

const SEGMENTS = `
CREATE TABLE IF NOT EXISTS segments (
  roll_id TEXT NOT NULL REFERENCES rolls (id),
  idx INTEGER NOT NULL CHECK (idx >= 0),
  from_m REAL NOT NULL,
  to_m REAL NOT NULL CHECK (to_m >= from_m),
  verdict TEXT NOT NULL CHECK (verdict IN (${sqlList(SEGMENT_VERDICTS)})),
  reasons TEXT NOT NULL,
  passages TEXT NOT NULL,
  peak_k REAL,
  time_in_band_s REAL,
  max_heating_kps REAL,
  max_cooling_kps REAL,
  o2_max_ppm REAL,
  ar_min_lpm REAL,
  pulses INTEGER NOT NULL,
  partial_pulses INTEGER NOT NULL,
  quench_gas_min_lpm REAL,
  coolant_min_lpm REAL,
  exit_temp_k REAL,
  exit_conductivity_us_cm REAL,
  areal_loading_mg_cm2 REAL,
  recipe TEXT,
  bypasses TEXT NOT NULL,
  trips TEXT NOT NULL,
  critical_alarms TEXT NOT NULL,
  signals TEXT NOT NULL,
  closed_at INTEGER NOT NULL,
  PRIMARY KEY (roll_id, idx)
) STRICT;
CREATE INDEX IF NOT EXISTS segments_metres ON segments (roll_id, from_m, idx, verdict);

CREATE TABLE IF NOT EXISTS segment_counts (
  roll_id TEXT NOT NULL,
  verdict TEXT NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (roll_id, verdict)
) STRICT;

CREATE TRIGGER IF NOT EXISTS segments_own_roll BEFORE INSERT ON segments
WHEN (SELECT state = 'split' OR parent_id IS NOT NULL FROM rolls WHERE id = NEW.roll_id)
BEGIN SELECT RAISE(ABORT, 'segments are recorded on the roll being made, never on a split roll or a split child'); END;

CREATE TRIGGER IF NOT EXISTS segments_count AFTER INSERT ON segments
BEGIN
  INSERT INTO segment_counts (roll_id, verdict, n) VALUES (NEW.roll_id, NEW.verdict, 1)
  ON CONFLICT (roll_id, verdict) DO UPDATE SET n = n + 1;
END;
${appendOnlyTriggers("segments")}
`;

const LAB = `
CREATE TABLE IF NOT EXISTS lab_results (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  roll_id TEXT NOT NULL REFERENCES rolls (id),
  at_m REAL NOT NULL,
  from_m REAL NOT NULL,
  to_m REAL NOT NULL CHECK (to_m >= from_m),
  particle_size_nm REAL,
  alloy_content_pct REAL,
  xrd_match INTEGER CHECK (xrd_match IN (0, 1)),
  bet_m2g REAL,
  note TEXT NOT NULL,
  disposition TEXT NOT NULL CHECK (disposition IN (${sqlList(LAB_DISPOSITIONS)})),
  spec_findings TEXT NOT NULL,
  in_spec INTEGER NOT NULL CHECK (in_spec IN (0, 1)),
  by TEXT NOT NULL CHECK (trim(by) <> ''),
  at INTEGER NOT NULL,
  corrects INTEGER UNIQUE REFERENCES lab_results (id)
) STRICT;
CREATE INDEX IF NOT EXISTS lab_results_roll ON lab_results (roll_id, id);

CREATE TRIGGER IF NOT EXISTS lab_results_same_roll BEFORE INSERT ON lab_results
WHEN NEW.corrects IS NOT NULL AND (SELECT roll_id FROM lab_results WHERE id = NEW.corrects) IS NOT NEW.roll_id
BEGIN SELECT RAISE(ABORT, 'a lab correction names an entry of the same roll'); END;
${appendOnlyTriggers("lab_results")}
`;

const MACHINE = `
CREATE TABLE IF NOT EXISTS tracker_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  json TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE IF NOT EXISTS line_states (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  state TEXT NOT NULL,
  from_state TEXT,
  stop_reason TEXT,
  first_out TEXT,
  roll_id TEXT
) STRICT;
CREATE INDEX IF NOT EXISTS line_states_at ON line_states (at, seq);
${appendOnlyTriggers("line_states")}
`;

/**
 * Creates the tables (if missing) and records their version; a database whose roll tables are newer than
 * this program is refused (the connection is left to the caller to close).
 */
export function migrateRollTables(db: Database.Database, file: string): void {
  db.exec("CREATE TABLE IF NOT EXISTS store_schema_versions (area TEXT PRIMARY KEY, version INTEGER NOT NULL) STRICT");
  const row = db.prepare<[string], { version: number }>("SELECT version FROM store_schema_versions WHERE area = ?").get(ROLL_SCHEMA_AREA);
  const found = row?.version ?? 0;
  if (found > ROLL_SCHEMA_VERSION) {
    throw new Error(`${file}: roll tables are version ${found}, newer than this program knows (${ROLL_SCHEMA_VERSION})`);
  }
  db.transaction(() => {
    db.exec(ROLLS + RECIPES + SEGMENTS + LAB + MACHINE);
    if (found < ROLL_SCHEMA_VERSION) {
      db.prepare("INSERT OR REPLACE INTO store_schema_versions (area, version) VALUES (?, ?)").run(ROLL_SCHEMA_AREA, ROLL_SCHEMA_VERSION);
    }
  }).immediate();
}
