import type { TagValue } from "../core/tag-value.js";

/** A heartbeat counter that has not changed for this many of its periods is stale… */
export const HEARTBEAT_STALE_PERIODS = 5;
/**
 * …and never sooner than this, ms: the same floor as a value's (STALENESS_FLOOR_MS 250 ms: late after 500 ms,
 * IL-08 after its 250 ms grace). A 100 ms heartbeat polled by a busy SCADA — the virtual plant in its process,
 * Modbus polls 200–500 ms late under an HTTP burst — looked frozen after 500 ms and tripped IL-08 at rest.
 */
export const HEARTBEAT_STALE_MIN_MS = 750;

interface Beat {
  readonly device: string;
  readonly tag: string;
  readonly periodMs: number;
  lastValue: TagValue["value"];
  lastChangeAt: number | null;
}

/**
 * Watches each PLC's heartbeat counter (pure; time is passed in). A PLC is stale when its heartbeat is not
 * Good, or when the counter has not moved for HEARTBEAT_STALE_PERIODS periods — a PLC whose program stopped
 * still answers polls with Good, unchanging values.
 */
export interface HeartbeatMonitorOptions {
  /**
   * When status() is looked at periodically (the interlock tick): a gap between two looks longer than this
   * means the SCADA itself was stalled (GC, an overloaded host), not the PLC. The stalled time does not count
   * towards a heartbeat's age, so the counter gets its full 5 periods of observed time to show it moved —
   * the notifications queued during the stall arrive right after it. Unset: no credit (tests with jumps).
   */
  readonly observerStallMs?: number;
}

export class HeartbeatMonitor {
  private readonly beats = new Map<string, Beat>();
  private readonly byTag = new Map<string, Beat>();
  private lastLookAt: number | null = null;

  constructor(
    devices: readonly { id: string; heartbeatTag: string; periodMs: number }[],
    private readonly options: HeartbeatMonitorOptions = {},
  ) {
    for (const d of devices) {
      const beat: Beat = { device: d.id, tag: d.heartbeatTag, periodMs: d.periodMs, lastValue: null, lastChangeAt: null };
      this.beats.set(d.id, beat);
      this.byTag.set(d.heartbeatTag, beat);
    }
  }

  isHeartbeat(tag: string): boolean {
    return this.byTag.has(tag);
  }

  /** Feed every value of a heartbeat tag. */
  observe(tag: string, value: TagValue, now: number): void {
    const beat = this.byTag.get(tag);
    if (!beat || value.quality.status !== "Good") return;
    if (value.value !== beat.lastValue) {
      beat.lastValue = value.value;
      beat.lastChangeAt = now;
    }
  }

  /** Per device: stale or not, with the reason. `good(tag)` tells whether the tag is Good now. */
  status(now: number, good: (tag: string) => boolean): Record<string, { stale: boolean; unknown?: boolean; reason: string }> {
    const stallMs = this.options.observerStallMs;
    if (stallMs !== undefined && this.lastLookAt !== null && now - this.lastLookAt > stallMs) {
      const credit = now - this.lastLookAt;
      for (const b of this.beats.values()) if (b.lastChangeAt !== null) b.lastChangeAt = Math.min(now, b.lastChangeAt + credit);
    }
    this.lastLookAt = Math.max(this.lastLookAt ?? now, now);
    const out: Record<string, { stale: boolean; unknown?: boolean; reason: string }> = {};
    for (const b of this.beats.values()) {
      if (!good(b.tag)) out[b.device] = { stale: true, unknown: true, reason: `${b.tag} not Good` };
      else if (b.lastChangeAt === null) out[b.device] = { stale: true, reason: `${b.tag} not seen counting yet` };
      else {
        const age = now - b.lastChangeAt;
        const limit = Math.max(HEARTBEAT_STALE_PERIODS * b.periodMs, HEARTBEAT_STALE_MIN_MS);
        out[b.device] = age > limit ? { stale: true, reason: `${b.tag} frozen for ${age} ms` } : { stale: false, reason: "" };
      }
    }
    return out;
  }
}
