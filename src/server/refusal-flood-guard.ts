/**
 * Keeps a flood of requests without a session from flooding the audit trail (each record is an fsync): per
 * client address, the first `perWindow` refusals of a window are recorded one by one; the rest are counted,
 * and one summary record per address and window says how many there were, from when to when. Nothing is
 * lost — the count is in the trail — but the disk is not the attacker's to fill.
 *
 * Pure: the caller passes `now`; `take` says what to record.
 */
export interface FloodSummary {
  readonly address: string;
  readonly suppressed: number;
  readonly from: number;
  readonly to: number;
}

interface Window {
  start: number;
  recorded: number;
  suppressed: number;
  firstSuppressed: number;
  lastSuppressed: number;
}

export class RefusalFloodGuard {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly perWindow = 20,
    private readonly windowMs = 60_000,
    /** Beyond this many addresses at once, new ones share one window (`*`). */
    private readonly maxAddresses = 10_000,
  ) {}

  /**
   * A refusal from `address` at `now`: `record` says whether to record it one by one; `summaries` are the
   * windows that ended (of any address) and must be recorded now.
   */
  take(address: string, now: number): { record: boolean; summaries: FloodSummary[] } {
    const summaries = this.expire(now);
    const key = this.windows.has(address) || this.windows.size < this.maxAddresses ? address : "*";
    let w = this.windows.get(key);
    if (!w) {
      w = { start: now, recorded: 0, suppressed: 0, firstSuppressed: 0, lastSuppressed: 0 };
      this.windows.set(key, w);
    }
    if (w.recorded < this.perWindow) {
      w.recorded++;
      return { record: true, summaries };
    }
    if (w.suppressed === 0) w.firstSuppressed = now;
    w.suppressed++;
    w.lastSuppressed = now;
    return { record: false, summaries };
  }

  /** Windows that ended by `now` (call it now and then, e.g. at shutdown with Infinity, so no count is left behind). */
  expire(now: number): FloodSummary[] {
    const out: FloodSummary[] = [];
    for (const [address, w] of this.windows) {
      if (now - w.start < this.windowMs) continue;
      this.windows.delete(address);
      if (w.suppressed > 0) out.push({ address, suppressed: w.suppressed, from: w.firstSuppressed, to: w.lastSuppressed });
    }
    return out;
  }
}
