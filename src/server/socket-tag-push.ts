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
 * sends at most one batch per subscription group, as soon as the spacing allows: an isolated change goes out
 * at once (after the I/O callbacks already queued, so a burst read together is one batch), a stream of
 * changes once per spacing. The spacing adapts to load: a flush that cost c ms is followed by at least
 * c / PUSH_DUTY ms (an exponentially weighted mean of the last flushes), never less than `minGapMs` nor more
 * than `tickMs` — at the line's normal change rate a change reaches the sockets within a few ms; with many
 * clients or a flood of changes the batches grow, and throughput with them. Cost per flush: that of
 * `TagDeltaBatcher.drain` plus one emit per group touched and per socket that has just subscribed, plus two
 * clock reads.
 */
/**
 * The share of the event loop the tag push may take: a flush costing c ms is spaced c / PUSH_DUTY from the next.
 * 0.25 since 2026-12-07: with the fan-out written in chunks (socket-fanout.ts) a flush to 50 sockets costs
 * ≈ 3 ms, which 0.1 spaced 30 ms apart (browser p95 36.5 ms); at 0.25 it is 31 ms, with the event loop's p99 at
 * twice the design load 3.7 ms (goal ≤ 5) and push throughput 1.11× raw socket.io (bench/, one run each).
 */
export const PUSH_DUTY = 0.25;
/** Weight of the newest flush in the mean flush cost. */
const COST_WEIGHT = 0.2;

export class SocketTagPush {
  private readonly batcher: TagDeltaBatcher;
  private readonly offChange: () => void;
  private pending: Cancel | undefined;
  private lastFlush = -Infinity;
  /** Mean cost of a flush, ms (EWMA). */
  private flushCostMs = 0;
  private closed = false;

  constructor(private readonly deps: SocketTagPushDeps) {
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
    const wait = this.lastFlush + this.gapMs() - scheduler.now();
    this.pending = wait <= 0 ? scheduler.soon(this.flush) : scheduler.after(wait, this.flush);
  }

  /** The spacing now: the fixed tick, or (with minGapMs) what the flushes cost, within [minGapMs, tickMs]. */
  private gapMs(): number {
    const { minGapMs, tickMs } = this.deps;
    if (minGapMs === undefined || minGapMs >= tickMs) return tickMs;
    return Math.min(tickMs, Math.max(minGapMs, this.flushCostMs / PUSH_DUTY));
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
    this.lastFlush = started;
    try {
      this.send(outlet, metrics);
    } finally {
      // This flush's own writes, and the queued writes of the one before (done: a flush waits for them).
      const cost = scheduler.now() - started + (outlet.takeDeferredMs?.() ?? 0);
      this.flushCostMs += COST_WEIGHT * (cost - this.flushCostMs);
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
