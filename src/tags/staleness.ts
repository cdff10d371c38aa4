import { type Quality, bad, GOOD, uncertain } from "../core/tag-value.js";

/**
 * Floor on the staleness reference. Timers and the event loop jitter by tens of ms under load, and by
 * hundreds when the process is busy: with the virtual plant in the same process (`npm start`, the tests),
 * an HTTP burst or the roll report made the line PLC's 50 ms Modbus values arrive 200–260 ms apart, which
 * with a 100 ms floor read "late" (Uncertain) and tripped IL-08 after its 250 ms grace — a trip for a data
 * gap of ≈ 450 ms that no process condition called for. With 250 ms: late after 500 ms, stale (Bad) after
 * 1.25 s, so IL-08 trips on a gap of ≈ 750 ms; a link that is lost is Bad at once either way (the drivers
 * mark it), and a frozen PLC heartbeat is judged by the heartbeat monitor on its own period.
 */
export const STALENESS_FLOOR_MS = 250;

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
