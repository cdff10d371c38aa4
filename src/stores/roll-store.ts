/**
 * Rolls, their recipe ranges, segment records, lab results, the tracker's state and the line's state
 * history in SQLite: `<dataDir>/scada.db` (the user store's file; WAL, synchronous = FULL, writers wait up
 * to 5 s for each other). The tables and the rules the database keeps itself are in roll-schema.ts; rows
 * and records in roll-rows.ts.
 *
 * Every write is one immediate transaction (a batch of segments, a split with its children, a lab entry
 * with its checks): all of it or nothing. Segments are streamed (`iterate()`, never all held) on a second,
 * read-only connection, so a report reading a roll never blocks the tracker writing the next segments
 * (better-sqlite3 refuses writes on a connection with a query under way); a stream reads the database as
 * it was when the stream began, and holds that snapshot until it is read to the end or returned (a `for …
 * of` that breaks returns it).
 *
 * A split child holds no segments or lab results of its own parent's metres: it reads its parent's within
 * [parent_from_m, parent_to_m), re-based into its own metres and indices (roll-rows.ts). Its recipe ranges
 * are copied, clipped and re-based, when it is made. Segment counts of a roll being made come from
 * segment_counts (kept by a trigger); a child's are counted over its stretch (the covering index on
 * roll_id, from_m, idx, verdict). Segments come in metre order (from_m, then idx): the tracker's metres
 * rise with its indices.
 */
import { openScadaDb } from "./scada-db.js";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type Database from "better-sqlite3";
import type { LabResult, LineStateEntry, NewLabResult, NewRoll, Roll, RollRecipeRange } from "../quality/roll-record.js";
import type { ReportSegment } from "../quality/roll-report-model.js";
import type { RollFilter, RollStorePort, SplitPiece } from "../quality/roll-store-port.js";
import type { SegmentRecord, SegmentVerdict } from "../quality/segment-record.js";
import {
  EPS_M,
  LAB_COLUMNS,
  type LabRow,
  type LineStateRow,
  REPORT_SEGMENT_COLUMNS,
  type RecipeRangeRow,
  type ReportSegmentRow,
  type RollRow,
  SEGMENT_COLUMNS,
  type SegmentRow,
  checkPieces,
  childId,
  clipRanges,
  labInPiece,
  labRow,
  lineStateRow,
  rebaseM,
  recipeRangeRow,
  rollState,
  sameRecipe,
  segmentRow,
  toLabResult,
  toLineState,
  toRecipeRange,
  lastRecipeParser,
  toReportSegment,
  toSegment,
  utcDay,
  zeroCounts,
} from "./roll-rows.js";
import { migrateRollTables } from "./roll-schema.js";
import { SCADA_DB_FILE } from "./user-store.js";

/** Where a roll's segments are: the roll that holds them and the stretch of its metres (a child's). */
interface Span {
  readonly holder: string;
  readonly fromM: number;
  readonly toM: number;
  readonly child: boolean;
}

const SEGMENTS_IN = "SELECT * FROM segments WHERE roll_id = ? AND from_m >= ? AND from_m < ? ORDER BY from_m, idx";
const REPORT_SEGMENTS_IN = `SELECT ${REPORT_SEGMENT_COLUMNS} FROM segments WHERE roll_id = ? AND from_m >= ? AND from_m < ? ORDER BY from_m, idx`;
const LAB_SELECT = `SELECT ${LAB_COLUMNS.split(", ").map((c) => `l.${c}`).join(", ")}, c.id AS corrected_by FROM lab_results l LEFT JOIN lab_results c ON c.corrects = l.id`;

const blank = (text: string | null | undefined): boolean => (text ?? "").trim() === "";

function finite(where: string, values: Record<string, number>): void {
  for (const [name, v] of Object.entries(values)) if (!Number.isFinite(v)) throw new Error(`${where}: ${name} must be a finite number (got ${v})`);
}

