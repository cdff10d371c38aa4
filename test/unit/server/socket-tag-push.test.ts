// The tag push driven by hand: a manual scheduler for the ticks, a manual clock for the batch stamps, a real
// TagTable, and an outlet that records what would go to the sockets.
import assert from "node:assert/strict";
import { ManualClock } from "../../../src/core/clock.js";
import { GOOD } from "../../../src/core/tag-value.js";
import type { TagBatch } from "../../../src/server/socket-contract.js";
import { PUSH_DUTY, PUSH_WINDOW_MS, SocketTagPush, type TagPushOutlet } from "../../../src/server/socket-tag-push.js";
import type { GroupMove } from "../../../src/server/tag-delta-batcher.js";
import { TagTable } from "../../../src/tags/tag-table.js";
import type { TagConfig } from "../../../src/tags/tag-schema.js";
import { ManualSocketScheduler } from "./manual-socket-scheduler.js";

const TICK = 50;
const tag = (name: string): TagConfig => ({ name, description: "", device: "dev", type: "float64", quantity: "temperature", units: "K", updateMs: 100, writable: false });

/** What the push sent, as it would reach sockets: group batches go to every member but the excepted. */
class RecordingOutlet implements TagPushOutlet {
  readonly members = new Map<number, Set<string>>();
  readonly received = new Map<string, TagBatch[]>();
  readonly moves: [string, GroupMove][] = [];
  toGroup(group: number, except: readonly string[], batch: TagBatch): number {
    const to = [...(this.members.get(group) ?? [])].filter((m) => !except.includes(m));
    for (const m of to) this.deliver(m, batch);
    return to.length;
  }
  toSubscriber(subscriber: string, batch: TagBatch): boolean {
    this.deliver(subscriber, batch);
    return true;
  }
  move(subscriber: string, move: GroupMove): void {
    this.moves.push([subscriber, move]);
    if (move.previous !== null) this.members.get(move.previous)?.delete(subscriber);
    if (move.group !== null) this.members.set(move.group, (this.members.get(move.group) ?? new Set()).add(subscriber));
  }
  batches(subscriber: string): TagBatch[] {
    return this.received.get(subscriber) ?? [];
  }
  private deliver(subscriber: string, batch: TagBatch): void {
    this.received.set(subscriber, [...this.batches(subscriber), batch]);
  }
}

