import { type Quality, bad, GOOD, uncertain } from "../core/tag-value.js";

/** Floor on the staleness reference: timers and the event loop jitter by tens of ms under load. */
export const STALENESS_FLOOR_MS = 100;

/**
 * Quality from the age of a value: older than 2× the expected update → Uncertain, 5× → Bad.
 * `referenceMs` is the tag's expected update period (floored at STALENESS_FLOOR_MS).
 */
export function stalenessQuality(ageMs: number, referenceMs: number): Quality {
  const ref = Math.max(referenceMs, STALENESS_FLOOR_MS);
  if (ageMs > 5 * ref) return bad(`stale: no update for ${Math.round(ageMs)} ms (expected every ${referenceMs} ms)`);
  if (ageMs > 2 * ref) return uncertain(`late: no update for ${Math.round(ageMs)} ms (expected every ${referenceMs} ms)`);
  return GOOD;
}

const RANK = { Good: 0, Uncertain: 1, Bad: 2 } as const;

/** The worse of two qualities (the first wins a tie). */
export function worstQuality(a: Quality, b: Quality): Quality {
  return RANK[b.status] > RANK[a.status] ? b : a;
}
