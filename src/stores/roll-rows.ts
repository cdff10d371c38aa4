/**
 * The roll store's rows as SQLite hands them out, how they become the port's records (and back), and the
 * metre arithmetic of split children: a child's metres are its parent's minus where it begins, rounded to
 * the micrometre (so a child of a child comes out the same whichever way it is reckoned), and a boundary
 * is compared with half a micrometre to spare (a segment at 10.299999999999 m starts at 10.3 m).
 */
import type { ReportSegment } from "../quality/roll-report-model.js";
import type { SplitPiece } from "../quality/roll-store-port.js";
import {
  LAB_DISPOSITIONS,
  type LabDisposition,
  type LabResult,
  type LineStateEntry,
  type NewLabResult,
  ROLL_STATES,
  type RollRecipeRange,
  type RollState,
} from "../quality/roll-record.js";
import { type RecipeRef, SEGMENT_VERDICTS, type SegmentRecord, type SegmentVerdict } from "../quality/segment-record.js";

/** Half a micrometre: the slack of a metre boundary. */
export const EPS_M = 5e-7;

/** `m` in the metres of something that begins at `base`, to the micrometre. */
export const rebaseM = (m: number, base: number): number => Math.round((m - base) * 1e6) / 1e6;

export interface RollRow {
  id: string;
  line: string;
  day: string;
  seq: number;
  state: string;
  lot: string | null;
  started_at: number;
  ended_at: number | null;
  started_by: string;
  length_m: number;
  parent_id: string | null;
  parent_from_m: number | null;
  parent_to_m: number | null;
  split_by: string | null;
  split_at: number | null;
}

export interface RecipeRangeRow {
  roll_id: string;
  from_m: number;
  to_m: number | null;
  alloy: string;
  version: number | null;
  hash: string | null;
  trial: number;
  approved_by: string | null;
  approved_at: number | null;
}

export interface SegmentRow {
  roll_id: string;
  idx: number;
  from_m: number;
  to_m: number;
  verdict: string;
  reasons: string;
  passages: string;
  peak_k: number | null;
  time_in_band_s: number | null;
  max_heating_kps: number | null;
  max_cooling_kps: number | null;
  o2_max_ppm: number | null;
  ar_min_lpm: number | null;
  pulses: number;
  partial_pulses: number;
  quench_gas_min_lpm: number | null;
  coolant_min_lpm: number | null;
  exit_temp_k: number | null;
  exit_conductivity_us_cm: number | null;
  areal_loading_mg_cm2: number | null;
  recipe: string | null;
  bypasses: string;
  trips: string;
  critical_alarms: string;
  signals: string;
  closed_at: number;
}

/** The columns the roll report reads (REPORT_SEGMENT_COLUMNS). */
export type ReportSegmentRow = Pick<SegmentRow, "idx" | "from_m" | "to_m" | "verdict" | "peak_k" | "time_in_band_s" | "reasons" | "trips" | "bypasses" | "recipe">;
export const REPORT_SEGMENT_COLUMNS = "idx, from_m, to_m, verdict, peak_k, time_in_band_s, reasons, trips, bypasses, recipe";

export interface LabRow {
  id: number;
  roll_id: string;
  at_m: number;
  from_m: number;
  to_m: number;
  particle_size_nm: number | null;
  alloy_content_pct: number | null;
  xrd_match: number | null;
  bet_m2g: number | null;
  note: string;
  disposition: string;
  spec_findings: string;
  in_spec: number;
  by: string;
  at: number;
  corrects: number | null;
  /** Joined: the later entry that corrects this one. */
  corrected_by: number | null;
}

export interface LineStateRow {
  seq: number;
  at: number;
  state: string;
  from_state: string | null;
  stop_reason: string | null;
  first_out: string | null;
  roll_id: string | null;
}

/** The segments table's columns, in order (the insert statement's named parameters). */
export const SEGMENT_COLUMNS: readonly (keyof SegmentRow)[] = [
  "roll_id", "idx", "from_m", "to_m", "verdict", "reasons", "passages", "peak_k", "time_in_band_s", "max_heating_kps",
  "max_cooling_kps", "o2_max_ppm", "ar_min_lpm", "pulses", "partial_pulses", "quench_gas_min_lpm", "coolant_min_lpm",
  "exit_temp_k", "exit_conductivity_us_cm", "areal_loading_mg_cm2", "recipe", "bypasses", "trips", "critical_alarms",
  "signals", "closed_at",
];

