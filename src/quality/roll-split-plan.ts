/**
 * Plans the split of a roll at the metres QA cuts it (pure): checks every cut and gives the pieces, or every
 * problem in plain words. A cut must lie on a segment boundary so that each segment record (and its verdict)
 * goes whole to one child, strictly inside the roll, and not across a segment whose record is not closed yet;
 * the roll must have ended (no more metres). Cuts may come in any order; the same cut twice is a problem (it
 * would make an empty piece), not silently merged.
 *
 * Cost: O(c log c) for c cuts (at most MAX_PIECES − 1 are accepted).
 */
import type { RollState } from "./roll-record.js";
import type { SplitPiece } from "./roll-store-port.js";

export const MAX_PIECES = 25;
/** A cut this close to a segment boundary is on it, m. */
export const BOUNDARY_TOLERANCE_M = 1e-6;

export interface SplitRollFacts {
  readonly state: RollState;
  readonly lengthM: number;
  /** Metres whose segment records are closed. */
  readonly segmentsRecordedM: number;
  readonly segmentLengthM: number;
}

export type SplitPlan = { readonly ok: true; readonly pieces: SplitPiece[] } | { readonly ok: false; readonly problems: string[] };

/** A metre for people: at most 6 decimals, no float noise. */
const m = (x: number): string => `${Number(x.toFixed(6))} m`;
/** k × segment length without float noise (0.30000000000000004 → 0.3). */
const boundary = (k: number, segmentLengthM: number): number => Number((k * segmentLengthM).toFixed(9));

function rollProblems(roll: SplitRollFacts): string[] {
  const problems: string[] = [];
  if (roll.state === "open") {
    problems.push(`roll is still being made; its segments beyond ${m(roll.segmentsRecordedM)} are open — split it after it ends`);
  } else if (roll.state === "split") {
    problems.push("roll is already split: split one of its children instead");
  }
  if (!(Number.isFinite(roll.segmentLengthM) && roll.segmentLengthM > 0)) {
    problems.push(`segment length ${roll.segmentLengthM} m is not a positive length`);
  }
  if (!(Number.isFinite(roll.lengthM) && roll.lengthM > 0)) problems.push(`roll length ${roll.lengthM} m leaves nothing to split`);
  return problems;
}

/** What is wrong with one cut ([] when it is fine); `snapped` is the boundary it is on. */
function cutProblems(cut: number, roll: SplitRollFacts, segmentOk: boolean): { problems: string[]; snapped: number | null } {
  if (typeof cut !== "number" || !Number.isFinite(cut)) return { problems: [`cut ${String(cut)} is not a metre (a number)`], snapped: null };
  const problems: string[] = [];
  if (!(cut > 0 && cut < roll.lengthM)) {
    problems.push(`cut at ${m(cut)} is not inside the roll: it must be above 0 m and below its end at ${m(roll.lengthM)}`);
  }
  if (!segmentOk) return { problems, snapped: null };
  const seg = roll.segmentLengthM;
  const k = Math.round(cut / seg);
  const snapped = boundary(k, seg);
  if (Math.abs(cut - k * seg) > BOUNDARY_TOLERANCE_M) {
    const index = Math.floor(cut / seg);
    const low = boundary(index, seg);
    const high = boundary(index + 1, seg);
    problems.push(`cut at ${m(cut)} falls inside segment ${index} (${m(low)}–${m(high)}): cut at ${m(low)} or ${m(high)}`);
    return { problems, snapped: null };
  }
  if (snapped > roll.segmentsRecordedM + BOUNDARY_TOLERANCE_M && snapped < roll.lengthM) {
    problems.push(
      `cut at ${m(cut)} is across an open segment: segments are recorded up to ${m(roll.segmentsRecordedM)} only (the record there is not closed yet)`,
    );
  }
  return { problems, snapped };
}

/** The pieces an ended roll splits into at `cuts` (roll metres), or every problem. */
export function planSplit(cuts: readonly number[], roll: SplitRollFacts): SplitPlan {
  const problems = rollProblems(roll);
  const segmentOk = Number.isFinite(roll.segmentLengthM) && roll.segmentLengthM > 0;
  if (cuts.length === 0) problems.push("no cut given: give at least one metre to cut the roll at");
  if (cuts.length + 1 > MAX_PIECES) {
    problems.push(`${cuts.length} cuts make ${cuts.length + 1} pieces: at most ${MAX_PIECES} pieces (${MAX_PIECES - 1} cuts)`);
  }
  const snappedCuts: number[] = [];
  const seen: number[] = [];
  const twice = new Set<number>();
  for (const cut of cuts) {
    const first = Number.isFinite(cut) ? seen.find((s) => Math.abs(s - cut) <= BOUNDARY_TOLERANCE_M) : undefined;
    if (first !== undefined) {
      // Said once per metre, however often it repeats; the cut's own problems were said the first time.
      if (!twice.has(first)) problems.push(`cut at ${m(cut)} is given twice: each cut once (the same cut twice would make an empty piece)`);
      twice.add(first);
      continue;
    }
    if (Number.isFinite(cut)) seen.push(cut);
    const one = cutProblems(cut, roll, segmentOk);
    problems.push(...one.problems);
    if (one.snapped !== null) snappedCuts.push(one.snapped);
  }
  if (problems.length > 0) return { ok: false, problems };
  const sorted = snappedCuts.sort((a, b) => a - b);
  const ends = [0, ...sorted, roll.lengthM];
  const pieces: SplitPiece[] = [];
  for (let i = 0; i + 1 < ends.length; i++) pieces.push({ fromM: ends[i]!, toM: ends[i + 1]! });
  return { ok: true, pieces };
}
