import type { Quality, QualityStatus, TagScalar } from "../core/tag-value.js";
import {
  type AlarmDef,
  type AlarmDefs,
  type AlarmKind,
  type AlarmLineState,
  type AlarmPriority,
  ALARM_PRIORITIES,
  isHighLevel,
} from "./alarm-schema.js";

/**
 * The ISA-18.2 alarm evaluator: deterministic, no I/O, no timers, no clock — every call gets `now` (epoch ms)
 * and returns the transitions it caused as `AlarmEvent`s, the single output (the caller writes them to
 * history and pushes them to the HMI).
 *
 * Condition → alarm. Each alarm watches one condition (a limit with hysteresis, a deviation from the recipe
 * target, a rate, a discrete value, an interlock trip, an unconfirmed PLC trip, a link down, a value not Good,
 * the historian offline / spool filling). The condition must hold for `onDelayMs` before the alarm activates
 * and be gone for `offDelayMs` before it clears; a shorter excursion changes nothing. Values that are not
 * Good neither raise nor clear a value alarm (the last decision holds; the quality alarm reports the bad
 * value). `tick(now)` fires delays, shelve expiries and the rate's return to zero; `apply` ticks first, so a
 * deadline that passed before an input is honoured. `nextDue()` says when the next tick is needed.
 *
 * States (ISA-18.2):
 *   normal ──activate──▶ unack-active ──ack──▶ ack-active ──clear──▶ normal
 *                         │  ▲                                     (latching: stays ack-active until reset)
 *                   clear ▼  │ activate
 *                         rtn-unack ──ack──▶ normal
 * Latching, as implemented: a latched alarm that clears while unacknowledged goes to rtn-unack and needs an ack
 * (like any alarm); one acknowledged while active stays ack-active after its condition clears, until an
 * operator `reset` (refused while the condition is still active). If the condition returns before the reset,
 * the alarm is annunciated again (unack-active).
 *
 * Shelved (operator, with reason and expiry), suppressed (by design: the line state is in `suppressWhen`) and
 * out-of-service (operator) hide the alarm; precedence out-of-service > shelved > suppressed. A hidden alarm's
 * condition is still tracked (delays included) but its changes are not annunciated: no activate/clear events,
 * so the KPIs count only what an operator saw. When it stops being hidden it lands, as in the ISA-18.2 state
 * diagram, in normal and is re-evaluated at once: unack-active if its condition is active, else normal (an
 * alarm acknowledged before shelving comes back unacknowledged — it has to be looked at again).
 *
 * Operator actions (`ack`, `reset`, `shelve`, `unshelve`, `removeFromService`, `returnToService`) do not
 * advance time: the caller ticks first when timers may be due. A refused action returns `{ ok: false, reason }`
 * and changes nothing.
 */

// ── Inputs ──────────────────────────────────────────────────────────────────────────────────────────────

/** A tag's new value (from the tag table's change events). */
export interface AlarmTagInput {
  readonly type: "tag";
  readonly name: string;
  readonly value: TagScalar | null;
  /** The status, or the whole Quality of a TagValue. */
  readonly quality: QualityStatus | Quality;
  /** Source time stamp, epoch ms: rates are computed from these. */
  readonly sourceTs: number;
}

export type AlarmInput =
  | AlarmTagInput
  /** An interlock tripped or reset (a permissive: missing or restored). */
  | { readonly type: "interlock"; readonly id: string; readonly tripped: boolean }
  /** A PLC trip not confirmed by the trip word (key: the interlock id or device id of `plcTripUnconfirmed`). */
  | { readonly type: "plc-trip"; readonly key: string; readonly unconfirmed: boolean }
  /** A device's link up or down. */
  | { readonly type: "device"; readonly id: string; readonly up: boolean }
  | { readonly type: "historian"; readonly online: boolean; readonly spoolFraction: number }
  /** How many user names are locked out after failed logins now. */
  | { readonly type: "security"; readonly lockedUsers: number; readonly auditFaults?: number }
  /** The recipe profile's targets now, per tag (deviation alarms); a tag without a target: no deviation alarm. */
  | { readonly type: "targets"; readonly targets: Readonly<Record<string, number>> }
  | { readonly type: "line-state"; readonly state: AlarmLineState };

// ── Output ──────────────────────────────────────────────────────────────────────────────────────────────