function prepare(db: Database.Database) {
  return {
    roll: db.prepare<[string], RollRow>("SELECT * FROM rolls WHERE id = ?"),
    open: db.prepare<[], RollRow>("SELECT * FROM rolls WHERE state = 'open'"),
    lastSeq: db.prepare<[string, string], { n: number | null }>("SELECT max(seq) AS n FROM rolls WHERE line = ? AND day = ? AND parent_id IS NULL"),
    insertRoll: db.prepare<RollRow>(
      "INSERT INTO rolls (id, line, day, seq, state, lot, started_at, ended_at, started_by, length_m, parent_id, parent_from_m, parent_to_m, split_by, split_at) " +
        "VALUES (@id, @line, @day, @seq, @state, @lot, @started_at, @ended_at, @started_by, @length_m, @parent_id, @parent_from_m, @parent_to_m, @split_by, @split_at)",
    ),
    list: db.prepare<{ from: number | null; to: number | null; lot: string | null; alloy: string | null; state: string | null; limit: number }, RollRow>(
      "SELECT * FROM rolls WHERE (@from IS NULL OR started_at >= @from) AND (@to IS NULL OR started_at < @to) AND (@lot IS NULL OR lot = @lot) " +
        "AND (@state IS NULL OR state = @state) AND (@alloy IS NULL OR EXISTS (SELECT 1 FROM roll_recipes r WHERE r.roll_id = rolls.id AND r.alloy = @alloy)) " +
        "ORDER BY started_at DESC, id DESC LIMIT @limit",
    ),
    children: db.prepare<[string], { id: string }>("SELECT id FROM rolls WHERE parent_id = ? ORDER BY id"),
    setLength: db.prepare<[number, string]>("UPDATE rolls SET length_m = ? WHERE id = ?"),
    end: db.prepare<[number, number, string]>("UPDATE rolls SET state = 'ended', ended_at = ?, length_m = ? WHERE id = ?"),
    markSplit: db.prepare<[string, number, string]>("UPDATE rolls SET state = 'split', split_by = ?, split_at = ? WHERE id = ?"),
    recipes: db.prepare<[string], RecipeRangeRow>("SELECT * FROM roll_recipes WHERE roll_id = ? ORDER BY from_m, rowid"),
    openRecipe: db.prepare<[string], RecipeRangeRow>("SELECT * FROM roll_recipes WHERE roll_id = ? AND to_m IS NULL"),
    closeRecipe: db.prepare<[number, string]>("UPDATE roll_recipes SET to_m = ? WHERE roll_id = ? AND to_m IS NULL"),
    insertRecipe: db.prepare<RecipeRangeRow>(
      "INSERT INTO roll_recipes (roll_id, from_m, to_m, alloy, version, hash, trial, approved_by, approved_at) " +
        "VALUES (@roll_id, @from_m, @to_m, @alloy, @version, @hash, @trial, @approved_by, @approved_at)",
    ),
    insertSegment: db.prepare<SegmentRow>(`INSERT INTO segments (${SEGMENT_COLUMNS.join(", ")}) VALUES (${SEGMENT_COLUMNS.map((c) => `@${c}`).join(", ")})`),
    storedCounts: db.prepare<[string], { verdict: string; n: number }>("SELECT verdict, n FROM segment_counts WHERE roll_id = ?"),
    countsIn: db.prepare<[string, number, number], { verdict: string; n: number }>(
      "SELECT verdict, count(*) AS n FROM segments WHERE roll_id = ? AND from_m >= ? AND from_m < ? GROUP BY verdict",
    ),
    firstIndex: db.prepare<[string, number], { idx: number }>("SELECT idx FROM segments WHERE roll_id = ? AND from_m >= ? ORDER BY from_m, idx LIMIT 1"),
    saveTracker: db.prepare<[string, number]>(
      "INSERT INTO tracker_state (id, json, updated_at) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET json = excluded.json, updated_at = excluded.updated_at",
    ),
    loadTracker: db.prepare<[], { json: string }>("SELECT json FROM tracker_state WHERE id = 1"),
    insertLab: db.prepare<Omit<LabRow, "id" | "corrected_by">>(
      `INSERT INTO lab_results (${LAB_COLUMNS.split(", ").slice(1).join(", ")}) VALUES (@roll_id, @at_m, @from_m, @to_m, @particle_size_nm, @alloy_content_pct, ` +
        "@xrd_match, @bet_m2g, @note, @disposition, @spec_findings, @in_spec, @by, @at, @corrects)",
    ),
    lab: db.prepare<[number], LabRow>(`${LAB_SELECT} WHERE l.id = ?`),
    labOf: db.prepare<[string], LabRow>(`${LAB_SELECT} WHERE l.roll_id = ? ORDER BY l.id`),
    insertLineState: db.prepare<Omit<LineStateRow, "seq">>(
      "INSERT INTO line_states (at, state, from_state, stop_reason, first_out, roll_id) VALUES (@at, @state, @from_state, @stop_reason, @first_out, @roll_id)",
    ),
    lineStates: db.prepare<[number, number, number], LineStateRow>(
      "SELECT * FROM (SELECT * FROM (SELECT * FROM line_states WHERE at < ? ORDER BY at DESC, seq DESC LIMIT 1) " +
        "UNION ALL SELECT * FROM line_states WHERE at >= ? AND at <= ?) ORDER BY at, seq",
    ),
  };
}

