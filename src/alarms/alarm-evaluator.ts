import type { TagScalar } from "../core/tag-value.js";
import { applyTagInput, deviationCondition } from "./alarm-condition.js";
import type { AlarmEvent, AlarmState } from "./alarm-event.js";
import type { AlarmInput } from "./alarm-input.js";
import {
  ackAlarm,
  needsText,
  type OperatorResult,
  type OperatorStep,
  refuse,
  removeAlarmFromService,
  resetAlarm,
  returnAlarmToService,
  shelveAlarm,
  unshelveAlarm,
} from "./alarm-operator-actions.js";
import { type AlarmRecord, alarmKey, newAlarmRecord, shownState } from "./alarm-record.js";
import type { AlarmDefs, AlarmLineState } from "./alarm-schema.js";
import { type AlarmCounts, type AlarmStatus, alarmCounts, alarmStatus } from "./alarm-status.js";
import { debounce, dueAt, emitTransition, expireShelf, needsTimer, setSuppressed, zeroQuietRate } from "./alarm-transitions.js";

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
 */export class AlarmEvaluator {
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
      const rec = newAlarmRecord(def, index);
      this.records.push(rec);
      this.byId.set(def.id, rec);
      const key = alarmKey(def);
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
        for (const r of this.byTag.get(input.name) ?? []) {
          applyTagInput(r, input, now, this.targets);
          this.debounce(r, now, events);
        }
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
          r.cond = deviationCondition(r, typeof r.lastGood === "number" ? r.lastGood : null, this.targets);
          this.debounce(r, now, events);
        }
        break;
      case "line-state":
        this.lineState = input.state;
        for (const r of this.records) {
          if (r.def.suppressWhen.length === 0) continue;
          setSuppressed(r, r.def.suppressWhen.includes(input.state), now, events);
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
      expireShelf(r, now, events);
      zeroQuietRate(r, now);
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
    return this.act(id, user, now, (r, from) => ackAlarm(r, from, user, now));
  }

  /** Resets a latched alarm that was acknowledged and whose condition is gone. */
  reset(id: string, user: string, now: number): OperatorResult {
    return this.act(id, user, now, resetAlarm);
  }

  shelve(id: string, minutes: number, reason: string, user: string, now: number): OperatorResult {
    const maxMinutes = this.defs.settings.maxShelveMinutes;
    return this.act(id, user, now, (r) => shelveAlarm(r, { minutes, reason, user, now, maxMinutes }));
  }

  unshelve(id: string, user: string, now: number): OperatorResult {
    return this.act(id, user, now, unshelveAlarm);
  }

  removeFromService(id: string, reason: string, user: string, now: number): OperatorResult {
    return this.act(id, user, now, (r) => removeAlarmFromService(r, reason, user, now));
  }

  returnToService(id: string, user: string, now: number): OperatorResult {
    return this.act(id, user, now, returnAlarmToService);
  }

  // ── Views ─────────────────────────────────────────────────────────────────────────────────────────────

  get(id: string): AlarmStatus | undefined {
    const r = this.byId.get(id);
    return r ? alarmStatus(r) : undefined;
  }

  /** Every alarm, in the order of alarms.yaml. */
  list(): AlarmStatus[] {
    return this.records.map(alarmStatus);
  }

  counts(): AlarmCounts {
    return alarmCounts(this.records);
  }

  /** The line state last passed (null before the first). */
  currentLineState(): AlarmLineState | null {
    return this.lineState;
  }

  // ── Internals ─────────────────────────────────────────────────────────────────────────────────────────

  /**
   * One operator action: finds the alarm, checks the user, runs `step` (which refuses, changing nothing, or
   * changes the record), announces the transition and re-arms the timers (a shelf starts or ends one).
   */
  private act(id: string, user: string, now: number, step: (r: AlarmRecord, from: AlarmState) => OperatorStep): OperatorResult {
    const r = this.byId.get(id);
    if (!r) return refuse(`unknown alarm '${id}'`);
    if (needsText(user)) return refuse("a user is required");
    const from = shownState(r);
    const done = step(r, from);
    if (!done.ok) return done;
    const events: AlarmEvent[] = [];
    emitTransition(r, done.transition, from, now, events, user, done.extra);
    this.updateTimer(r);
    this.refreshDue();
    return { ok: true, events };
  }

  private setKeyed(key: string, cond: boolean, value: TagScalar | null, now: number, events: AlarmEvent[]): void {
    for (const r of this.byKey.get(key) ?? []) {
      r.cond = cond;
      r.value = value;
      this.debounce(r, now, events);
    }
  }

  private debounce(r: AlarmRecord, now: number, events: AlarmEvent[]): void {
    debounce(r, now, events);
    this.updateTimer(r);
  }

  private updateTimer(r: AlarmRecord): void {
    if (needsTimer(r)) this.timed.add(r);
    else this.timed.delete(r);
  }

  private refreshDue(): void {
    let due = Infinity;
    for (const r of this.timed) due = Math.min(due, dueAt(r));
    this.due = due;
  }
}
