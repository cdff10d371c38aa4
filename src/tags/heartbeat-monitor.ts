import type { TagValue } from "../core/tag-value.js";

/** A heartbeat counter that has not changed for this many of its periods is stale. */
export const HEARTBEAT_STALE_PERIODS = 5;

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
export class HeartbeatMonitor {
  private readonly beats = new Map<string, Beat>();
  private readonly byTag = new Map<string, Beat>();

  constructor(devices: readonly { id: string; heartbeatTag: string; periodMs: number }[]) {
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
  status(now: number, good: (tag: string) => boolean): Record<string, { stale: boolean; reason: string }> {
    const out: Record<string, { stale: boolean; reason: string }> = {};
    for (const b of this.beats.values()) {
      if (!good(b.tag)) out[b.device] = { stale: true, reason: `${b.tag} not Good` };
      else if (b.lastChangeAt === null) out[b.device] = { stale: true, reason: `${b.tag} not seen counting yet` };
      else {
        const age = now - b.lastChangeAt;
        const limit = HEARTBEAT_STALE_PERIODS * b.periodMs;
        out[b.device] = age > limit ? { stale: true, reason: `${b.tag} frozen for ${age} ms` } : { stale: false, reason: "" };
      }
    }
    return out;
  }
}
