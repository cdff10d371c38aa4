import type { Clock } from "../core/clock.js";
import type { TagChangeListener, TagEntry } from "../tags/tag-table.js";
import type { TagBatch } from "./socket-contract.js";
import type { SocketMetrics } from "./socket-metrics.js";
import type { Cancel, SocketScheduler } from "./socket-scheduler.js";
import { type GroupMove, TagDeltaBatcher } from "./tag-delta-batcher.js";

/** What the gateway reads from the tag table (the narrowest capability). */
export interface GatewayTagSource {
  onChange(listener: TagChangeListener, name?: string): () => void;
  get(name: string): TagEntry | undefined;
}

/** Where tag batches go (socket.io rooms in the gateway: `socketTagOutlet`; a recorder in tests). */
export interface TagPushOutlet {
  /** Sends to a subscription group's members but `except`; returns how many sockets it reached. */
  toGroup(group: number, except: readonly string[], batch: TagBatch): number;
  /** Sends to one subscriber; false when it is gone. */
  toSubscriber(subscriber: string, batch: TagBatch): boolean;
  /** A subscriber changed group: leave `previous`'s room, join `group`'s (null: none). */
  move(subscriber: string, move: GroupMove): void;
  /**
   * An outlet that writes in chunks over several macrotasks (`SocketFanout`): whether it still writes, a call
   * when it is done, and the time its queued writes took since last asked (part of a flush's cost). A flush
   * waits until the outlet is done: batches never pile up behind the writes.
   */
  busy?(): boolean;
  whenIdle?(fn: () => void): Cancel;
  takeDeferredMs?(): number;
}

export interface SocketTagPushDeps {
  readonly tags: GatewayTagSource;
  readonly outlet: TagPushOutlet;
  /** Tick spacing (monotonic time and timers). */
  readonly scheduler: SocketScheduler;
  /** Batch time stamps (`TagBatch.t`, epoch ms). */
  readonly clock: Clock;
  /** The longest spacing between batches (ms): the spacing a loaded gateway settles at. */
  readonly tickMs: number;
  /**
   * The shortest spacing between batches (ms), while pushing is cheap; unset: always `tickMs`. Between the two
   * the spacing follows what a flush costs: cost / PUSH_DUTY, so pushing never takes more than that share of
   * the event loop, and batches grow only under load.
   */
  readonly minGapMs?: number;
  readonly metrics: Pick<SocketMetrics, "emitted" | "delivered">;
}

/**
 * Tag deltas to the subscribed sockets. A change marks the tag (only if someone subscribes to it); a flush
 * sends at most one batch per subscription group, as soon as the push budget allows: an isolated change goes
 * out at once (after the I/O callbacks already queued, so a burst read together is one batch), a stream of
 * changes as fast as the budget refills. The budget is a token bucket of event-loop time: it refills at
 * PUSH_DUTY ms per ms, holds at most PUSH_DUTY × PUSH_WINDOW_MS, and every flush spends what it
 * cost (its own writes and the chunks the outlet wrote for it later). While there is budget a flush goes out
 * at once (but never sooner than `minGapMs` after the last); once it is spent the next waits until it has
 * refilled, so under sustained load flushes settle c / PUSH_DUTY apart for a flush costing c ms, and never
 * more than `tickMs` apart. Unlike a fixed spacing after every flush (up to 2026-12-08), a change after a
 * lull is not held back by the flush just before it. Cost per flush: that of `TagDeltaBatcher.drain` plus one
 * emit per group touched and per socket that has just subscribed, plus three clock reads.
 */
/**
 * The share of the event loop the tag push may take over time: a flush costing c ms is paid back in
 * c / PUSH_DUTY ms. 0.25 since 2026-12-07: with the fan-out written in chunks (socket-fanout.ts) a flush to 50
 * sockets costs ≈ 3 ms, which 0.1 spaced 30 ms apart (browser p95 36.5 ms); at 0.25 it is 31 ms, with the
 * event loop's p99 at twice the design load 3.7 ms (goal ≤ 5) and push throughput 1.11× raw socket.io (bench/,
 * one run each).
 */
export const PUSH_DUTY = 0.25;
/**
 * The window over which the push keeps to PUSH_DUTY (ms): the budget holds at most PUSH_DUTY × this: 25 ms of
 * flushes (≈ 8 flushes to 50 sockets) that may go out back to back after a lull — each in chunks of FANOUT_CHUNK
 * sockets per macrotask, so the trip path still runs between them. The debt is bounded the same way, so a
 * flood is forgotten one window after it ends.
 */
export const PUSH_WINDOW_MS = 100;
/** The most budget the push holds, and the deepest debt (ms). */
const BUDGET_CAP_MS = PUSH_DUTY * PUSH_WINDOW_MS;

