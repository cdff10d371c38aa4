import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { TagValue } from "../core/tag-value.js";
import type { AlarmDefs, AlarmLineState } from "../alarms/alarm-schema.js";
import type { AlarmEvent } from "../alarms/alarm-event.js";
import { AlarmEvaluator } from "../alarms/alarm-evaluator.js";
import type { AlarmInput } from "../alarms/alarm-input.js";
import type { OperatorResult } from "../alarms/alarm-operator-actions.js";
import type { InterlockEvent } from "../interlocks/interlock-types.js";
import type { TagChange } from "../tags/tag-table.js";
import type { StateTransition } from "./state-transition.js";

export interface AlarmServiceDeps {
  readonly defs: AlarmDefs;
  /** The tag table's current values (its changes come through onTagChange, subscribed by the runtime). */
  readonly tags: {
    all(): readonly { readonly config: { readonly name: string }; readonly value: TagValue }[];
  };
  /** Interlock events (trips, resets, unconfirmed PLC trips) and the currently tripped ids. */
  readonly interlocks: { onEvent(listener: (e: InterlockEvent) => void): () => void; status(): { tripped: readonly string[]; missingPermissives: readonly string[] } };
  /** Line and station transitions (the line's PackML state drives suppression by design). */
  readonly line: { onTransition(listener: (t: StateTransition) => void): () => void; state?(): string };
  /** Each PLC link: up when its driver's health is OK. */
  readonly devices: () => readonly { readonly deviceId: string; readonly state: string }[];
  /** The historian's state (offline, spool filling); null when there is none to watch. */
  readonly historian: () => { readonly online: boolean; readonly spoolFraction: number } | null;
  /** Logins: how many user names are locked out now (the `security` lockout alarm); absent: none watched. */
  readonly auth?: () => { readonly lockedUsers: number };
  /** The audit trail: how many faults it has now (chain broken, tail mismatch, not writable); absent: not watched. */
  readonly audit?: () => { readonly faults: number };
  /**
   * Which devices have delivered their first data (the quiet boot, src/tags/first-data-watch.ts): a device's
   * tags are not judged until it delivers (while it never has, its link alarm says all there is to say), its
   * link not until its start-up window has passed. Absent: judged at once.
   */
  readonly firstData?: {
    waitingFor(tag: string): string | null;
    isWaiting(device: string): boolean;
    isOverdue(device: string, now: number): boolean;
  };
  /** Deviation targets now, per tag (e.g. the recipe's peak while the HTR profile holds). */
  readonly targets: () => Readonly<Record<string, number>>;
  readonly clock: Clock;
  readonly logger: Logger;
  /** How often delays, shelve expiries, device links and the historian are looked at, ms. */
  readonly tickMs?: number;
}

/**
 * The alarm engine in operation: feeds the pure ISA-18.2 evaluator from the tag table, the interlocks, the
 * line's state, the device links and the historian; ticks its timers; hands every alarm event to its
 * listeners (the historian writes them to `alarm`); carries out operator actions.
 */
export class AlarmService {
  readonly name = "alarms";
  private readonly evaluator: AlarmEvaluator;
  private readonly log: Logger;
  private listeners: ((e: AlarmEvent) => void)[] = [];
  private unsubscribe: (() => void)[] = [];
  private started = false;
  private timer: NodeJS.Timeout | undefined;
  private lastDevices = new Map<string, boolean>();
  private readonly lastInterlocks = new Map<string, boolean>();
  private lastHistorian = "";
  private lastSecurity: string | undefined;
  private lastTargets = "";
  /** Recent events, newest last, for the API while the historian is away. */
  private readonly recent: AlarmEvent[] = [];

  constructor(private readonly deps: AlarmServiceDeps) {
    this.evaluator = new AlarmEvaluator(deps.defs);
    this.log = deps.logger.child({ module: "alarms" });
  }

  start(): void {
    const now = this.deps.clock.now();
    for (const e of this.deps.tags.all()) if (this.judged(e.config.name)) this.feed(tagInput(e.config.name, e.value), now);
    // The line's state now: suppression by design applies from the first moment (the line boots Stopped,
    // with no transition to report it).
    const lineState = this.deps.line.state?.();
    if (lineState !== undefined) this.feed({ type: "line-state", state: lineState as AlarmLineState }, now);
    this.syncInterlocks(now);
    this.started = true;
    this.unsubscribe.push(
      this.deps.interlocks.onEvent((e) => this.onInterlockEvent(e)),
      this.deps.line.onTransition((t) => {
        if (t.scope === "line") this.feed({ type: "line-state", state: t.to as AlarmLineState }, t.at);
      }),
    );
    this.poll();
    this.timer = setInterval(() => this.poll(), this.deps.tickMs ?? 100);
  }