export const ALARM_STATES = [
  "normal",
  "unack-active",
  "ack-active",
  "rtn-unack",
  "shelved",
  "suppressed",
  "out-of-service",
] as const;
export type AlarmState = (typeof ALARM_STATES)[number];

export const ALARM_TRANSITIONS = [
  "activate",
  "clear",
  "ack",
  "reset",
  "shelve",
  "unshelve",
  "shelve-expired",
  "suppress",
  "unsuppress",
  "out-of-service",
  "in-service",
] as const;
export type AlarmTransition = (typeof ALARM_TRANSITIONS)[number];

/** Who did it, for transitions nobody asked for. */
export const SYSTEM_USER = "system";

export interface AlarmEvent {
  readonly alarmId: string;
  readonly at: number;
  readonly transition: AlarmTransition;
  /** Shown state before and after (`clear` of a latched, acknowledged alarm: ack-active → ack-active). */
  readonly from: AlarmState;
  readonly to: AlarmState;
  /** The value behind the condition at that moment (tag value, spool fraction), null when none. */
  readonly value: TagScalar | null;
  readonly priority: AlarmPriority;
  readonly station: string;
  readonly message: string;
  /** The operator, or "system". */
  readonly user: string;
  /** Shelve / out-of-service: the operator's reason. */
  readonly reason?: string;
  /** Shelve: when it expires, epoch ms. */
  readonly shelvedUntil?: number;
}

/** One alarm as the alarm list shows it. */
export interface AlarmStatus {
  readonly id: string;
  readonly kind: AlarmKind;
  readonly state: AlarmState;
  readonly priority: AlarmPriority;
  readonly station: string;
  readonly message: string;
  /** The tag the alarm watches (null for interlock, comm and historian alarms): the HMI marks that value. */
  readonly tag: string | null;
  /** Analog alarms: the level and limit, in the tag's units (the HMI draws it on the indicator). */
  readonly limit: { readonly level: string; readonly value: number } | null;
  /** The debounced condition (also tracked while shelved, suppressed or out of service). */
  readonly conditionActive: boolean;
  readonly activeSince: number | null;
  readonly ackedBy: string | null;
  readonly ackedAt: number | null;
  readonly shelvedUntil: number | null;
  readonly shelvedBy: string | null;
  readonly shelveReason: string | null;
  readonly suppressed: boolean;
  readonly outOfService: { readonly by: string; readonly reason: string; readonly at: number } | null;
  /** Latched, acknowledged, condition gone: waits for an operator reset. */
  readonly awaitingReset: boolean;
  readonly value: TagScalar | null;
  /** Time of the last change of the shown state. */
  readonly since: number | null;
}

export interface AlarmCounts {
  readonly byState: Readonly<Record<AlarmState, number>>;
  /** Alarms in the alarm list (unack-active, ack-active, rtn-unack) per priority. */
  readonly byPriority: Readonly<Record<AlarmPriority, number>>;
  /** unack-active + rtn-unack. */
  readonly unacknowledged: number;
}

export type OperatorResult = { readonly ok: true; readonly events: AlarmEvent[] } | { readonly ok: false; readonly reason: string };

// ── State ───────────────────────────────────────────────────────────────────────────────────────────────

type AckState = "normal" | "unack-active" | "ack-active" | "rtn-unack";

interface AlarmRecord {
  readonly def: AlarmDef;
  readonly index: number;
  /** The condition with hysteresis, before the delays. */
  cond: boolean;
  /** The condition after the delays: what the alarm reports. */
  active: boolean;
  /** Since when `cond` differs from `active` (an on- or off-delay running). */
  pendingSince: number | null;
  activeSince: number | null;
  value: TagScalar | null;
  /** Last Good value (deviation alarms re-evaluate with it when the targets change). */
  lastGood: TagScalar | null;
  /** Rate alarms: last Good sample (source time) and when it arrived (now). */
  sample: { readonly value: number; readonly ts: number } | null;
  sampleAt: number | null;
  ack: AckState;
  ackedBy: string | null;
  ackedAt: number | null;
  shelf: { readonly until: number; readonly by: string; readonly reason: string } | null;
  suppressed: boolean;
  oos: { readonly by: string; readonly reason: string; readonly at: number } | null;
  since: number | null;
}

function statusOf(q: QualityStatus | Quality): QualityStatus {
  return typeof q === "string" ? q : q.status;
}

function shownState(r: AlarmRecord): AlarmState {
  if (r.oos) return "out-of-service";
  if (r.shelf) return "shelved";
  if (r.suppressed) return "suppressed";
  return r.ack;
}