export class SocketTagPush {
  private readonly batcher: TagDeltaBatcher;
  private readonly offChange: () => void;
  private pending: Cancel | undefined;
  private lastFlush = -Infinity;
  /** Event-loop time the push may still spend now (ms; negative: in debt), as of `budgetAt`. */
  private budgetMs: number;
  private budgetAt: number;
  private closed = false;

  constructor(private readonly deps: SocketTagPushDeps) {
    this.budgetMs = BUDGET_CAP_MS;
    this.budgetAt = deps.scheduler.now();
    this.batcher = new TagDeltaBatcher((name) => deps.tags.get(name)?.value);
    // The last of the tag table's listeners: the gateway is attached when the HTTP server starts, after the rest.
    this.offChange = deps.tags.onChange((c) => {
      if (this.batcher.noteChange(c.name, c.current)) this.schedule();
    }, "socket gateway");
  }

  /** Replaces a subscriber's tags (names already validated); its current values follow in the next flush. */
  subscribe(subscriber: string, names: readonly string[]): { subscribed: string[]; unknown: string[] } {
    const subscribed: string[] = [];
    const unknown: string[] = [];
    for (const name of new Set(names)) (this.deps.tags.get(name) ? subscribed : unknown).push(name);
    this.moved(subscriber, this.batcher.subscribe(subscriber, subscribed));
    this.schedule();
    return { subscribed, unknown };
  }

  /** Drops a subscriber's tags (it lost the permission, or disconnected). */
  unsubscribe(subscriber: string): void {
    this.moved(subscriber, { previous: this.batcher.remove(subscriber), group: null });
  }

  /** Subscription groups (subscribers with the same tags share one). */
  groups(): number {
    return this.batcher.stats().groups;
  }

  /** Stops listening to the tag table; nothing more is sent. */
  close(): void {
    this.closed = true;
    this.pending?.();
    this.pending = undefined;
    this.offChange();
  }

  private moved(subscriber: string, move: GroupMove): void {
    if (move.previous !== move.group) this.deps.outlet.move(subscriber, move);
  }

  private schedule(): void {
    if (this.pending || this.closed) return;
    const { scheduler } = this.deps;
    const wait = this.waitMs(scheduler.now());
    this.pending = wait <= 0 ? scheduler.soon(this.flush) : scheduler.after(wait, this.flush);
  }

  /** How long the next flush must wait from `now`: the fixed tick, or (with minGapMs) until the budget allows. */
  private waitMs(now: number): number {
    const { minGapMs, tickMs } = this.deps;
    const since = now - this.lastFlush;
    if (minGapMs === undefined || minGapMs >= tickMs) return tickMs - since;
    const refill = Math.max(0, -this.budget(now)) / PUSH_DUTY;
    return Math.min(tickMs - since, Math.max(minGapMs - since, refill));
  }

  /**
   * The budget now: refilled since it was last read, less what the outlet's queued writes took meanwhile,
   * within ± BUDGET_CAP_MS.
   */
  private budget(now: number): number {
    const deferred = this.deps.outlet.takeDeferredMs?.() ?? 0;
    const refilled = Math.min(BUDGET_CAP_MS, this.budgetMs + (now - this.budgetAt) * PUSH_DUTY);
    this.budgetMs = Math.max(-BUDGET_CAP_MS, refilled - deferred);
    this.budgetAt = now;
    return this.budgetMs;
  }

  private readonly flush = (): void => {
    this.pending = undefined;
    if (this.closed) return;
    const { outlet, metrics, scheduler } = this.deps;
    if (outlet.busy?.() && outlet.whenIdle) {
      this.pending = outlet.whenIdle(() => {
        this.pending = undefined;
        this.schedule();
      });
      return;
    }
    const started = scheduler.now();
    this.budget(started);
    this.lastFlush = started;
    try {
      this.send(outlet, metrics);
    } finally {
      // This flush's own writes; the chunks the outlet writes for it later are taken from the budget as they come.
      this.budgetMs -= scheduler.now() - started;
    }
  };

  private send(outlet: TagPushOutlet, metrics: SocketTagPushDeps["metrics"]): void {
    const out = this.batcher.drain(this.deps.clock.now());
    let delivered = 0;
    for (const g of out.groups) {
      delivered += outlet.toGroup(g.group, g.except, g.batch);
      metrics.emitted();
    }
    for (const p of out.personal) {
      if (!outlet.toSubscriber(p.subscriber, p.batch)) continue;
      metrics.emitted();
      delivered++;
    }
    metrics.delivered(delivered);
  }
}
