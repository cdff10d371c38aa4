/**
 * What the roll service needs of the roll store (implemented by src/stores/roll-store.ts, SQLite in
 * `<data>/scada.db`). Segments and people's records (lab results) are append-only; a segment is written once
 * (a second write of the same roll + index is refused: nothing is doubled).
 */
import type { LabResult, LineStateEntry, NewLabResult, NewRoll, Roll, RollRecipeRange, RollState } from "./roll-record.js";
import type { SegmentRecord, SegmentVerdict } from "./segment-record.js";
import type { ReportSegment } from "./roll-report-model.js";

export interface RollFilter {
  /** Rolls started at or after / before (epoch ms). */
  readonly from?: number;
  readonly to?: number;
  readonly lot?: string;
  readonly alloy?: string;
  readonly state?: RollState;
  /** Newest first; default 100. */
  readonly limit?: number;
}

/** A child of a split: the parent's metres it takes. */
export interface SplitPiece {
  readonly fromM: number;
  readonly toM: number;
}

export interface RollStorePort {
  /** Creates the roll with the next id of its day (`<line>-YYYYMMDD-NNN`, UTC date of startedAt). */
  createRoll(roll: NewRoll): Roll;
  /** The open roll, if any (at most one). */
  currentRoll(): Roll | null;
  getRoll(id: string): Roll | null;
  listRolls(filter?: RollFilter): Roll[];
  /** Metres made so far (the service updates it as the roll grows). */
  setLength(id: string, lengthM: number): void;
  /** open → ended. */
  endRoll(id: string, at: number, lengthM: number): void;
  /** A recipe (version) takes effect at `fromM`: the range before it ends there. */
  addRecipeRange(id: string, range: Omit<RollRecipeRange, "toM">): void;
  /** Writes closed segments in one transaction; throws (nothing written) if one of them is already there. */
  appendSegments(records: readonly SegmentRecord[]): void;
  /**
   * The roll's segments in order, streamed from the database (not all held), within [fromM, toM) when given.
   * For a split child: the parent's segments of its range, in the child's own metres and indices.
   */
  segments(rollId: string, range?: { readonly fromM?: number; readonly toM?: number }): IterableIterator<SegmentRecord>;
  /** The same segments as `segments`, with only what the roll report reads (no passages, no signal uses). */
  reportSegments(rollId: string): IterableIterator<ReportSegment>;
  /** Per verdict. */
  segmentCounts(rollId: string): Record<SegmentVerdict, number>;
  /** The tracker's state (JSON), kept so a restart continues the roll without losing or doubling a segment. */
  saveTrackerState(json: string): void;
  loadTrackerState(): string | null;
  addLabResult(result: NewLabResult): LabResult;
  /** Oldest first, corrections included (each names the one it corrects). */
  labResults(rollId: string): LabResult[];
  /** Splits an ended roll into children (ids `<id>-A`, `-B` …); the parent becomes `split`. */
  split(rollId: string, pieces: readonly SplitPiece[], by: string, at: number): Roll[];
  appendLineState(entry: LineStateEntry): void;
  /** State changes in [from, to], plus the last one before `from` (the state the window opened in). */
  lineStates(from: number, to: number): LineStateEntry[];
  close(): void;
}