  stop(): void {
    this.started = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const u of this.unsubscribe) u();
    this.unsubscribe = [];
  }

  /** The tag table's listener: every change of a tag's value or quality, once started. */
  onTagChange(c: TagChange): void {
    if (!this.started) return;
    const now = this.deps.clock.now();
    if (this.judged(c.name)) this.feed(tagInput(c.name, c.current), now);
  }

  /** A tag is judged once its device has delivered its first data (no "no data yet" alarms). */
  private judged(tag: string): boolean {
    return (this.deps.firstData?.waitingFor(tag) ?? null) === null;
  }

  onEvent(listener: (e: AlarmEvent) => void): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  list() {
    return { alarms: this.evaluator.list(), counts: this.evaluator.counts() };
  }

  /** The alarm list's counts only (no list built). */
  counts() {
    return this.evaluator.counts();
  }

  get(id: string) {
    return this.evaluator.get(id);
  }

  exists(id: string): boolean {
    return this.evaluator.get(id) !== undefined;
  }

  recentEvents(): readonly AlarmEvent[] {
    return this.recent;
  }

  ack(id: string, user: string): OperatorResult {
    return this.operate(() => this.evaluator.ack(id, user, this.tickNow()));
  }

  reset(id: string, user: string): OperatorResult {
    return this.operate(() => this.evaluator.reset(id, user, this.tickNow()));
  }

  shelve(id: string, minutes: number, reason: string, user: string): OperatorResult {
    return this.operate(() => this.evaluator.shelve(id, minutes, reason, user, this.tickNow()));
  }

  unshelve(id: string, user: string): OperatorResult {
    return this.operate(() => this.evaluator.unshelve(id, user, this.tickNow()));
  }

  /** Delays and expiries first, so an operator acts on the alarm as it is now. Returns the time. */
  private tickNow(): number {
    const now = this.deps.clock.now();
    this.emit(this.evaluator.tick(now));
    return now;
  }

  private operate(action: () => OperatorResult): OperatorResult {
    const r = action();
    if (r.ok) this.emit(r.events);
    return r;
  }

  /**
   * Interlock alarms follow the interlock's state, not its event stream: active while tripped (latched) or,
   * for a permissive, missing. Looked at on every interlock event and on every poll, changes only.
   */
  private onInterlockEvent(e: InterlockEvent): void {
    if (e.type === "trip-not-confirmed") this.feed({ type: "plc-trip", key: e.interlock, unconfirmed: true }, e.at);
    this.syncInterlocks(e.at);
  }

  private syncInterlocks(now: number): void {
    const il = this.deps.interlocks.status();
    const active = new Set([...il.tripped, ...il.missingPermissives]);
    for (const id of new Set([...active, ...this.lastInterlocks.keys()])) {
      const on = active.has(id);
      if (this.lastInterlocks.get(id) === on) continue;
      this.lastInterlocks.set(id, on);
      this.feed({ type: "interlock", id, tripped: on }, now);
      // The PLC's confirmation matters only while the trip stands.
      if (!il.tripped.includes(id)) this.feed({ type: "plc-trip", key: id, unconfirmed: false }, now);
    }
  }

  /** The periodic look: links, historian, locked-out logins, targets, then the evaluator's timers. */
  private poll(): void {
    const now = this.deps.clock.now();
    this.syncInterlocks(now);
    const fd = this.deps.firstData;
    for (const d of this.deps.devices()) {
      // Still within its start-up window with no data yet: not judged (no link alarm for "not yet").
      const starting = fd !== undefined && fd.isWaiting(d.deviceId) && !fd.isOverdue(d.deviceId, now);
      // The link alarm is for a link down (DOWN: not connected, or no good data for 5 reference periods);
      // a late poll (WARN) is shown in the device status, not annunciated.
      const up = d.state !== "DOWN" || starting;
      if (this.lastDevices.get(d.deviceId) !== up) {
        this.lastDevices.set(d.deviceId, up);
        this.feed({ type: "device", id: d.deviceId, up }, now);
      }
    }
    const h = this.deps.historian();
    if (h) {
      const key = `${h.online}|${h.spoolFraction.toFixed(3)}`;
      if (key !== this.lastHistorian) {
        this.lastHistorian = key;
        this.feed({ type: "historian", online: h.online, spoolFraction: h.spoolFraction }, now);
      }
    }
    const auth = this.deps.auth?.();
    const audit = this.deps.audit?.();
    if (auth || audit) {
      const security = { type: "security" as const, lockedUsers: auth?.lockedUsers ?? 0, ...(audit ? { auditFaults: audit.faults } : {}) };
      const key = `${security.lockedUsers}/${audit?.faults ?? "-"}`;
      if (key !== this.lastSecurity) {
        this.lastSecurity = key;
        this.feed(security, now);
      }
    }
    const targets = this.deps.targets();
    const tkey = JSON.stringify(targets);
    if (tkey !== this.lastTargets) {
      this.lastTargets = tkey;
      this.feed({ type: "targets", targets }, now);
    }
    this.emit(this.evaluator.tick(now));
  }

  private feed(input: AlarmInput, now: number): void {
    try {
      this.emit(this.evaluator.apply(input, now));
    } catch (err) {
      this.log.error({ err, input: input.type }, "alarm evaluation failed");
    }
  }

  private emit(events: readonly AlarmEvent[]): void {
    for (const e of events) {
      this.recent.push(e);
      if (this.recent.length > 1000) this.recent.shift();
      for (const l of this.listeners) {
        try {
          l(e);
        } catch (err) {
          this.log.error({ err }, "alarm event listener failed");
        }
      }
    }
  }
}

function tagInput(name: string, v: TagValue): AlarmInput {
  return { type: "tag", name, value: v.value, quality: v.quality, sourceTs: v.sourceTs };
}