function hidden(r: AlarmRecord): boolean {
  return r.oos !== null || r.shelf !== null || r.suppressed;
}

function refuse(reason: string): OperatorResult {
  return { ok: false, reason };
}

function needsText(s: string): boolean {
  return typeof s !== "string" || s.trim() === "";
}

export class AlarmEvaluator {
  private readonly records: AlarmRecord[] = [];
  private readonly byId = new Map<string, AlarmRecord>();
  private readonly byTag = new Map<string, AlarmRecord[]>();
  private readonly byKey = new Map<string, AlarmRecord[]>();
  /** Records with a timer that may fire: a delay running, a shelf, a rate that must return to 0. */
  private readonly timed = new Set<AlarmRecord>();
  private due = Infinity;
  private targets: Readonly<Record<string, number>> = {};
  private lineState: AlarmLineState | null = null;

  constructor(readonly defs: AlarmDefs) {
    defs.alarms.forEach((def, index) => {
      if (this.byId.has(def.id)) throw new Error(`duplicate alarm id '${def.id}' (run the config check)`);
      const rec: AlarmRecord = {
        def,
        index,
        cond: false,
        active: false,
        pendingSince: null,
        activeSince: null,
        value: null,
        lastGood: null,
        sample: null,
        sampleAt: null,
        ack: "normal",
        ackedBy: null,
        ackedAt: null,
        shelf: null,
        suppressed: false,
        oos: null,
        since: null,
      };
      this.records.push(rec);
      this.byId.set(def.id, rec);
      const key = keyOf(def);
      const lookup = "tag" in def ? this.byTag : this.byKey;
      const list = lookup.get(key) ?? [];
      list.push(rec);
      lookup.set(key, list);
    });
  }

  // ── Process side ──────────────────────────────────────────────────────────────────────────────────────

  /** Feeds one input at `now`; returns the transitions (timers that fell due first, then this input's). */
  apply(input: AlarmInput, now: number): AlarmEvent[] {
    const events = this.tick(now);
    switch (input.type) {
      case "tag":
        for (const r of this.byTag.get(input.name) ?? []) this.onTag(r, input, now, events);
        break;
      case "interlock":
        this.setKeyed(`interlock:${input.id}`, input.tripped, null, now, events);
        break;
      case "plc-trip":
        this.setKeyed(`plc-trip:${input.key}`, input.unconfirmed, null, now, events);
        break;
      case "device":
        this.setKeyed(`comm:${input.id}`, !input.up, null, now, events);
        break;
      case "historian":
        this.setKeyed("historian:offline", !input.online, null, now, events);
        this.setKeyed(
          "historian:spool-filling",
          input.spoolFraction >= this.defs.settings.spoolFillingFraction,
          input.spoolFraction,
          now,
          events,
        );
        break;
      case "security":
        this.setKeyed("security:lockout", input.lockedUsers > 0, input.lockedUsers, now, events);
        if (input.auditFaults !== undefined) this.setKeyed("security:audit-trail", input.auditFaults > 0, input.auditFaults, now, events);
        break;
      case "targets":
        this.targets = { ...input.targets };
        for (const r of this.records) {
          if (r.def.kind !== "deviation") continue;
          r.cond = this.deviationCond(r, typeof r.lastGood === "number" ? r.lastGood : null);
          this.debounce(r, now, events);
        }
        break;
      case "line-state":
        this.lineState = input.state;
        for (const r of this.records) {
          if (r.def.suppressWhen.length === 0) continue;
          this.setSuppressed(r, r.def.suppressWhen.includes(input.state), now, events);
        }
        break;
    }
    this.refreshDue();
    return events;
  }

  /** Fires what is due at `now`: on/off delays, shelve expiries, rates that went quiet. */
  tick(now: number): AlarmEvent[] {
    const events: AlarmEvent[] = [];
    if (now < this.due) return events;
    const due = [...this.timed].sort((a, b) => a.index - b.index);
    for (const r of due) {
      if (r.shelf && now >= r.shelf.until) {
        const from = shownState(r);
        r.shelf = null;
        this.land(r);
        this.emit(r, "shelve-expired", from, now, events, SYSTEM_USER);
      }
      if (r.def.kind === "rate" && r.cond && r.sampleAt !== null && now - r.sampleAt >= r.def.zeroAfterMs) {
        r.cond = false;
        r.sample = null;
      }
      this.debounce(r, now, events);
    }
    this.refreshDue();
    return events;
  }

