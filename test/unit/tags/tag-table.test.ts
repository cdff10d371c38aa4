import assert from "node:assert/strict";
import { ManualClock } from "../../../src/core/clock.js";
import { GOOD, bad } from "../../../src/core/tag-value.js";
import { type TagChange, TagTable } from "../../../src/tags/tag-table.js";
import type { TagConfig } from "../../../src/tags/tag-schema.js";
import { stalenessQuality } from "../../../src/tags/staleness.js";

const tag = (name: string, extra: Partial<TagConfig> = {}): TagConfig => ({
  name,
  description: "",
  device: "dev",
  type: "float64",
  quantity: "temperature",
  units: "K",
  updateMs: 100,
  writable: false,
  ...extra,
});

describe("TagTable", () => {
  let clock: ManualClock;
  let table: TagTable;
  let changes: TagChange[];

  beforeEach(() => {
    clock = new ManualClock(1_000_000);
    table = new TagTable([tag("a.t"), tag("a.db", { deadband: 1 }), tag("a.b", { type: "bool", quantity: "state", units: "" })], clock);
    changes = [];
    table.onChange((c) => changes.push(c));
  });

  const put = (name: string, value: number | boolean, quality = GOOD) =>
    table.onUpdates([{ name, value, quality, sourceTs: clock.now() - 1, serverTs: clock.now() }]);

  it("starts every tag Bad with no data", () => {
    for (const e of table.all()) {
      assert.equal(e.value.value, null);
      assert.equal(e.value.quality.status, "Bad");
      assert.equal(e.value.quality.reason, "no data yet");
    }
  });

  it("emits one change per new value, in order, with previous and current", () => {
    put("a.t", 300);
    put("a.t", 300);
    put("a.t", 301);
    assert.deepEqual(changes.map((c) => c.current.value), [300, 301]);
    assert.equal(changes[1]!.previous.value, 300);
    assert.equal(table.get("a.t")!.value.sourceTs, clock.now() - 1);
  });

  it("applies the deadband against the last published value", () => {
    put("a.db", 10);
    put("a.db", 10.6);
    put("a.db", 10.9);
    put("a.db", 11.2);
    assert.deepEqual(changes.map((c) => c.current.value), [10, 11.2]);
  });

  it("emits on quality change even with the same value", () => {
    put("a.b", true);
    put("a.b", true, bad("sensor failure"));
    assert.equal(changes.length, 2);
    assert.equal(changes[1]!.current.quality.reason, "sensor failure");
  });

  it("degrades stale values to Uncertain then Bad, and recovers on update", () => {
    put("a.t", 500);
    clock.advance(450);
    table.checkStaleness();
    assert.equal(table.get("a.t")!.value.quality.status, "Good", "a 100 ms tag's reference is floored at 250 ms");
    clock.advance(100); // 550 ms > 2 x 250
    table.checkStaleness();
    assert.equal(table.get("a.t")!.value.quality.status, "Uncertain");
    clock.advance(750); // 1300 ms > 5 x 250
    table.checkStaleness();
    assert.equal(table.get("a.t")!.value.quality.status, "Bad");
    assert.match(table.get("a.t")!.value.quality.reason, /stale/);
    put("a.t", 500);
    assert.equal(table.get("a.t")!.value.quality.status, "Good");
    assert.deepEqual(changes.map((c) => c.current.quality.status), ["Good", "Uncertain", "Bad", "Good"]);
  });

  it("a stall of the SCADA itself (checks late) does not age the values; a PLC silent while the checks run on time does", () => {
    const t = new TagTable([tag("a.t")], clock, { observerStallMs: 250 });
    const put1 = (v: number) => t.onUpdates([{ name: "a.t", value: v, quality: GOOD, sourceTs: clock.now(), serverTs: clock.now() }]);
    put1(500);
    t.checkStaleness();
    clock.advance(600); // the event loop was blocked 600 ms: no check ran, the PLC's answers wait in the queue
    t.checkStaleness();
    assert.equal(t.get("a.t")!.value.quality.status, "Good", "the stall is the SCADA's, not the PLC's");
    put1(501); // the queued answer arrives right after the stall
    for (let i = 0; i < 27; i++) {
      clock.advance(50); // checks on time, the PLC silent: it ages as usual (Bad after 5 × the 250 ms floor)
      t.checkStaleness();
    }
    assert.equal(t.get("a.t")!.value.quality.status, "Bad");
  });

  it("a device confirmation keeps unchanged values fresh", () => {
    put("a.t", 500);
    for (let i = 0; i < 10; i++) {
      clock.advance(100);
      table.onConfirm("dev", clock.now());
      table.checkStaleness();
    }
    assert.equal(table.get("a.t")!.value.quality.status, "Good");
    assert.equal(changes.length, 1);
  });

  it("markDevice marks every tag of the device", () => {
    put("a.t", 1);
    put("a.b", false);
    table.markDevice("dev", bad("connection lost"));
    assert.equal(table.get("a.t")!.value.quality.status, "Bad");
    assert.equal(table.get("a.b")!.value.quality.reason, "connection lost");
    assert.equal(table.get("a.t")!.value.value, 1, "keeps the last value for display");
  });

  it("flags a Good value outside the tag's range Uncertain", () => {
    const t = new TagTable([tag("a.r", { range: { min: 0, max: 100 } })], clock);
    const put2 = (v: number) => t.onUpdates([{ name: "a.r", value: v, quality: GOOD, sourceTs: 1, serverTs: clock.now() }]);
    put2(50);
    assert.equal(t.get("a.r")!.value.quality.status, "Good");
    put2(120);
    assert.equal(t.get("a.r")!.value.quality.status, "Uncertain");
    assert.match(t.get("a.r")!.value.quality.reason, /out of range 0\.\.100 K/);
    put2(99);
    assert.equal(t.get("a.r")!.value.quality.status, "Good");
  });

  it("ignores updates for unknown tags and unsubscribes listeners", () => {
    table.onUpdates([{ name: "nope.x", value: 1, quality: GOOD, sourceTs: 0, serverTs: 0 }]);
    assert.equal(changes.length, 0);
    const seen: string[] = [];
    const off = table.onChange((c) => seen.push(c.name));
    put("a.t", 1);
    off();
    put("a.t", 2);
    assert.deepEqual(seen, ["a.t"]);
  });
});

