/**
 * Where the line measures a segment of web: each station's measuring window in metres of web path from the
 * unwinder nip, and the length the roll is cut into for the per-segment quality record. Pure data and its
 * check; the segment tracker takes it as an argument.
 */

export const TRACKING_STATIONS = ["feed", "htr", "quench", "rinse"] as const;
export type TrackingStation = (typeof TRACKING_STATIONS)[number];

/** A stretch of web path, metres from the unwinder nip. */
export interface TrackingWindow {
  readonly fromM: number;
  readonly toM: number;
}

export interface TrackingGeometry {
  /** Length of one segment of the record, m. */
  readonly segmentLengthM: number;
  /** feed: doser → blade · htr: the radiation zone · quench · rinse: the NaCl rinse. */
  readonly windows: Readonly<Record<TrackingStation, TrackingWindow>>;
}

const window = (fromM: number, toM: number): TrackingWindow => Object.freeze({ fromM, toM });

/** Line 1 (plc-config/line.yaml): 0.10 m segments. */
export const DEFAULT_TRACKING: TrackingGeometry = Object.freeze({
  segmentLengthM: 0.1,
  windows: Object.freeze({
    feed: window(0.5, 0.7),
    htr: window(1.0, 1.3),
    quench: window(1.4, 1.7),
    rinse: window(2.5, 3.5),
  }),
});

/**
 * What is wrong with a geometry, in plain words (empty: usable): every window from < to, the windows in
 * line order without overlapping (feed, htr, quench, rinse), and a segment length above 0 and no longer
 * than the HTR window (a segment must be able to sit wholly in the zone for one pulse).
 */
export function geometryProblems(g: TrackingGeometry): string[] {
  const out: string[] = [];
  const L = g.segmentLengthM;
  if (!Number.isFinite(L) || L <= 0) out.push(`segment length must be above 0 m, found ${L}`);
  let previous: { station: TrackingStation; w: TrackingWindow } | null = null;
  for (const station of TRACKING_STATIONS) {
    const w = g.windows[station];
    if (w === undefined || !Number.isFinite(w.fromM) || !Number.isFinite(w.toM)) {
      out.push(`${station} window needs finite fromM and toM`);
      previous = null;
      continue;
    }
    if (!(w.fromM < w.toM)) out.push(`${station} window: fromM (${w.fromM} m) must be below toM (${w.toM} m)`);
    if (previous !== null && w.fromM < previous.w.toM) {
      out.push(`${station} window starts at ${w.fromM} m, before the ${previous.station} window ends (${previous.w.toM} m): windows go feed < htr < quench < rinse`);
    }
    previous = { station, w };
  }
  const htr = g.windows.htr;
  if (htr !== undefined && Number.isFinite(L) && L > 0 && L > htr.toM - htr.fromM + 1e-9) {
    out.push(`segment length ${L} m is longer than the HTR window (${+(htr.toM - htr.fromM).toFixed(6)} m)`);
  }
  return out;
}