export const LAB_COLUMNS =
  "id, roll_id, at_m, from_m, to_m, particle_size_nm, alloy_content_pct, xrd_match, bet_m2g, note, disposition, spec_findings, in_spec, by, at, corrects";

export function rollState(value: string, where: string): RollState {
  // A state this program does not know (a newer version wrote it) is refused loudly, never guessed.
  if (!(ROLL_STATES as readonly string[]).includes(value)) throw new Error(`${where}: unknown roll state '${value}'`);
  return value as RollState;
}

function verdictOf(value: string, where: string): SegmentVerdict {
  if (!(SEGMENT_VERDICTS as readonly string[]).includes(value)) throw new Error(`${where}: unknown segment verdict '${value}'`);
  return value as SegmentVerdict;
}

export function zeroCounts(): Record<SegmentVerdict, number> {
  return Object.fromEntries(SEGMENT_VERDICTS.map((v) => [v, 0])) as Record<SegmentVerdict, number>;
}

export function toRecipeRange(r: RecipeRangeRow): RollRecipeRange {
  return {
    alloy: r.alloy,
    version: r.version,
    hash: r.hash,
    trial: r.trial === 1,
    fromM: r.from_m,
    toM: r.to_m,
    approvedBy: r.approved_by,
    approvedAt: r.approved_at,
  };
}

export function recipeRangeRow(rollId: string, r: Omit<RollRecipeRange, "toM">, toM: number | null): RecipeRangeRow {
  return {
    roll_id: rollId,
    from_m: r.fromM,
    to_m: toM,
    alloy: r.alloy,
    version: r.version,
    hash: r.hash,
    trial: r.trial ? 1 : 0,
    approved_by: r.approvedBy,
    approved_at: r.approvedAt,
  };
}

export const sameRecipe = (a: RecipeRef, b: RecipeRef): boolean =>
  a.alloy === b.alloy && a.version === b.version && a.hash === b.hash && a.trial === b.trial;

/**
 * A parent's recipe ranges as a child taking [fromM, toM) of it sees them: those that overlap, clipped to
 * the piece and re-based (a range still open in the parent ends at the child's end).
 */
export function clipRanges(ranges: readonly RollRecipeRange[], fromM: number, toM: number): RollRecipeRange[] {
  return ranges
    .filter((r) => r.fromM < toM - EPS_M && (r.toM === null || r.toM > fromM + EPS_M))
    .map((r) => ({ ...r, fromM: rebaseM(Math.max(r.fromM, fromM), fromM), toM: rebaseM(r.toM === null ? toM : Math.min(r.toM, toM), fromM) }));
}

export function segmentRow(s: SegmentRecord): SegmentRow {
  return {
    roll_id: s.rollId,
    idx: s.index,
    from_m: s.fromM,
    to_m: s.toM,
    verdict: s.verdict,
    reasons: JSON.stringify(s.reasons),
    passages: JSON.stringify(s.passages),
    peak_k: s.peakK,
    time_in_band_s: s.timeInBandS,
    max_heating_kps: s.maxHeatingKps,
    max_cooling_kps: s.maxCoolingKps,
    o2_max_ppm: s.o2MaxPpm,
    ar_min_lpm: s.arMinLpm,
    pulses: s.pulses,
    partial_pulses: s.partialPulses,
    quench_gas_min_lpm: s.quenchGasMinLpm,
    coolant_min_lpm: s.coolantMinLpm,
    exit_temp_k: s.exitTempK,
    exit_conductivity_us_cm: s.exitConductivityUsCm,
    areal_loading_mg_cm2: s.arealLoadingMgCm2,
    recipe: s.recipe === null ? null : JSON.stringify(s.recipe),
    bypasses: JSON.stringify(s.bypasses),
    trips: JSON.stringify(s.trips),
    critical_alarms: JSON.stringify(s.criticalAlarms),
    signals: JSON.stringify(s.signals),
    closed_at: s.closedAt,
  };
}

