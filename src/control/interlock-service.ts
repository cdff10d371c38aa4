import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { TagWriter } from "../core/tag-io.js";
import type { TagScalar, TagValue } from "../core/tag-value.js";
import type { InterlockAction, InterlockEvent, InterlockInputs, InterlockState } from "../interlocks/interlock-types.js";
import { bypass as bypassInterlock } from "../interlocks/interlock-bypass.js";
import { evaluate, evaluateFor } from "../interlocks/interlock-evaluator.js";
import { tagsReadBy, waitingInterlocks } from "../interlocks/interlock-readers.js";
import { reset as resetInterlocks } from "../interlocks/interlock-reset.js";
import { createInterlockState, nextDeadline } from "../interlocks/interlock-state.js";
import { type InterlockStatus, permits, status as interlockStatus } from "../interlocks/interlock-status.js";
import type { InterlockDefs } from "../interlocks/interlock-schema.js";
import type { FirstDataWatch } from "../tags/first-data-watch.js";
import type { HeartbeatMonitor } from "../tags/heartbeat-monitor.js";
import type { TagChange } from "../tags/tag-table.js";

/** What the interlock service reads: current tag values (their changes come through onTagChange). */
export interface InterlockTagSource {
  get(name: string): { readonly value: TagValue } | undefined;
}

/** What the interlocks send the line: a trip's effect, and the start permissives when they change. */
export type InterlockLineEvent =
  | { type: "TRIP"; effect: "abort" | "hold"; reason: string }
  | { type: "PERMISSIVES"; ok: boolean; missing: readonly string[] };

/**
 * The line as the interlocks see it (the line service implements it): whether it runs and heats, and where
 * trips and permissive changes go. Attached once both exist (the line in turn asks the interlocks through
 * its own port); until then the line counts as stopped and cold, and nothing is sent.
 */
export interface InterlockLine {
  lineInputs(): { running: boolean; heating?: boolean };
  send(event: InterlockLineEvent): void;
}

const NO_LINE: InterlockLine = { lineInputs: () => ({ running: false, heating: false }), send: () => undefined };

export interface InterlockServiceDeps {
  readonly defs: InterlockDefs;
  readonly tags: InterlockTagSource;
  /** Issues PLC writes at once (the trip path: interlock service → tag router → driver); the promise only reports the outcome. */
  readonly writer: TagWriter;
  /** The loaded recipe: verified by read-back, with its parameters (peakTempK …); null when none. */
  readonly recipe: () => { verified: boolean; params: Readonly<Record<string, number>> } | null;
  readonly heartbeats: HeartbeatMonitor;
  /**
   * Which devices have delivered their first data (the quiet boot): the interlocks reading a device that
   * has not are waiting — not permitted, never tripped. Absent: every device counts as delivered.
   */
  readonly firstData?: FirstDataWatch;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** How many interlock events the service keeps for the API. */
const RECENT_EVENTS = 200;

/**
 * Wires the pure interlock evaluator to the tag table: re-evaluates, synchronously inside the tag change
 * event, only the interlocks that read the changed tag, and turns its actions into PLC writes (issued in the
 * same tick, never awaited on the trip path), line commands and events for the audit trail / historian.
 * `tick()` re-evaluates everything that depends on time, the line state, the recipe and the heartbeats.
 * The runtime subscribes `onTagChange` to the tag table first of all listeners; changes before start() are
 * not evaluated (start evaluates everything).
 */
export class InterlockService {
  readonly name = "interlocks";
  private state: InterlockState;
  private readonly readers: ReadonlyMap<string, readonly string[]>;
  private readonly listeners = new Set<(e: InterlockEvent) => void>();
  private readonly recent: InterlockEvent[] = [];
  private readonly log: Logger;
  private started = false;
  private line: InterlockLine = NO_LINE;
  private lastPermissives = "";
  /** Interlock id → the devices whose first data it waits for; empty once all have delivered. */
  private waiting: ReadonlyMap<string, string> = new Map();
  /** Trip writes issued and their outcome (for tests and benchmarks). */
  writesIssued = 0;

  constructor(private readonly deps: InterlockServiceDeps) {
    this.state = createInterlockState(deps.defs);
    this.readers = tagsReadBy(deps.defs);
    this.log = deps.logger.child({ module: "interlocks" });
    this.updateWaiting();
  }

  /** The line this service reads and commands (see InterlockLine). */
  attachLine(line: InterlockLine): void {
    this.line = line;
  }

  start(): void {
    this.started = true;
    this.tick();
  }

  stop(): void {
    this.started = false;
  }