  /** Earliest time `tick` may change something (Infinity: nothing pending). */
  nextDue(): number {
    return this.due;
  }

  // ── Operator actions ──────────────────────────────────────────────────────────────────────────────────

  ack(id: string, user: string, now: number): OperatorResult {
    const r = this.byId.get(id);
    if (!r) return refuse(`unknown alarm '${id}'`);
    if (needsText(user)) return refuse("a user is required");
    const from = shownState(r);
    if (from !== "unack-active" && from !== "rtn-unack") return refuse(`alarm '${id}' is ${from}: nothing to acknowledge`);
    r.ack = from === "unack-active" ? "ack-active" : "normal";
    r.ackedBy = user;
    r.ackedAt = now;
    const events: AlarmEvent[] = [];
    this.emit(r, "ack", from, now, events, user);
    return { ok: true, events };
  }

  /** Resets a latched alarm that was acknowledged and whose condition is gone. */
  reset(id: string, user: string, now: number): OperatorResult {
    const r = this.byId.get(id);
    if (!r) return refuse(`unknown alarm '${id}'`);
    if (needsText(user)) return refuse("a user is required");
    if (!r.def.latching) return refuse(`alarm '${id}' is not latching: it needs no reset`);
    const from = shownState(r);
    if (from !== "ack-active") return refuse(`alarm '${id}' is ${from}: only an acknowledged latched alarm can be reset`);
    if (r.active) return refuse(`alarm '${id}': its condition is still active`);
    r.ack = "normal";
    const events: AlarmEvent[] = [];
    this.emit(r, "reset", from, now, events, user);
    return { ok: true, events };
  }

  shelve(id: string, minutes: number, reason: string, user: string, now: number): OperatorResult {
    const r = this.byId.get(id);
    if (!r) return refuse(`unknown alarm '${id}'`);
    if (needsText(user)) return refuse("a user is required");
    if (needsText(reason)) return refuse("a reason is required to shelve an alarm");
    const max = this.defs.settings.maxShelveMinutes;
    if (typeof minutes !== "number" || !Number.isFinite(minutes) || minutes <= 0 || minutes > max) {
      return refuse(`shelve time must be more than 0 and at most ${max} minutes (got ${String(minutes)})`);
    }
    if (r.oos) return refuse(`alarm '${id}' is out of service`);
    if (r.shelf) return refuse(`alarm '${id}' is already shelved until ${new Date(r.shelf.until).toISOString()}`);
    const from = shownState(r);
    r.shelf = { until: now + minutes * 60_000, by: user, reason: reason.trim() };
    const events: AlarmEvent[] = [];
    this.emit(r, "shelve", from, now, events, user, { reason: r.shelf.reason, shelvedUntil: r.shelf.until });
    this.updateTimer(r);
    this.refreshDue();
    return { ok: true, events };
  }

  unshelve(id: string, user: string, now: number): OperatorResult {
    const r = this.byId.get(id);
    if (!r) return refuse(`unknown alarm '${id}'`);
    if (needsText(user)) return refuse("a user is required");
    if (!r.shelf) return refuse(`alarm '${id}' is not shelved`);
    const from = shownState(r);
    r.shelf = null;
    this.land(r);
    const events: AlarmEvent[] = [];
    this.emit(r, "unshelve", from, now, events, user);
    this.updateTimer(r);
    this.refreshDue();
    return { ok: true, events };
  }

  removeFromService(id: string, reason: string, user: string, now: number): OperatorResult {
    const r = this.byId.get(id);
    if (!r) return refuse(`unknown alarm '${id}'`);
    if (needsText(user)) return refuse("a user is required");
    if (needsText(reason)) return refuse("a reason is required to take an alarm out of service");
    if (r.oos) return refuse(`alarm '${id}' is already out of service`);
    const from = shownState(r);
    // Out of service supersedes a shelf: returning to service must not bring back an old expiry.
    r.shelf = null;
    r.oos = { by: user, reason: reason.trim(), at: now };
    const events: AlarmEvent[] = [];
    this.emit(r, "out-of-service", from, now, events, user, { reason: r.oos.reason });
    this.updateTimer(r);
    this.refreshDue();
    return { ok: true, events };
  }

