/**
 * Roll length growth over a sliding window, from (time s, length m) samples that arrive only when the length
 * changes (the socket sends deltas): the rate runs to `now`, so a stopped web shows 0, not its last speed.
 */
export class ProductRate {
  private readonly samples: { t: number; m: number }[] = [];
  constructor(private readonly windowS = 60) {}

  add(t: number, metres: number): void {
    const last = this.samples[this.samples.length - 1];
    if (last && t <= last.t) return;
    if (last && metres < last.m) this.samples.length = 0; // a new roll
    this.samples.push({ t, m: metres });
  }

  /** Metres per hour over the last window (null until 5 s of data). */
  metresPerHour(now: number): number | null {
    // Keep one sample from before the window: the length at the window's start.
    while (this.samples.length > 1 && this.samples[1]!.t <= now - this.windowS) this.samples.shift();
    const base = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!base || !last) return null;
    const span = Math.min(now - base.t, this.windowS);
    if (span < 5) return null;
    return ((last.m - base.m) / span) * 3600;
  }
}