describe("TagTable: listeners", () => {
  const update = (t: TagTable, value: number) => t.onUpdates([{ name: "a.t", value, quality: GOOD, sourceTs: 1, serverTs: 1 }]);

  it("runs listeners in the order they subscribed; one that throws is counted, reported and never keeps the next from running", () => {
    const reported: string[] = [];
    const t = new TagTable([tag("a.t")], new ManualClock(1), { onListenerError: (name, err, c) => reported.push(`${name}: ${(err as Error).message} on ${c.name}`) });
    const ran: string[] = [];
    t.onChange(() => ran.push("interlocks"), "interlocks");
    t.onChange(() => {
      ran.push("alarms");
      throw new Error("boom");
    }, "alarms");
    t.onChange(() => ran.push("historian"), "historian");
    update(t, 1);
    update(t, 2);
    assert.deepEqual(ran, ["interlocks", "alarms", "historian", "interlocks", "alarms", "historian"]);
    assert.deepEqual(reported, ["alarms: boom on a.t", "alarms: boom on a.t"]);
    assert.deepEqual(t.listeners(), [{ name: "interlocks", errors: 0 }, { name: "alarms", errors: 2 }, { name: "historian", errors: 0 }]);
  });

  it("a listener that throws before the trip path's listener does not keep it from running, even when the error hook throws too", () => {
    const t = new TagTable([tag("a.t")], new ManualClock(1), {
      onListenerError: () => {
        throw new Error("the logger failed");
      },
    });
    let tripPathRan = 0;
    t.onChange(() => {
      throw new Error("first");
    }, "first");
    t.onChange(() => tripPathRan++, "interlocks");
    update(t, 5);
    assert.equal(tripPathRan, 1);
    assert.deepEqual(t.listeners().map((l) => l.errors), [1, 0]);
  });

  it("unsubscribing removes only that listener", () => {
    const t = new TagTable([tag("a.t")], new ManualClock(1));
    const ran: string[] = [];
    const off = t.onChange(() => ran.push("a"), "a");
    t.onChange(() => ran.push("b"), "b");
    off();
    update(t, 3);
    assert.deepEqual(ran, ["b"]);
    assert.deepEqual(t.listeners().map((l) => l.name), ["b"]);
  });
});

describe("stalenessQuality", () => {
  it("uses 2x and 5x of the reference with a 100 ms floor", () => {
    assert.equal(stalenessQuality(499, 100).status, "Good", "100 ms tags are floored to 250 ms");
    assert.equal(stalenessQuality(501, 100).status, "Uncertain");
    assert.equal(stalenessQuality(1251, 100).status, "Bad");
    assert.equal(stalenessQuality(450, 10).status, "Good", "10 ms tags are floored to 250 ms");
    assert.equal(stalenessQuality(2500, 1000).status, "Uncertain");
    assert.equal(stalenessQuality(5001, 1000).status, "Bad");
  });
});