  returnToService(id: string, user: string, now: number): OperatorResult {
    const r = this.byId.get(id);
    if (!r) return refuse(`unknown alarm '${id}'`);
    if (needsText(user)) return refuse("a user is required");
    if (!r.oos) return refuse(`alarm '${id}' is not out of service`);
    const from = shownState(r);
    r.oos = null;
    this.land(r);
    const events: AlarmEvent[] = [];
    this.emit(r, "in-service", from, now, events, user);
    return { ok: true, events };
  }

  // ── Views ─────────────────────────────────────────────────────────────────────────────────────────────

  get(id: string): AlarmStatus | undefined {
    const r = this.byId.get(id);
    return r ? this.status(r) : undefined;
  }

  /** Every alarm, in the order of alarms.yaml. */
  list(): AlarmStatus[] {
    return this.records.map((r) => this.status(r));
  }

  counts(): AlarmCounts {
    const byState = Object.fromEntries(ALARM_STATES.map((s) => [s, 0])) as Record<AlarmState, number>;
    const byPriority = Object.fromEntries(ALARM_PRIORITIES.map((p) => [p, 0])) as Record<AlarmPriority, number>;
    for (const r of this.records) {
      const s = shownState(r);
      byState[s] += 1;
      if (s === "unack-active" || s === "ack-active" || s === "rtn-unack") byPriority[r.def.priority] += 1;
    }
    return { byState, byPriority, unacknowledged: byState["unack-active"] + byState["rtn-unack"] };
  }

  /** The line state last passed (null before the first). */
  currentLineState(): AlarmLineState | null {
    return this.lineState;
  }

  // ── Internals ─────────────────────────────────────────────────────────────────────────────────────────

  private status(r: AlarmRecord): AlarmStatus {
    return {
      id: r.def.id,
      kind: r.def.kind,
      state: shownState(r),
      priority: r.def.priority,
      station: r.def.station,
      message: r.def.message,
      tag: "tag" in r.def ? r.def.tag : null,
      limit: r.def.kind === "analog" ? { level: r.def.level, value: r.def.limit } : null,
      conditionActive: r.active,
      activeSince: r.activeSince,
      ackedBy: r.ackedBy,
      ackedAt: r.ackedAt,
      shelvedUntil: r.shelf?.until ?? null,
      shelvedBy: r.shelf?.by ?? null,
      shelveReason: r.shelf?.reason ?? null,
      suppressed: r.suppressed,
      outOfService: r.oos,
      awaitingReset: r.def.latching && r.ack === "ack-active" && !r.active,
      value: r.value,
      since: r.since,
    };
  }

  private onTag(r: AlarmRecord, input: AlarmTagInput, now: number, events: AlarmEvent[]): void {
    const def = r.def;
    const good = statusOf(input.quality) === "Good";
    r.value = input.value;
    if (def.kind === "quality") {
      r.cond = !good;
      this.debounce(r, now, events);
      return;
    }
    // Not Good (or no value): neither raise nor clear — the last decision holds.
    if (!good || input.value === null) {
      this.debounce(r, now, events);
      return;
    }
    r.lastGood = input.value;
    const v = input.value;
    switch (def.kind) {
      case "analog": {
        if (typeof v !== "number") break;
        if (isHighLevel(def.level)) r.cond = r.cond ? !(v < def.limit - def.deadband) : v > def.limit;
        else r.cond = r.cond ? !(v > def.limit + def.deadband) : v < def.limit;
        break;
      }
      case "deviation":
        r.cond = this.deviationCond(r, typeof v === "number" ? v : null);
        break;
      case "rate": {
        if (typeof v !== "number") break;
        const prev = r.sample;
        if (prev && input.sourceTs <= prev.ts) break; // out of order or repeated: no rate from it
        if (prev) r.cond = Math.abs(v - prev.value) / ((input.sourceTs - prev.ts) / 1000) > def.maxRatePerS;
        r.sample = { value: v, ts: input.sourceTs };
        r.sampleAt = now;
        break;
      }
      case "discrete": {
        const want = def.alarmValue;
        r.cond = typeof want === "boolean" && typeof v === "number" ? (v !== 0) === want : v === want;
        break;
      }
      default:
        break;
    }
    this.debounce(r, now, events);
  }

  private deviationCond(r: AlarmRecord, v: number | null): boolean {
    const def = r.def;
    if (def.kind !== "deviation") return false;
    const target = this.targets[def.tag];
    if (target === undefined) return false; // no target (no recipe running): no deviation alarm
    if (v === null) return r.cond; // no Good value yet: the last decision holds
    const dev = Math.abs(v - target);
    return r.cond ? !(dev < def.band - def.deadband) : dev > def.band;
  }