const NONE: readonly never[] = Object.freeze([]);
/** Most segments have no reasons, trips, bypasses or alarms: "[]" is not parsed (a 10 km report reads 100 000 rows). */
const list = <T>(json: string): readonly T[] => (json === "[]" ? NONE : (JSON.parse(json) as T[]));

export function toSegment(r: SegmentRow): SegmentRecord {
  return {
    rollId: r.roll_id,
    index: r.idx,
    fromM: r.from_m,
    toM: r.to_m,
    verdict: verdictOf(r.verdict, `segment ${r.idx} of roll ${r.roll_id}`),
    reasons: list<SegmentRecord["reasons"][number]>(r.reasons),
    passages: JSON.parse(r.passages) as SegmentRecord["passages"],
    peakK: r.peak_k,
    timeInBandS: r.time_in_band_s,
    maxHeatingKps: r.max_heating_kps,
    maxCoolingKps: r.max_cooling_kps,
    o2MaxPpm: r.o2_max_ppm,
    arMinLpm: r.ar_min_lpm,
    pulses: r.pulses,
    partialPulses: r.partial_pulses,
    quenchGasMinLpm: r.quench_gas_min_lpm,
    coolantMinLpm: r.coolant_min_lpm,
    exitTempK: r.exit_temp_k,
    exitConductivityUsCm: r.exit_conductivity_us_cm,
    arealLoadingMgCm2: r.areal_loading_mg_cm2,
    recipe: r.recipe === null ? null : (JSON.parse(r.recipe) as RecipeRef),
    bypasses: list<string>(r.bypasses),
    trips: list<string>(r.trips),
    criticalAlarms: list<string>(r.critical_alarms),
    signals: JSON.parse(r.signals) as SegmentRecord["signals"],
    closedAt: r.closed_at,
  };
}

/**
 * A report segment from its row. `recipe` is the same JSON for long stretches: `recipeOf` parses each distinct
 * string once (the last one is kept), so 100 000 rows of one recipe cost one JSON.parse.
 */
export function toReportSegment(r: ReportSegmentRow, rollId: string, recipeOf: (json: string | null) => RecipeRef | null): ReportSegment {
  return {
    fromM: r.from_m,
    toM: r.to_m,
    verdict: verdictOf(r.verdict, `segment ${r.idx} of roll ${rollId}`),
    peakK: r.peak_k,
    timeInBandS: r.time_in_band_s,
    reasons: list<SegmentRecord["reasons"][number]>(r.reasons),
    trips: list<string>(r.trips),
    bypasses: list<string>(r.bypasses),
    recipe: recipeOf(r.recipe),
  };
}

/** A parser that keeps the last recipe JSON it parsed (the rows of a roll come in stretches of one recipe). */
export function lastRecipeParser(): (json: string | null) => RecipeRef | null {
  let lastJson: string | null = null;
  let last: RecipeRef | null = null;
  return (json) => {
    if (json === null) return null;
    if (json !== lastJson) {
      last = JSON.parse(json) as RecipeRef;
      lastJson = json;
    }
    return last;
  };
}

export function labRow(l: NewLabResult): Omit<LabRow, "id" | "corrected_by"> {
  return {
    roll_id: l.rollId,
    at_m: l.atM,
    from_m: l.fromM,
    to_m: l.toM,
    particle_size_nm: l.particleSizeNm,
    alloy_content_pct: l.alloyContentPct,
    xrd_match: l.xrdMatch === null ? null : l.xrdMatch ? 1 : 0,
    bet_m2g: l.betM2g,
    note: l.note,
    disposition: l.disposition,
    spec_findings: JSON.stringify(l.specFindings),
    in_spec: l.inSpec ? 1 : 0,
    by: l.by,
    at: l.at,
    corrects: l.corrects,
  };
}