export class SqliteRollStore implements RollStorePort {
  private readonly db: Database.Database;
  /** Read-only, for the segment streams. */
  private readonly reader: Database.Database;
  private readonly stmt: ReturnType<typeof prepare>;

  /** Opens (creating if needed) `<dataDir>/scada.db` and its roll tables. */
  static open(dataDir: string): SqliteRollStore {
    mkdirSync(dataDir, { recursive: true });
    return new SqliteRollStore(join(dataDir, SCADA_DB_FILE));
  }

  constructor(file: string) {
    this.db = openScadaDb(file);
    try {
      migrateRollTables(this.db, file);
      this.stmt = prepare(this.db);
      this.reader = openScadaDb(file, { readonly: true });
    } catch (err) {
      this.db.close();
      throw err;
    }
  }

  private tx<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  createRoll(roll: NewRoll): Roll {
    if (blank(roll.line)) throw new Error("createRoll: a roll needs its line");
    if (blank(roll.startedBy)) throw new Error("createRoll: a roll needs who started it");
    finite("createRoll", { startedAt: roll.startedAt });
    return this.tx(() => {
      const open = this.stmt.open.get();
      if (open !== undefined) throw new Error(`createRoll: roll ${open.id} is still open: end it before starting another`);
      const day = utcDay(roll.startedAt);
      const seq = (this.stmt.lastSeq.get(roll.line, day)?.n ?? 0) + 1;
      const id = `${roll.line}-${day}-${String(seq).padStart(3, "0")}`;
      this.stmt.insertRoll.run({
        id, line: roll.line, day, seq, state: "open", lot: blank(roll.lot) ? null : roll.lot, started_at: roll.startedAt, ended_at: null,
        started_by: roll.startedBy, length_m: 0, parent_id: null, parent_from_m: null, parent_to_m: null, split_by: null, split_at: null,
      });
      return this.mustGet(id);
    });
  }

  currentRoll(): Roll | null {
    const row = this.stmt.open.get();
    return row === undefined ? null : this.toRoll(row);
  }

  getRoll(id: string): Roll | null {
    const row = this.stmt.roll.get(id);
    return row === undefined ? null : this.toRoll(row);
  }

