/**
 * Rate of change of one signal over a short baseline: each Good sample is compared with the newest sample at
 * least RATE_WINDOW_MS older (the pyrometer reports every 10 ms with noise of a few K; over 50 ms the noise
 * is damped while a 300 K/s ramp still shows). Pure, fixed memory (a ring of RATE_RING_SIZE samples), O(ring)
 * per sample in the worst case, no allocation.
 */

export const RATE_WINDOW_MS = 50;
/** Enough for the baseline at a sample every millisecond. */
const RATE_RING_SIZE = 64;

export class RateWindow {
  private readonly times = new Float64Array(RATE_RING_SIZE);
  private readonly values = new Float64Array(RATE_RING_SIZE);
  /** Index of the newest sample. */
  private head = -1;
  private count = 0;

  /** Takes a sample (t in epoch ms, fed in time order) and returns the rate over the baseline, per second (null: no baseline yet). */
  push(t: number, value: number): number | null {
    let rate: number | null = null;
    for (let k = 0; k < this.count; k++) {
      const j = (this.head - k + RATE_RING_SIZE) % RATE_RING_SIZE;
      const age = t - this.times[j]!;
      if (age >= RATE_WINDOW_MS) {
        rate = ((value - this.values[j]!) * 1000) / age;
        break;
      }
    }
    this.head = (this.head + 1) % RATE_RING_SIZE;
    this.times[this.head] = t;
    this.values[this.head] = value;
    if (this.count < RATE_RING_SIZE) this.count++;
    return rate;
  }

  clear(): void {
    this.head = -1;
    this.count = 0;
  }
}
