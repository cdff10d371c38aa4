/**
 * The QA disposition in force for a stretch of a roll, from its lab results (pure).
 *
 * Lab results are append-only: a correction is a new entry naming the one it corrects (`corrects`), and the
 * corrected entry is out of force (the store also marks it `correctedBy`; either mark is enough here). A
 * correction of a correction leaves only the last of the chain. Of the results in force whose stretch
 * [fromM, toM) overlaps the asked one, the newest wins: the highest id (the store's append order, which a
 * clock step cannot reorder). A stretch merely touching another (10.0–10.5 and 10.5–10.6) does not overlap.
 *
 * Cost: dispositionAt is O(k) for k lab results. dispositionIndex builds once in O(k²) (k is the lab results
 * of one roll: tens) and then answers segments given in increasing metre order in O(1) amortised each (a
 * pointer walks the pieces once); a query that goes back restarts the pointer (correct, only slower).
 */
import type { LabDisposition, LabResult } from "./roll-record.js";

/** Metres closer than this are the same metre (segment ends are sums of 0.1 m). */
const EPS_M = 1e-9;

export interface DispositionInForce {
  readonly disposition: LabDisposition;
  readonly labResultId: number;
}

/** The results not corrected by another (in the order given). */
export function resultsInForce(labResults: readonly LabResult[]): LabResult[] {
  const corrected = new Set<number>();
  for (const r of labResults) if (r.corrects !== null) corrected.add(r.corrects);
  return labResults.filter((r) => r.correctedBy === null && !corrected.has(r.id));
}

function overlaps(aFrom: number, aTo: number, bFrom: number, bTo: number): boolean {
  return aFrom < bTo - EPS_M && aTo > bFrom + EPS_M;
}

function inForce(r: LabResult): DispositionInForce {
  return { disposition: r.disposition, labResultId: r.id };
}

/** The disposition in force for [fromM, toM) (null: no lab result in force covers any of it). */
export function dispositionAt(labResults: readonly LabResult[], fromM: number, toM: number): DispositionInForce | null {
  let best: LabResult | null = null;
  for (const r of resultsInForce(labResults)) {
    if (overlaps(r.fromM, r.toM, fromM, toM) && (best === null || r.id > best.id)) best = r;
  }
  return best === null ? null : inForce(best);
}

/** A stretch where one result (or none) is the newest in force. */
interface Piece {
  readonly fromM: number;
  readonly toM: number;
  readonly winner: LabResult | null;
}

function buildPieces(results: readonly LabResult[]): Piece[] {
  const bounds = [...new Set(results.flatMap((r) => [r.fromM, r.toM]))].sort((a, b) => a - b);
  const pieces: Piece[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const fromM = bounds[i]!;
    const toM = bounds[i + 1]!;
    if (toM - fromM <= EPS_M) continue;
    let winner: LabResult | null = null;
    for (const r of results) {
      if (r.fromM <= fromM + EPS_M && r.toM >= toM - EPS_M && (winner === null || r.id > winner.id)) winner = r;
    }
    const last = pieces[pieces.length - 1];
    if (last !== undefined && last.winner === winner && Math.abs(last.toM - fromM) <= EPS_M) {
      pieces[pieces.length - 1] = { fromM: last.fromM, toM, winner };
    } else if (winner !== null) {
      pieces.push({ fromM, toM, winner });
    }
  }
  return pieces;
}

export interface DispositionIndex {
  /** Same answer as dispositionAt; fastest when asked in increasing metre order. */
  at(fromM: number, toM: number): DispositionInForce | null;
}

/** An index over a roll's lab results for asking segment after segment in metre order. */
export function dispositionIndex(labResults: readonly LabResult[]): DispositionIndex {
  const pieces = buildPieces(resultsInForce(labResults));
  let next = 0;
  let lastFromM = -Infinity;
  return {
    at(fromM: number, toM: number): DispositionInForce | null {
      if (fromM < lastFromM) next = 0;
      lastFromM = fromM;
      while (next < pieces.length && pieces[next]!.toM <= fromM + EPS_M) next++;
      let best: LabResult | null = null;
      for (let i = next; i < pieces.length && pieces[i]!.fromM < toM - EPS_M; i++) {
        const w = pieces[i]!.winner;
        if (w !== null && (best === null || w.id > best.id)) best = w;
      }
      return best === null ? null : inForce(best);
    },
  };
}
