/** Rate of roll length growth over a sliding window, from (time s, length m) samples. Pure state holder. */
export class ProductRate {
  private readonly samples: { t: number; m: number }[] = [];
  constructor(private readonly windowS = 60) {}

  add(t: number, metres: number): void {
    const last = this.samples[this.samples.length - 1];
    if (last && t <= last.t) return;
    this.samples.push({ t, m: metres });
    while (this.samples.length > 2 && this.samples[0]!.t < t - this.windowS) this.samples.shift();
  }

  /** Metres per hour over the window (null until 5 s of data). A roll change (length falls) restarts it. */
  metresPerHour(): number | null {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.t - first.t < 5) return null;
    if (last.m < first.m) {
      this.samples.splice(0, this.samples.length - 1);
      return null;
    }
    return ((last.m - first.m) / (last.t - first.t)) * 3600;
  }
}