  private setKeyed(key: string, cond: boolean, value: TagScalar | null, now: number, events: AlarmEvent[]): void {
    for (const r of this.byKey.get(key) ?? []) {
      r.cond = cond;
      r.value = value;
      this.debounce(r, now, events);
    }
  }

  /** Applies the on/off delays to `cond`; changes `active` when the delay has passed. */
  private debounce(r: AlarmRecord, now: number, events: AlarmEvent[]): void {
    if (r.cond === r.active) {
      r.pendingSince = null;
    } else {
      const delay = r.cond ? r.def.onDelayMs : r.def.offDelayMs;
      r.pendingSince ??= now;
      if (now - r.pendingSince >= delay) {
        r.pendingSince = null;
        this.setActive(r, r.cond, now, events);
      }
    }
    this.updateTimer(r);
  }

  private updateTimer(r: AlarmRecord): void {
    const needsTimer = r.pendingSince !== null || r.shelf !== null || (r.def.kind === "rate" && r.cond);
    if (needsTimer) this.timed.add(r);
    else this.timed.delete(r);
  }

  private setActive(r: AlarmRecord, active: boolean, now: number, events: AlarmEvent[]): void {
    r.active = active;
    r.activeSince = active ? now : null;
    if (hidden(r)) return; // tracked, not annunciated
    const from = shownState(r);
    if (active) {
      r.ack = "unack-active";
      r.ackedBy = null;
      r.ackedAt = null;
      this.emit(r, "activate", from, now, events, SYSTEM_USER);
    } else {
      if (r.ack === "unack-active") r.ack = "rtn-unack";
      else if (r.ack === "ack-active" && !r.def.latching) r.ack = "normal";
      this.emit(r, "clear", from, now, events, SYSTEM_USER);
    }
  }

  private setSuppressed(r: AlarmRecord, suppressed: boolean, now: number, events: AlarmEvent[]): void {
    if (r.suppressed === suppressed) return;
    const from = shownState(r);
    r.suppressed = suppressed;
    this.land(r);
    const to = shownState(r);
    // Under a shelf or out of service the shown state does not change: nothing to tell.
    if (to !== from) this.emit(r, suppressed ? "suppress" : "unsuppress", from, now, events, SYSTEM_USER);
  }

  /** Back from hidden (ISA-18.2: to normal, then re-evaluated): unack-active if the condition is active. */
  private land(r: AlarmRecord): void {
    if (hidden(r)) return;
    r.ack = r.active ? "unack-active" : "normal";
    r.ackedBy = null;
    r.ackedAt = null;
  }

  private emit(
    r: AlarmRecord,
    transition: AlarmTransition,
    from: AlarmState,
    now: number,
    events: AlarmEvent[],
    user: string,
    extra: { reason?: string; shelvedUntil?: number } = {},
  ): void {
    r.since = now;
    events.push({
      alarmId: r.def.id,
      at: now,
      transition,
      from,
      to: shownState(r),
      value: r.value,
      priority: r.def.priority,
      station: r.def.station,
      message: r.def.message,
      user,
      ...extra,
    });
  }

  private refreshDue(): void {
    let due = Infinity;
    for (const r of this.timed) {
      if (r.pendingSince !== null) due = Math.min(due, r.pendingSince + (r.cond ? r.def.onDelayMs : r.def.offDelayMs));
      if (r.shelf) due = Math.min(due, r.shelf.until);
      if (r.def.kind === "rate" && r.cond && r.sampleAt !== null) due = Math.min(due, r.sampleAt + r.def.zeroAfterMs);
    }
    this.due = due;
  }
}

/** Where an input finds the alarms it drives: the tag name, or `<kind>:<key>`. */
function keyOf(def: AlarmDef): string {
  switch (def.kind) {
    case "analog":
    case "deviation":
    case "rate":
    case "discrete":
    case "quality":
      return def.tag;
    case "interlock":
      return `interlock:${def.interlock}`;
    case "plc-trip":
      return `plc-trip:${def.plcTripUnconfirmed}`;
    case "comm":
      return `comm:${def.device}`;
    case "historian":
      return `historian:${def.condition}`;
    case "security":
      return `security:${def.condition}`;
  }
}
