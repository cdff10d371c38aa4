/** One first-order lag step toward `target` with time constant `tau` (exact for a constant target). */
export function lag(value: number, target: number, tau: number, dtS: number): number {
  return target + (value - target) * Math.exp(-dtS / tau);
}

export function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