  listRolls(filter: RollFilter = {}): Roll[] {
    const limit = filter.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`listRolls: limit must be a whole number ≥ 1 (got ${limit})`);
    const params = { from: filter.from ?? null, to: filter.to ?? null, lot: filter.lot ?? null, alloy: filter.alloy ?? null, state: filter.state ?? null, limit };
    return this.stmt.list.all(params).map((r) => this.toRoll(r));
  }

  setLength(id: string, lengthM: number): void {
    finite(`setLength ${id}`, { lengthM });
    this.tx(() => {
      const row = this.mustRow(id, "setLength");
      if (row.state !== "open") throw new Error(`setLength: roll ${id} is ${row.state}: only the open roll grows`);
      this.stmt.setLength.run(lengthM, id);
    });
  }

  endRoll(id: string, at: number, lengthM: number): void {
    finite(`endRoll ${id}`, { at, lengthM });
    this.tx(() => {
      const row = this.mustRow(id, "endRoll");
      if (row.state !== "open") throw new Error(`endRoll: roll ${id} is ${row.state}: only an open roll can end`);
      this.stmt.end.run(at, lengthM, id);
    });
  }

  addRecipeRange(id: string, range: Omit<RollRecipeRange, "toM">): void {
    finite(`addRecipeRange ${id}`, { fromM: range.fromM });
    this.tx(() => {
      const row = this.mustRow(id, "addRecipeRange");
      if (row.state === "split" || row.parent_id !== null) throw new Error(`addRecipeRange: roll ${id} is split or a split child: its recipes are fixed`);
      const open = this.stmt.openRecipe.get(id);
      if (open !== undefined) {
        if (sameRecipe(toRecipeRange(open), range)) return;
        if (range.fromM < open.from_m) throw new Error(`addRecipeRange: roll ${id}: ${range.fromM} m is before the recipe in effect since ${open.from_m} m`);
        this.stmt.closeRecipe.run(range.fromM, id);
      }
      this.stmt.insertRecipe.run(recipeRangeRow(id, range, null));
    });
  }

  appendSegments(records: readonly SegmentRecord[]): void {
    if (records.length === 0) return;
    this.tx(() => {
      for (const id of new Set(records.map((r) => r.rollId))) {
        const row = this.mustRow(id, "appendSegments");
        if (row.state === "split" || row.parent_id !== null) throw new Error(`appendSegments: roll ${id} is ${row.parent_id === null ? "split" : "a split child"}: segments are recorded on the roll being made`);
      }
      for (const s of records) {
        try {
          this.stmt.insertSegment.run(segmentRow(s));
        } catch (err) {
          if ((err as { code?: string }).code !== "SQLITE_CONSTRAINT_PRIMARYKEY") throw err;
          throw new Error(`appendSegments: segment ${s.index} of roll ${s.rollId} is already recorded: none of the ${records.length} segments of the batch was written`);
        }
      }
    });
  }

  segments(rollId: string, range: { readonly fromM?: number; readonly toM?: number } = {}): IterableIterator<SegmentRecord> {
    const span = this.span(rollId);
    const from = span.fromM + Math.max(0, range.fromM ?? 0);
    const to = Math.min(span.toM, span.fromM + (range.toM ?? Infinity));
    const base = span.child ? (this.stmt.firstIndex.get(span.holder, span.fromM - EPS_M)?.idx ?? 0) : 0;
    const reader = this.reader;
    return (function* stream(): Generator<SegmentRecord, void, undefined> {
      if (!(to > from)) return;
      // Prepared per stream: one statement cannot serve two streams at once.
      const rows = reader.prepare<[string, number, number], SegmentRow>(SEGMENTS_IN).iterate(span.holder, from - EPS_M, to - EPS_M);
      for (const row of rows) {
        const s = toSegment(row);
        yield span.child ? { ...s, rollId, index: s.index - base, fromM: rebaseM(s.fromM, span.fromM), toM: rebaseM(s.toM, span.fromM) } : s;
      }
    })();
  }

  reportSegments(rollId: string): IterableIterator<ReportSegment> {
    const span = this.span(rollId);
    const reader = this.reader;
    return (function* stream(): Generator<ReportSegment, void, undefined> {
      if (!(span.toM > span.fromM)) return;
      const rows = reader.prepare<[string, number, number], ReportSegmentRow>(REPORT_SEGMENTS_IN).iterate(span.holder, span.fromM - EPS_M, span.toM - EPS_M);
      const recipeOf = lastRecipeParser();
      for (const row of rows) {
        const s = toReportSegment(row, rollId, recipeOf);
        yield span.child ? { ...s, fromM: rebaseM(s.fromM, span.fromM), toM: rebaseM(s.toM, span.fromM) } : s;
      }
    })();
  }

  segmentCounts(rollId: string): Record<SegmentVerdict, number> {
    const span = this.span(rollId);
    const rows = span.child ? this.stmt.countsIn.all(span.holder, span.fromM - EPS_M, span.toM - EPS_M) : this.stmt.storedCounts.all(rollId);
    const counts = zeroCounts();
    for (const r of rows) if (r.verdict in counts) counts[r.verdict as SegmentVerdict] += r.n;
    return counts;
  }

  saveTrackerState(json: string): void {
    this.stmt.saveTracker.run(json, Date.now());
  }

  loadTrackerState(): string | null {
    return this.stmt.loadTracker.get()?.json ?? null;
  }

  addLabResult(result: NewLabResult): LabResult {
    const where = `addLabResult (roll ${result.rollId})`;
    finite(where, { atM: result.atM, fromM: result.fromM, toM: result.toM, at: result.at });
    if (result.toM < result.fromM) throw new Error(`${where}: the sample's stretch [${result.fromM}, ${result.toM}] ends before it begins`);
    if (blank(result.by)) throw new Error(`${where}: a lab result needs who entered it`);
    return this.tx(() => {
      this.mustRow(result.rollId, "addLabResult");
      if (result.corrects !== null) {
        const target = this.stmt.lab.get(result.corrects);
        if (target === undefined) throw new Error(`${where}: it corrects lab result ${result.corrects}, which does not exist`);
        if (target.roll_id !== result.rollId) {
          throw new Error(`${where}: it corrects lab result ${result.corrects}, which is of roll ${target.roll_id}: a correction is entered on the same roll`);
        }
        if (target.corrected_by !== null) {
          throw new Error(`${where}: lab result ${result.corrects} is already corrected by ${target.corrected_by}: correct that entry instead`);
        }
      }
      const id = Number(this.stmt.insertLab.run(labRow(result)).lastInsertRowid);
      return { ...result, id, correctedBy: null };
    });
  }

  labResults(rollId: string): LabResult[] {
    const row = this.mustRow(rollId, "labResults");
    const own = this.stmt.labOf.all(rollId).map(toLabResult);
    if (row.parent_id === null || row.parent_from_m === null || row.parent_to_m === null) return own;
    const { parent_from_m: from, parent_to_m: to } = row;
    const inherited = this.labResults(row.parent_id).flatMap((r) => labInPiece(r, rollId, from, to) ?? []);
    return [...inherited, ...own].sort((a, b) => a.id - b.id);
  }

  split(rollId: string, pieces: readonly SplitPiece[], by: string, at: number): Roll[] {
    if (blank(by)) throw new Error(`split ${rollId}: a split needs who made it`);
    finite(`split ${rollId}`, { at });
    return this.tx(() => {
      const row = this.stmt.roll.get(rollId);
      if (row === undefined) throw new Error(`split ${rollId}: no such roll`);
      if (row.state !== "ended") throw new Error(`split ${rollId}: the roll is ${row.state}: only an ended roll can be split`);
      checkPieces(rollId, pieces, row.length_m);
      const ranges = this.stmt.recipes.all(rollId).map(toRecipeRange);
      const ids = pieces.map((p, i) => {
        const id = childId(rollId, i);
        const child: RollRow = { ...row, id, length_m: rebaseM(p.toM, p.fromM), parent_id: rollId, parent_from_m: p.fromM, parent_to_m: p.toM };
        this.stmt.insertRoll.run(child);
        for (const r of clipRanges(ranges, p.fromM, p.toM)) this.stmt.insertRecipe.run(recipeRangeRow(id, r, r.toM));
        return id;
      });
      this.stmt.markSplit.run(by, at, rollId);
      return ids.map((id) => this.mustGet(id));
    });
  }

  appendLineState(entry: LineStateEntry): void {
    finite("appendLineState", { at: entry.at });
    if (blank(entry.state)) throw new Error("appendLineState: a line state entry needs its state");
    this.stmt.insertLineState.run(lineStateRow(entry));
  }

  lineStates(from: number, to: number): LineStateEntry[] {
    return this.stmt.lineStates.all(from, from, to).map(toLineState);
  }

  close(): void {
    if (this.reader.open) this.reader.close();
    if (this.db.open) this.db.close();
  }

  private mustRow(id: string, what: string): RollRow {
    const row = this.stmt.roll.get(id);
    if (row === undefined) throw new Error(`${what}: roll ${id} does not exist`);
    return row;
  }

  private mustGet(id: string): Roll {
    const roll = this.getRoll(id);
    if (roll === null) throw new Error(`roll ${id} vanished inside its own transaction`);
    return roll;
  }

  /** Where the roll's segments are: its own, or (a split child) its parent's stretch, up to the roll that was made. */
  private span(rollId: string): Span {
    const row = this.mustRow(rollId, "segments");
    if (row.parent_id === null || row.parent_from_m === null || row.parent_to_m === null) return { holder: rollId, fromM: 0, toM: Infinity, child: false };
    const up = this.span(row.parent_id);
    return { holder: up.holder, fromM: up.fromM + row.parent_from_m, toM: Math.min(up.toM, up.fromM + row.parent_to_m), child: true };
  }

  private toRoll(r: RollRow): Roll {
    const counts = this.segmentCounts(r.id);
    const parent = r.parent_id === null || r.parent_from_m === null || r.parent_to_m === null ? null : { id: r.parent_id, fromM: r.parent_from_m, toM: r.parent_to_m };
    return {
      id: r.id,
      line: r.line,
      state: rollState(r.state, `roll ${r.id}`),
      lot: r.lot,
      startedAt: r.started_at,
      endedAt: r.ended_at,
      lengthM: r.length_m,
      segmentsRecorded: Object.values(counts).reduce((a, b) => a + b, 0),
      recipes: this.stmt.recipes.all(r.id).map(toRecipeRange),
      counts,
      parent,
      children: this.stmt.children.all(r.id).map((c) => c.id),
      startedBy: r.started_by,
    };
  }
}