export function toLabResult(r: LabRow): LabResult {
  if (!(LAB_DISPOSITIONS as readonly string[]).includes(r.disposition)) throw new Error(`lab result ${r.id}: unknown disposition '${r.disposition}'`);
  return {
    id: r.id,
    rollId: r.roll_id,
    atM: r.at_m,
    fromM: r.from_m,
    toM: r.to_m,
    particleSizeNm: r.particle_size_nm,
    alloyContentPct: r.alloy_content_pct,
    xrdMatch: r.xrd_match === null ? null : r.xrd_match === 1,
    betM2g: r.bet_m2g,
    note: r.note,
    disposition: r.disposition as LabDisposition,
    specFindings: JSON.parse(r.spec_findings) as string[],
    inSpec: r.in_spec === 1,
    by: r.by,
    at: r.at,
    corrects: r.corrects,
    correctedBy: r.corrected_by,
  };
}

/**
 * A parent's lab result as the child taking [fromM, toM) of it sees it, or null when the sample's stretch
 * lies outside the piece. The stretch is clipped to the piece; the cut (atM) is only re-based, so it may
 * lie outside the child when the sample was cut next to it.
 */
export function labInPiece(r: LabResult, childId: string, fromM: number, toM: number): LabResult | null {
  const inside = r.toM > r.fromM ? r.fromM < toM - EPS_M && r.toM > fromM + EPS_M : r.fromM >= fromM - EPS_M && r.fromM < toM - EPS_M;
  if (!inside) return null;
  const clip = (m: number): number => rebaseM(Math.min(Math.max(m, fromM), toM), fromM);
  return { ...r, rollId: childId, atM: rebaseM(r.atM, fromM), fromM: clip(r.fromM), toM: clip(r.toM) };
}

export function lineStateRow(e: LineStateEntry): Omit<LineStateRow, "seq"> {
  return { at: e.at, state: e.state, from_state: e.from, stop_reason: e.stopReason, first_out: e.firstOut, roll_id: e.rollId };
}

export function toLineState(r: LineStateRow): LineStateEntry {
  return { at: r.at, state: r.state, from: r.from_state, stopReason: r.stop_reason, firstOut: r.first_out, rollId: r.roll_id };
}

/** Throws, naming the problem, unless the pieces are ordered, contiguous and cover [0, lengthM] exactly. */
export function checkPieces(rollId: string, pieces: readonly SplitPiece[], lengthM: number): void {
  const where = `split ${rollId}`;
  if (pieces.length < 2) throw new Error(`${where}: a split needs at least two pieces (got ${pieces.length})`);
  if (pieces.length > 26) throw new Error(`${where}: at most 26 pieces (A … Z), got ${pieces.length}`);
  pieces.forEach((p, i) => {
    const name = `piece ${i + 1} [${p.fromM}, ${p.toM})`;
    if (!Number.isFinite(p.fromM) || !Number.isFinite(p.toM)) throw new Error(`${where}: ${name} needs finite metres`);
    if (p.toM <= p.fromM + EPS_M) throw new Error(`${where}: ${name} is empty or reversed (its end must be after its start)`);
    if (p.fromM < -EPS_M || p.toM > lengthM + EPS_M) throw new Error(`${where}: ${name} lies outside the roll [0, ${lengthM}]`);
    const prev = pieces[i - 1];
    if (prev === undefined) {
      if (Math.abs(p.fromM) > EPS_M) throw new Error(`${where}: the pieces do not cover the roll: the first begins at ${p.fromM} m, not 0`);
    } else if (p.fromM < prev.toM - EPS_M) {
      throw new Error(`${where}: ${name} overlaps piece ${i} [${prev.fromM}, ${prev.toM}) (pieces are in order and do not overlap)`);
    } else if (p.fromM > prev.toM + EPS_M) {
      throw new Error(`${where}: the pieces do not cover the roll: a gap [${prev.toM}, ${p.fromM}) between piece ${i} and ${i + 1}`);
    }
  });
  const last = pieces[pieces.length - 1];
  if (last !== undefined && Math.abs(last.toM - lengthM) > EPS_M) {
    throw new Error(`${where}: the pieces do not cover the roll: the last ends at ${last.toM} m, the roll is ${lengthM} m`);
  }
}

/** The child ids of a split: `<parent>-A`, `-B` … */
export const childId = (parentId: string, i: number): string => `${parentId}-${String.fromCharCode(65 + i)}`;

/** `YYYYMMDD` of the UTC day of `at`. */
export const utcDay = (at: number): string => new Date(at).toISOString().slice(0, 10).replaceAll("-", "");
