import type { Clock } from "../core/clock.js";
import { type Quality, type TagUpdate, type TagValue, bad, GOOD, uncertain } from "../core/tag-value.js";
import type { TagSink } from "../core/tag-sink.js";
import type { TagConfig } from "./tag-schema.js";
import { stalenessQuality, worstQuality } from "./staleness.js";

/** A change of a tag's value or quality, delivered synchronously and in order to every listener. */
export interface TagChange {
  readonly name: string;
  readonly config: TagConfig;
  readonly previous: TagValue;
  readonly current: TagValue;
}

export type TagChangeListener = (change: TagChange) => void;

/** A listener that threw: who, with what, on which change (the runtime logs it with flood control). */
export type ListenerErrorHook = (listener: string, err: unknown, change: TagChange) => void;

interface Subscription {
  readonly name: string;
  readonly listener: TagChangeListener;
  errors: number;
}

export interface TagEntry {
  readonly config: TagConfig;
  readonly value: TagValue;
}

interface Slot {
  readonly config: TagConfig;
  /** What the driver last said. */
  reported: TagValue;
  /** What the table publishes: reported, with quality degraded by staleness. */
  published: TagValue;
  /** Epoch ms the value was last known current (update received or device confirmed). */
  freshAt: number;
  /** Staleness reference period, ms. */
  referenceMs: number;
}

const NO_DATA: TagValue = Object.freeze({ value: null, quality: bad("no data yet"), sourceTs: 0, serverTs: 0 });

export interface TagTableOptions {
  /** Per-device staleness reference override (e.g. an OPC UA device's keep-alive period). */
  readonly deviceReferenceMs?: ReadonlyMap<string, number>;
  /** Told of every listener that throws; the table itself goes on with the next listener either way. */
  readonly onListenerError?: ListenerErrorHook;
  /**
   * When checkStaleness is called periodically: a gap between two checks longer than this means the SCADA
   * itself was stalled (GC, a CPU-bound start-up step, an overloaded host), not the PLCs — the values that
   * arrived meanwhile are still queued. The stalled time does not count towards a value's age (as in the
   * heartbeat monitor). Unset: no credit (tests that jump time).
   */
  readonly observerStallMs?: number;
}

/**
 * The current value of every tag. Drivers write into it (it is their TagSink); everything downstream
 * listens to its change events. A change is emitted when the value moves by more than the deadband or
 * the quality changes; staleness degrades quality (checkStaleness, driven by a timer in the runtime).
 * Listeners run synchronously, in the order they subscribed (the runtime subscribes the trip path first);
 * one that throws is counted and reported, and never keeps the listeners after it from running.
 */
export class TagTable implements TagSink {
  private readonly slots = new Map<string, Slot>();
  private readonly byDevice = new Map<string, Slot[]>();
  private subscriptions: Subscription[] = [];
  private readonly onListenerError: ListenerErrorHook | undefined;
  private updateCount = 0;
  private changeCount = 0;
  private readonly observerStallMs: number | undefined;
  private lastCheckAt: number | null = null;

  constructor(
    tags: readonly TagConfig[],
    private readonly clock: Clock,
    options: TagTableOptions = {},
  ) {
    this.onListenerError = options.onListenerError;
    this.observerStallMs = options.observerStallMs;
    const now = clock.now();
    for (const config of tags) {
      const deviceRef = options.deviceReferenceMs?.get(config.device) ?? 0;
      const slot: Slot = {
        config,
        reported: NO_DATA,
        published: NO_DATA,
        freshAt: now,
        referenceMs: Math.max(config.updateMs, deviceRef),
      };
      this.slots.set(config.name, slot);
      let list = this.byDevice.get(config.device);
      if (!list) this.byDevice.set(config.device, (list = []));
      list.push(slot);
    }
  }

  get size(): number {
    return this.slots.size;
  }

  has(name: string): boolean {
    return this.slots.has(name);
  }

  get(name: string): TagEntry | undefined {
    const s = this.slots.get(name);
    return s ? { config: s.config, value: s.published } : undefined;
  }

  all(): TagEntry[] {
    return [...this.slots.values()].map((s) => ({ config: s.config, value: s.published }));
  }

  /** Subscribe to changes, after the listeners already subscribed; `name` tells it apart in errors and metrics. */
  onChange(listener: TagChangeListener, name = "listener"): () => void {
    const sub: Subscription = { name, listener, errors: 0 };
    this.subscriptions = [...this.subscriptions, sub];
    return () => {
      this.subscriptions = this.subscriptions.filter((s) => s !== sub);
    };
  }

