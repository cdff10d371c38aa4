import type { TagValue } from "../core/tag-value.js";
import type { TagConfig } from "../tags/tag-schema.js";

/** A tag value the historian is to store. */
export interface TagSample {
  readonly name: string;
  readonly config: TagConfig;
  readonly value: TagValue;
}

interface Slot {
  readonly config: TagConfig;
  readonly mode: "change" | "period" | "off";
  readonly deadband: number;
  /** change mode with maxRateHz: the shortest time between two stored points, ms (0: no limit). */
  readonly minIntervalMs: number;
  readonly periodMs: number;
  /** The last value stored, and when (server ms). */
  stored: TagValue | null;
  storedAt: number;
  /** change mode: the latest value held back by the rate limit, stored when the interval has passed. */
  pending: TagValue | null;
  /** period mode: the current value and when the next sample is due. */
  current: TagValue | null;
  dueAt: number;
}

/**
 * Decides which tag values the historian stores, from each tag's `history` settings (pure; time is passed
 * in). change: every change the tag table reports, less moves inside the history deadband, at most
 * maxRateHz points a second (the latest held-back value is stored when the interval ends, so the last value
 * is never lost); period: the current value every periodMs; off: nothing. A change of quality is always
 * stored at once: a trend must show where the data was not Good.
 */
export class TagHistoryPolicy {
  private readonly slots = new Map<string, Slot>();

  constructor(tags: readonly TagConfig[]) {
    for (const config of tags) {
      const h = config.history;
      const mode = h?.mode ?? "change";
      this.slots.set(config.name, {
        config,
        mode,
        deadband: h?.deadband ?? 0,
        minIntervalMs: h?.maxRateHz ? 1000 / h.maxRateHz : 0,
        periodMs: h?.periodMs ?? 0,
        stored: null,
        storedAt: -Infinity,
        pending: null,
        current: null,
        dueAt: 0,
      });
    }
  }

  /** A change from the tag table: the samples to store now (zero or one). */
  offer(name: string, value: TagValue, now: number): TagSample[] {
    const slot = this.slots.get(name);
    if (!slot || slot.mode === "off") return [];
    if (slot.mode === "period") {
      if (slot.current === null) slot.dueAt = now;
      slot.current = value;
      return [];
    }
    const qualityChanged = slot.stored === null || slot.stored.quality.status !== value.quality.status;
    if (!qualityChanged && !movedBeyond(slot.stored!, value, slot.deadband)) {
      // Back inside the deadband: a value held back by the rate limit is no longer worth storing.
      slot.pending = null;
      return [];
    }
    if (!qualityChanged && now - slot.storedAt < slot.minIntervalMs) {
      slot.pending = value;
      return [];
    }
    // A quality change the SCADA noticed itself (stale, link lost) carries the last sample's source time; it
    // is stored at the time it was noticed, or it would sit on top of that sample (same time stamp, twice).
    const noticed = qualityChanged && slot.stored !== null && value.sourceTs <= slot.stored.sourceTs;
    return [this.store(slot, noticed ? { ...value, sourceTs: Math.max(value.serverTs, now) } : value, now)];
  }

  /** Time passed: held-back values whose interval ended and period samples that are due. */
  tick(now: number): TagSample[] {
    const out: TagSample[] = [];
    for (const slot of this.slots.values()) {
      if (slot.mode === "change" && slot.pending !== null && now - slot.storedAt >= slot.minIntervalMs) {
        out.push(this.store(slot, slot.pending, now));
      } else if (slot.mode === "period" && slot.current !== null && now >= slot.dueAt) {
        // A sample carries the time it was taken: the value is the current one, its time is now.
        out.push(this.store(slot, { ...slot.current, sourceTs: now, serverTs: now }, now));
        slot.dueAt += slot.periodMs;
        if (slot.dueAt <= now) slot.dueAt = now + slot.periodMs; // late ticks: no burst of catch-up samples
      }
    }
    return out;
  }

  private store(slot: Slot, value: TagValue, now: number): TagSample {
    slot.stored = value;
    slot.storedAt = now;
    slot.pending = null;
    return { name: slot.config.name, config: slot.config, value };
  }
}

function movedBeyond(prev: TagValue, next: TagValue, deadband: number): boolean {
  // The tag table reports only real changes; with no history deadband every one of them is stored.
  if (deadband > 0 && typeof prev.value === "number" && typeof next.value === "number") return Math.abs(next.value - prev.value) > deadband;
  return true;
}
