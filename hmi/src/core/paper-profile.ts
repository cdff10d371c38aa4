/**
 * The paper's HTR profile, the reference every recipe preview is drawn against: from 300 K up to 1340 K in
 * the 3.0 s ramp, 7.0 s held, then down to 373 K in the 5.0 s cool.
 */
export const PAPER_PROFILE = { startK: 300, peakK: 1340, rampS: 3.0, holdS: 7.0, coolS: 5.0, endK: 373 } as const;

/** The reference as a polyline, [t s, K]. */
export function paperProfileCurve(p: typeof PAPER_PROFILE = PAPER_PROFILE): [number, number][] {
  return [
    [0, p.startK],
    [p.rampS, p.peakK],
    [p.rampS + p.holdS, p.peakK],
    [p.rampS + p.holdS + p.coolS, p.endK],
  ];
}