describe("SocketTagPush (manual scheduler and clock)", () => {
  let scheduler: ManualSocketScheduler;
  let clock: ManualClock;
  let table: TagTable;
  let outlet: RecordingOutlet;
  let counts: { emits: number; delivered: number };
  let push: SocketTagPush;

  const put = (name: string, value: number) => table.onUpdates([{ name, value, quality: GOOD, sourceTs: clock.now() - 3, serverTs: clock.now() }]);
  const values = (b: TagBatch | undefined) => b?.changes.map((c) => [c.name, c.value]);

  /** Replaces `push` with one whose every emit costs `cost()` ms of scheduler time, "s1" subscribed to "a". */
  const costlyPush = (cost: () => number): void => {
    push.close();
    const costly: TagPushOutlet = {
      toGroup: (g, e, b) => (scheduler.spend(cost()), outlet.toGroup(g, e, b)),
      toSubscriber: (s, b) => (scheduler.spend(cost()), outlet.toSubscriber(s, b)),
      move: (s, m) => outlet.move(s, m),
    };
    const metrics = { emitted: () => undefined, delivered: () => undefined };
    push = new SocketTagPush({ tags: table, outlet: costly, scheduler, clock, tickMs: TICK, minGapMs: 4, metrics });
    push.subscribe("s1", ["a"]);
    scheduler.advance(0);
  };

  beforeEach(() => {
    scheduler = new ManualSocketScheduler();
    clock = new ManualClock(1_700_000_000_000);
    table = new TagTable(["a", "b", "c"].map(tag), clock);
    outlet = new RecordingOutlet();
    counts = { emits: 0, delivered: 0 };
    const metrics = { emitted: () => void counts.emits++, delivered: (n: number) => void (counts.delivered += n) };
    push = new SocketTagPush({ tags: table, outlet, scheduler, clock, tickMs: TICK, metrics });
    put("a", 1);
    put("b", 2);
  });

  afterEach(() => push.close());

  it("subscribe: known and unknown names, a room move, the current values in the next flush (stamped by the clock)", () => {
    assert.deepEqual(push.subscribe("s1", ["a", "b", "nope", "a"]), { subscribed: ["a", "b"], unknown: ["nope"] });
    assert.deepEqual(outlet.moves, [["s1", { previous: null, group: 1 }]]);
    assert.equal(outlet.batches("s1").length, 0, "nothing before the scheduler runs");
    scheduler.advance(0);
    assert.deepEqual(values(outlet.batches("s1")[0]), [["a", 1], ["b", 2]]);
    assert.equal(outlet.batches("s1")[0]!.t, clock.now());
    assert.equal(push.groups(), 1);
  });

  it("an isolated change goes out at once; a burst before the flush is one batch with the latest values", () => {
    push.subscribe("s1", ["a", "b"]);
    scheduler.advance(TICK);
    put("a", 10);
    scheduler.advance(0);
    assert.deepEqual(values(outlet.batches("s1")[1]), [["a", 10]], "at once: the tick since the last flush is over");
    scheduler.advance(TICK);
    for (let i = 1; i <= 100; i++) put("a", 100 + i);
    put("c", 5);
    put("b", 7);
    scheduler.advance(0);
    assert.equal(outlet.batches("s1").length, 3);
    assert.deepEqual(values(outlet.batches("s1")[2]), [["a", 200], ["b", 7]]);
    scheduler.advance(10 * TICK);
    assert.equal(outlet.batches("s1").length, 3, "no change → no batch");
    assert.equal(scheduler.pending(), 0);
  });

  it("a stream of changes: one batch per tick, each as soon as the tick allows, the latest value last", () => {
    push.subscribe("s1", ["a"]);
    scheduler.advance(0);
    const before = outlet.batches("s1").length;
    const flushedAt: number[] = [];
    const t0 = scheduler.now();
    for (let i = 0; i < 50; i++) {
      put("a", 1000 + i);
      const n = outlet.batches("s1").length;
      scheduler.advance(5);
      if (outlet.batches("s1").length > n) flushedAt.push(scheduler.now() - t0);
    }
    scheduler.advance(TICK);
    const batches = outlet.batches("s1").slice(before);
    assert.equal(batches.length, 250 / TICK, "the first change waits for the tick of the initial values");
    assert.deepEqual(flushedAt, [50, 100, 150, 200, 250]);
    assert.equal(batches.at(-1)!.changes.at(-1)!.value, 1049);
  });

  it("adaptive spacing: a cheap push sends a stream every minGapMs; as flushes get costly the spacing grows to cost / PUSH_DUTY, never past the tick", () => {
    let costMs = 0;
    costlyPush(() => costMs);
    /** Changes every ms for `ms`; returns the spacing of the batches sent meanwhile. */
    const stream = (ms: number): number[] => {
      const at: number[] = [];
      for (let i = 0; i < ms; i++) {
        const n = outlet.batches("s1").length;
        put("a", 5000 + i);
        scheduler.advance(1);
        if (outlet.batches("s1").length > n) at.push(scheduler.now());
      }
      return at.slice(1).map((t, i) => t - at[i]!);
    };
    assert.ok(stream(100).every((gap) => gap === 4), "cheap: a batch every 4 ms");
    costMs = 20 * PUSH_DUTY; // a flush costing that is spaced costMs / PUSH_DUTY = 20 ms once the mean has caught up
    const loaded = stream(600).slice(-10);
    assert.ok(loaded.every((gap) => gap >= 19 && gap <= 23), JSON.stringify(loaded));
    costMs = 20; // beyond the tick's worth: capped at the tick
    const flooded = stream(2000).slice(-5);
    assert.ok(flooded.every((gap) => gap >= TICK && gap <= TICK + costMs + 1), JSON.stringify(flooded));
    costMs = 0;
    stream(2000);
    assert.ok(stream(100).every((gap) => gap === 4), "back to cheap: back to 4 ms");
  });

  it("push budget: after a lull, changes go out at once although the flushes before were spaced by their cost; the budget then runs out and the spacing returns", () => {
    const costMs = 3;
    costlyPush(() => costMs);
    let v = 7000;
    /** A change every `every` ms, `n` times; returns each change's wait until a batch carried it. */
    const changes = (n: number, every: number): number[] => {
      const waits: number[] = [];
      for (let i = 0; i < n; i++) {
        const before = outlet.batches("s1").length;
        const at = scheduler.now();
        put("a", ++v);
        let waited = 0;
        while (outlet.batches("s1").length === before) {
          scheduler.advance(1);
          waited = scheduler.now() - at;
        }
        waits.push(waited);
        if (every > waited) scheduler.advance(every - waited);
      }
      return waits;
    };
    const sustained = changes(200, 1).slice(-20);
    const spacing = costMs / PUSH_DUTY;
    assert.ok(sustained.every((w) => w <= spacing + 1) && sustained.some((w) => w >= spacing - costMs - 1), `sustained: spaced by cost / duty, ${JSON.stringify(sustained)}`);
    scheduler.advance(PUSH_WINDOW_MS); // a lull: the budget refills
    const afterLull = changes(PUSH_WINDOW_MS * PUSH_DUTY / costMs - 1, 5);
    assert.ok(afterLull.every((w) => w <= costMs), `after the lull each change goes out at once: ${JSON.stringify(afterLull)}`);
    const spent = changes(10, 1).slice(-5);
    assert.ok(spent.some((w) => w >= spacing - costMs - 1), `budget spent: spaced again, ${JSON.stringify(spent)}`);
  });

  it("subscribers with the same tags share one group emit; a newcomer gets its initial values alone", () => {
    push.subscribe("s1", ["a", "b"]);
    push.subscribe("s2", ["b", "a"]);
    scheduler.advance(0);
    assert.deepEqual([counts.emits, counts.delivered], [2, 2], "two personal batches of initial values");
    scheduler.advance(TICK);
    put("b", 3);
    push.subscribe("s3", ["a", "b"]);
    scheduler.advance(0);
    assert.deepEqual(values(outlet.batches("s1").at(-1)), [["b", 3]]);
    assert.deepEqual(values(outlet.batches("s3").at(-1)), [["a", 1], ["b", 3]], "the newcomer: all its tags, not the delta");
    assert.equal(outlet.batches("s3").length, 1);
    assert.deepEqual([counts.emits, counts.delivered], [4, 5], "one group emit reaching two, one personal");
    assert.equal(push.groups(), 1);
  });

  it("a flush waits while a chunked outlet still writes, then goes out with the latest values", () => {
    let busy = true;
    let idle: (() => void) | undefined;
    Object.assign(outlet, {
      busy: () => busy,
      whenIdle: (fn: () => void) => ((idle = fn), () => (idle = undefined)),
      takeDeferredMs: () => 0,
    });
    push.subscribe("s1", ["a"]);
    scheduler.advance(TICK);
    assert.equal(outlet.batches("s1").length, 0, "held while the outlet writes");
    assert.ok(idle, "waiting for the outlet");
    put("a", 11);
    put("a", 12);
    busy = false;
    idle!();
    scheduler.advance(0);
    assert.deepEqual(outlet.batches("s1").map(values), [[["a", 12]]], "one batch, the latest value");
  });

  it("unsubscribe leaves the room and stops the deltas; close() cancels a pending flush and stops listening", () => {
    push.subscribe("s1", ["a"]);
    push.subscribe("s2", ["b"]);
    scheduler.advance(0);
    push.unsubscribe("s1");
    assert.deepEqual(outlet.moves.at(-1), ["s1", { previous: 1, group: null }]);
    push.unsubscribe("s1");
    assert.equal(outlet.moves.length, 3, "unsubscribing twice moves nothing");
    put("a", 9);
    put("b", 9);
    scheduler.advance(TICK);
    assert.equal(outlet.batches("s1").length, 1);
    assert.equal(outlet.batches("s2").length, 2);
    put("b", 10);
    assert.equal(scheduler.pending(), 1);
    push.close();
    assert.equal(scheduler.pending(), 0);
    put("b", 11);
    scheduler.advance(10 * TICK);
    assert.equal(outlet.batches("s2").length, 2);
  });
});