  onEvent(listener: (e: InterlockEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The trip path: called synchronously for every tag change. */
  onTagChange(change: TagChange): void {
    // A device's first data ends its interlocks' wait: everything is evaluated afresh with it.
    const delivered = this.waiting.size > 0 && this.deps.firstData?.observe(change, this.deps.clock.now()) != null;
    if (delivered) this.updateWaiting();
    if (!this.started) return;
    const now = this.deps.clock.now();
    if (this.deps.heartbeats.isHeartbeat(change.name)) this.deps.heartbeats.observe(change.name, change.current, now);
    if (delivered) {
      this.tick();
      return;
    }
    const ids = this.readers.get(change.name);
    if (ids === undefined && now < (nextDeadline(this.state) ?? Infinity)) return;
    const r = evaluateFor(this.deps.defs, this.state, ids ?? [], this.inputs(), now);
    this.apply(r.state, r.actions);
  }

  /** Full evaluation: time-based rules, line state, recipe, heartbeats. Call it periodically. */
  tick(): void {
    if (this.waiting.size > 0 && (this.deps.firstData?.expire(this.deps.clock.now()).length ?? 0) > 0) this.updateWaiting();
    const r = evaluate(this.deps.defs, this.state, this.inputs(), this.deps.clock.now());
    this.apply(r.state, r.actions);
  }

  status(): InterlockStatus & { recentEvents: readonly InterlockEvent[]; heartbeats: Record<string, { stale: boolean; unknown?: boolean; reason: string }> } {
    return { ...interlockStatus(this.deps.defs, this.state), recentEvents: [...this.recent], heartbeats: this.heartbeatStatus() };
  }

  /** The devices whose first data the interlocks still wait for (in configuration order); empty after the boot. */
  waitingFor(): readonly string[] {
    return this.waiting.size === 0 ? [] : (this.deps.firstData?.pending() ?? []);
  }

  /** Is the start of this target permitted now (no missing permissive, no latched trip)? */
  permits(target: "line" | "heater"): { ok: boolean; blockedBy: string[] } {
    return permits(this.state, target);
  }

  bypass(id: string, request: { minutes: number; reason: string; by: string }) {
    const r = bypassInterlock(this.state, id, request, this.deps.clock.now());
    if (!r.ok) return r;
    this.apply(r.state, r.actions);
    this.tick();
    return { ok: true as const, bypass: r.bypass };
  }

  reset(by: string): { reset: readonly string[]; remaining: readonly { id: string; reason: string }[] } {
    const r = resetInterlocks(this.state, by, this.deps.clock.now(), this.inputs());
    this.apply(r.state, r.actions);
    this.tick();
    return { reset: r.reset, remaining: r.remaining };
  }

  private updateWaiting(): void {
    const fd = this.deps.firstData;
    this.waiting = fd ? waitingInterlocks(this.deps.defs, (t) => fd.waitingFor(t), new Set(fd.pending())) : new Map();
  }

  private heartbeatStatus(): Record<string, { stale: boolean; unknown?: boolean; reason: string }> {
    return this.deps.heartbeats.status(this.deps.clock.now(), (t) => this.deps.tags.get(t)?.value.quality.status === "Good");
  }

  private inputs(): InterlockInputs {
    return {
      tags: (name) => this.deps.tags.get(name)?.value,
      line: this.line.lineInputs(),
      recipe: this.deps.recipe(),
      heartbeats: this.heartbeatStatus(),
      ...(this.waiting.size > 0 ? { waiting: this.waiting } : {}),
    };
  }

  private apply(next: InterlockState, actions: readonly InterlockAction[]): void {
    this.state = next;
    for (const a of actions) {
      if (a.kind === "write") {
        this.writesIssued++;
        this.deps.writer.write(a.tag, a.value).then(
          (res) => {
            if (!res.ok) this.log.error({ tag: a.tag, value: a.value, interlock: a.interlock, status: res.status }, "interlock write failed");
          },
          (err: unknown) => this.log.error({ err, tag: a.tag }, "interlock write threw"),
        );
      } else if (a.kind === "line") {
        this.line.send({ type: "TRIP", effect: a.command, reason: `${a.interlock}: ${a.reason}` });
      } else {
        this.recent.push(a.event);
        if (this.recent.length > RECENT_EVENTS) this.recent.shift();
        const level = a.event.type === "trip" || a.event.type === "trip-not-confirmed" ? "warn" : "info";
        this.log[level]({ event: a.event }, `interlock ${a.event.interlock}: ${a.event.type}`);
        for (const l of this.listeners) l(a.event);
      }
    }
    const p = permits(this.state, "line");
    const key = `${p.ok}|${p.blockedBy.join(",")}`;
    if (key !== this.lastPermissives) {
      this.lastPermissives = key;
      const entries = new Map(interlockStatus(this.deps.defs, this.state).interlocks.map((e) => [e.id, e]));
      const waitingFor = this.waitingFor();
      const missing = [
        ...(waitingFor.length > 0 ? [`waiting for first data from ${waitingFor.join(", ")}`] : []),
        ...p.blockedBy.flatMap((id) => {
          const e = entries.get(id);
          if (e?.state === "waiting") return [];
          return [e ? `${id} ${e.title} (${e.state}${e.causeValue ? `: ${e.causeValue.text}` : ""})` : id];
        }),
      ];
      this.line.send({ type: "PERMISSIVES", ok: p.ok, missing });
    }
  }
}
