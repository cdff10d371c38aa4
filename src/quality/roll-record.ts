/**
 * Rolls, their recipe ranges, lab results and QA dispositions, and the line's state history: the records the
 * roll store keeps (pure types). People's records (lab results, dispositions) are append-only: a correction
 * is a new entry that names the one it corrects.
 */
import type { RecipeRef, SegmentVerdict } from "./segment-record.js";

/** open: being made · ended: no more metres (Complete, or a roll change), its tail may still be in the line · split: replaced by its children. */
export const ROLL_STATES = ["open", "ended", "split"] as const;
export type RollState = (typeof ROLL_STATES)[number];

/** A recipe (version) in effect over a stretch of the roll, with who approved it. */
export interface RollRecipeRange extends RecipeRef {
  readonly fromM: number;
  /** null while it is the one in effect. */
  readonly toM: number | null;
  /** The approval signature of that version (null for a trial or a file-only recipe). */
  readonly approvedBy: string | null;
  readonly approvedAt: number | null;
}

export interface Roll {
  /** `<line>-YYYYMMDD-NNN`; a split's children `<parent>-A`, `-B` … */
  readonly id: string;
  readonly line: string;
  readonly state: RollState;
  /** Precursor lot number entered at start (null: none was entered). */
  readonly lot: string | null;
  readonly startedAt: number;
  readonly endedAt: number | null;
  /** Metres made (through the HTR zone). */
  readonly lengthM: number;
  /** Segments recorded (closed) so far. */
  readonly segmentsRecorded: number;
  readonly recipes: readonly RollRecipeRange[];
  readonly counts: Readonly<Record<SegmentVerdict, number>>;
  /** A split child: its parent and the parent's metres it covers. */
  readonly parent: { readonly id: string; readonly fromM: number; readonly toM: number } | null;
  readonly children: readonly string[];
  readonly startedBy: string;
}

/** What a new roll starts with. */
export interface NewRoll {
  readonly line: string;
  readonly lot: string | null;
  readonly startedAt: number;
  readonly startedBy: string;
}

export const LAB_DISPOSITIONS = ["accept", "hold", "reject"] as const;
export type LabDisposition = (typeof LAB_DISPOSITIONS)[number];

/** A lab result as QA enters it. */
export interface NewLabResult {
  readonly rollId: string;
  /** Roll metre where the sample was cut. */
  readonly atM: number;
  /** The stretch of web the sample stands for (default: atM ± half the configured sample span). */
  readonly fromM: number;
  readonly toM: number;
  readonly particleSizeNm: number | null;
  readonly alloyContentPct: number | null;
  readonly xrdMatch: boolean | null;
  readonly betM2g: number | null;
  readonly note: string;
  /** QA's disposition of the segments it covers. */
  readonly disposition: LabDisposition;
  /** The spec check against the recipe's product specification: each finding in words. */
  readonly specFindings: readonly string[];
  readonly inSpec: boolean;
  readonly by: string;
  readonly at: number;
  /** The entry this one corrects (never overwritten). */
  readonly corrects: number | null;
}

export interface LabResult extends NewLabResult {
  readonly id: number;
  /** A later entry corrected this one. */
  readonly correctedBy: number | null;
}

/** One change of the line's PackML state, for OEE and the downtime Pareto. */
export interface LineStateEntry {
  readonly at: number;
  readonly state: string;
  readonly from: string | null;
  /** The stop reason (code) in force when it entered this state, if any. */
  readonly stopReason: string | null;
  /** The first-out interlock at that moment, if any. */
  readonly firstOut: string | null;
  /** The open roll then. */
  readonly rollId: string | null;
}