  /** The listeners in the order they run, with how many times each has thrown. */
  listeners(): { name: string; errors: number }[] {
    return this.subscriptions.map((s) => ({ name: s.name, errors: s.errors }));
  }

  /** Counters for metrics: updates received from drivers, changes emitted. */
  counters(): { updates: number; changes: number } {
    return { updates: this.updateCount, changes: this.changeCount };
  }

  onUpdates(updates: readonly TagUpdate[]): void {
    for (const u of updates) {
      const slot = this.slots.get(u.name);
      if (!slot) continue;
      this.updateCount++;
      const value: TagValue = { value: u.value, quality: rangeQuality(slot.config, u), sourceTs: u.sourceTs, serverTs: u.serverTs };
      slot.reported = value;
      slot.freshAt = u.serverTs;
      this.publish(slot, value);
    }
  }

  onConfirm(deviceId: string, ts: number): void {
    const list = this.byDevice.get(deviceId);
    if (!list) return;
    for (const slot of list) {
      if (ts > slot.freshAt) slot.freshAt = ts;
      // A confirmed, previously stale value recovers its reported quality.
      if (slot.published.quality !== slot.reported.quality && slot.reported.value !== null) {
        this.publish(slot, { ...slot.reported, quality: worstQuality(slot.reported.quality, GOOD) });
      }
    }
  }

  /** Marks every tag of a device with a quality (e.g. the driver was stopped). */
  markDevice(deviceId: string, quality: Quality): void {
    const now = this.clock.now();
    const list = this.byDevice.get(deviceId) ?? [];
    this.onUpdates(list.map((s) => ({ name: s.config.name, value: s.reported.value, quality, sourceTs: s.reported.sourceTs, serverTs: now })));
  }

  /** Degrades the quality of values older than their expected update; call it periodically. */
  checkStaleness(now = this.clock.now()): void {
    const stall = this.lastCheckAt === null || this.observerStallMs === undefined ? 0 : now - this.lastCheckAt;
    this.lastCheckAt = Math.max(this.lastCheckAt ?? now, now);
    if (stall > this.observerStallMs!) for (const slot of this.slots.values()) slot.freshAt = Math.min(now, slot.freshAt + stall);
    for (const slot of this.slots.values()) {
      if (slot.reported.value === null) continue;
      const stale = stalenessQuality(now - slot.freshAt, slot.referenceMs);
      const quality = worstQuality(slot.reported.quality, stale);
      if (quality.status !== slot.published.quality.status) {
        this.publish(slot, { ...slot.published, quality });
      }
    }
  }

  private publish(slot: Slot, next: TagValue): void {
    const prev = slot.published;
    if (!isChange(slot.config, prev, next)) {
      // Keep time stamps current without an event.
      slot.published = { value: prev.value, quality: prev.quality, sourceTs: next.sourceTs, serverTs: next.serverTs };
      return;
    }
    slot.published = next;
    this.changeCount++;
    const change: TagChange = { name: slot.config.name, config: slot.config, previous: prev, current: next };
    const subs = this.subscriptions;
    for (let i = 0; i < subs.length; i++) {
      const sub = subs[i]!;
      try {
        sub.listener(change);
      } catch (err) {
        sub.errors++;
        try {
          this.onListenerError?.(sub.name, err, change);
        } catch {
          // A failing report must not stop the fan-out either; the count above still says it.
        }
      }
    }
  }
}

/** A Good value outside the tag's engineering range is flagged Uncertain (sensor or scaling suspect). */
function rangeQuality(config: TagConfig, u: TagUpdate): Quality {
  const r = config.range;
  if (!r || u.quality.status !== "Good" || typeof u.value !== "number") return u.quality;
  if (u.value < r.min || u.value > r.max) return uncertain(`out of range ${r.min}..${r.max} ${config.units}`.trimEnd());
  return u.quality;
}

function isChange(config: TagConfig, prev: TagValue, next: TagValue): boolean {
  if (prev.quality.status !== next.quality.status || prev.quality.reason !== next.quality.reason) return true;
  if (prev.value === next.value) return false;
  if (typeof prev.value === "number" && typeof next.value === "number" && config.deadband !== undefined) {
    return Math.abs(next.value - prev.value) > config.deadband;
  }
  return true;
}
