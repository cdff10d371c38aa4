import assert from "node:assert/strict";
import { ManualClock } from "../../../src/core/clock.js";
import { GOOD, type TagValue, bad, uncertain } from "../../../src/core/tag-value.js";
import { TagDeltaBatcher } from "../../../src/server/tag-delta-batcher.js";

describe("TagDeltaBatcher", () => {
  let clock: ManualClock;
  let current: Map<string, TagValue>;
  let batcher: TagDeltaBatcher;

  const v = (value: number | boolean | null, quality = GOOD, sourceTs = clock.now() - 5): TagValue => ({ value, quality, sourceTs, serverTs: clock.now() });
  /** What the tag table does: keep the value, tell the listener. */
  const change = (name: string, value: number | boolean | null, quality = GOOD) => {
    const tv = v(value, quality);
    current.set(name, tv);
    return batcher.noteChange(name, tv);
  };
  const names = (b: { changes: readonly { name: string }[] }) => b.changes.map((c) => c.name);

  beforeEach(() => {
    clock = new ManualClock(1_700_000_000_000);
    current = new Map(["a", "b", "c", "d"].map((n) => [n, { value: 0, quality: GOOD, sourceTs: 1, serverTs: 1 }]));
    batcher = new TagDeltaBatcher((n) => current.get(n));
  });

  it("sends nothing when nothing changed and nobody subscribed", () => {
    assert.equal(batcher.hasPending(), false);
    assert.deepEqual(batcher.drain(clock.now()), { groups: [], personal: [] });
    assert.equal(change("a", 1), false, "a change nobody subscribed to is not kept");
    assert.equal(batcher.hasPending(), false);
  });

  it("a new subscriber gets the current values of its tags first, then only deltas of its tags", () => {
    const move = batcher.subscribe("s1", ["b", "a", "a"]);
    assert.deepEqual(move, { previous: null, group: 1 });
    assert.deepEqual(batcher.subscription("s1"), ["a", "b"]);
    clock.advance(100);
    const first = batcher.drain(clock.now());
    assert.deepEqual(first.groups, []);
    assert.equal(first.personal.length, 1);
    assert.equal(first.personal[0]!.subscriber, "s1");
    assert.deepEqual(first.personal[0]!.batch, {
      t: clock.now(),
      changes: [
        { name: "a", value: 0, quality: "Good", ts: 1 },
        { name: "b", value: 0, quality: "Good", ts: 1 },
      ],
    });
    assert.deepEqual(batcher.drain(clock.now()), { groups: [], personal: [] }, "nothing twice");

    change("c", 5); // not subscribed
    change("b", 7);
    clock.advance(100);
    const second = batcher.drain(clock.now());
    assert.deepEqual(second.personal, []);
    assert.deepEqual(second.groups, [{ group: 1, except: [], batch: { t: clock.now(), changes: [{ name: "b", value: 7, quality: "Good", ts: clock.now() - 105 }] } }]);
  });

  it("many changes between two drains → one delta per tag with the latest value and quality", () => {
    batcher.subscribe("s1", ["a", "b"]);
    batcher.drain(clock.now());
    for (let i = 1; i <= 50; i++) {
      clock.advance(1);
      change("a", i);
      change("b", i % 2 === 0);
    }
    change("a", 51, uncertain("stale"));
    change("b", null, bad("link down"));
    const out = batcher.drain(clock.now());
    assert.equal(out.groups.length, 1);
    assert.deepEqual(out.groups[0]!.batch.changes, [
      { name: "a", value: 51, quality: "Uncertain", ts: clock.now() - 5 },
      { name: "b", value: null, quality: "Bad", ts: clock.now() - 5 },
    ]);
  });

  it("subscribers with the same tags share one group batch; others get their own", () => {
    batcher.subscribe("s1", ["a", "b"]);
    batcher.subscribe("s2", ["b", "a"]);
    const m3 = batcher.subscribe("s3", ["c"]);
    assert.equal(batcher.stats().groups, 2);
    assert.equal(m3.group, 2);
    batcher.drain(clock.now());
    change("a", 1);
    change("c", 2);
    change("d", 3);
    const out = batcher.drain(clock.now());
    assert.deepEqual(
      out.groups.map((g) => [g.group, names(g.batch)]),
      [
        [1, ["a"]],
        [2, ["c"]],
      ],
    );
  });

  it("a member that has just (re)subscribed is excepted from its group batch and gets the full current values", () => {
    batcher.subscribe("s1", ["a", "b"]);
    batcher.subscribe("s2", ["a", "b"]);
    batcher.drain(clock.now());
    change("a", 9);
    batcher.subscribe("s2", ["a", "b"]); // same set again: stays in the group, owed the current values
    const out = batcher.drain(clock.now());
    assert.deepEqual(out.groups.map((g) => [g.group, g.except, names(g.batch)]), [[1, ["s2"], ["a"]]]);
    assert.deepEqual(out.personal.map((p) => [p.subscriber, p.batch.changes.map((c) => [c.name, c.value])]), [
      [
        "s2",
        [
          ["a", 9],
          ["b", 0],
        ],
      ],
    ]);
  });

  it("no group batch when every member is owed its initial values", () => {
    batcher.subscribe("s1", ["a"]);
    change("a", 3);
    const out = batcher.drain(clock.now());
    assert.deepEqual(out.groups, []);
    assert.deepEqual(out.personal[0]!.batch.changes, [{ name: "a", value: 3, quality: "Good", ts: clock.now() - 5 }]);
  });

  it("changing the subscription moves the subscriber; an emptied group and its index go away", () => {
    batcher.subscribe("s1", ["a"]);
    assert.deepEqual(batcher.subscribe("s1", ["b", "c"]), { previous: 1, group: 2 });
    assert.deepEqual(batcher.stats(), { subscribers: 1, groups: 1, indexedTags: 2, dirty: 0 });
    batcher.drain(clock.now());
    assert.equal(change("a", 1), false, "a is no longer indexed");
    assert.deepEqual(batcher.subscribe("s1", []), { previous: 2, group: null });
    assert.deepEqual(batcher.stats(), { subscribers: 0, groups: 0, indexedTags: 0, dirty: 0 });
    assert.equal(batcher.hasPending(), false);
  });

  it("removing a subscriber drops what it was owed and its pending changes", () => {
    batcher.subscribe("s1", ["a"]);
    change("a", 1);
    assert.equal(batcher.remove("s1"), 1);
    assert.equal(batcher.remove("s1"), null);
    assert.equal(batcher.hasPending(), false);
    assert.deepEqual(batcher.drain(clock.now()), { groups: [], personal: [] });
  });

  it("a tag the reader does not know is left out of the initial values", () => {
    batcher.subscribe("s1", ["a", "zz"]);
    const out = batcher.drain(clock.now());
    assert.deepEqual(names(out.personal[0]!.batch), ["a"]);
  });

  it("a drain's cost follows changes × groups, not tags × subscribers", () => {
    // 10 000 tags, 200 subscribers in 10 groups of 500 tags; 20 changes per tick.
    const all = Array.from({ length: 10_000 }, (_, i) => `t${i}`);
    for (const n of all) current.set(n, { value: 0, quality: GOOD, sourceTs: 1, serverTs: 1 });
    let reads = 0;
    batcher = new TagDeltaBatcher((n) => {
      reads++;
      return current.get(n);
    });
    for (let s = 0; s < 200; s++) batcher.subscribe(`s${s}`, all.slice((s % 10) * 500, (s % 10) * 500 + 500));
    batcher.drain(clock.now());
    assert.equal(reads, 200 * 500, "initial values read once per subscriber and tag");
    reads = 0;
    for (let i = 0; i < 20; i++) change(`t${i * 250}`, i + 1);
    const out = batcher.drain(clock.now());
    assert.equal(reads, 0, "deltas do not read the table");
    assert.equal(out.groups.length, 10, "20 changes spread over the 10 groups");
    assert.equal(
      out.groups.reduce((a, g) => a + g.batch.changes.length, 0),
      20,
    );
  });
});
