import assert from "node:assert/strict";
import { bad, GOOD, type TagValue } from "../../../src/core/tag-value.js";
import { TagHistoryPolicy } from "../../../src/historian/tag-history-policy.js";
import type { TagConfig } from "../../../src/tags/tag-schema.js";

const tag = (name: string, history?: TagConfig["history"]): TagConfig => ({
  name,
  description: "",
  device: "plc",
  type: "float32",
  quantity: "temperature",
  units: "K",
  updateMs: 10,
  writable: false,
  ...(history ? { history } : {}),
});
const v = (value: number | boolean | null, t: number, quality = GOOD): TagValue => ({ value, quality, sourceTs: t, serverTs: t });
const values = (samples: { value: TagValue }[]) => samples.map((s) => s.value.value);

describe("tag history policy", () => {
  it("change mode without settings stores every change the table reports", () => {
    const p = new TagHistoryPolicy([tag("a")]);
    const out = [1, 2, 2.0001, 3].flatMap((x, i) => p.offer("a", v(x, i), i));
    assert.deepEqual(values(out), [1, 2, 2.0001, 3]);
  });

  it("history deadband: moves inside it are not stored, measured from the last stored value", () => {
    const p = new TagHistoryPolicy([tag("a", { mode: "change", deadband: 1 })]);
    const out = [10, 10.5, 10.9, 11.2, 11.5, 12.3].flatMap((x, i) => p.offer("a", v(x, i), i));
    assert.deepEqual(values(out), [10, 11.2, 12.3]);
  });

  it("a change of quality is stored at once, whatever the deadband or rate", () => {
    const p = new TagHistoryPolicy([tag("a", { mode: "change", deadband: 5, maxRateHz: 1 })]);
    assert.equal(p.offer("a", v(10, 0), 0).length, 1);
    const out = p.offer("a", v(10, 10, bad("comm lost")), 10);
    assert.deepEqual(out.map((s) => s.value.quality.status), ["Bad"]);
  });

  it("maxRateHz holds values back and stores the latest one when the interval ends", () => {
    const p = new TagHistoryPolicy([tag("a", { mode: "change", maxRateHz: 10 })]);
    assert.deepEqual(values(p.offer("a", v(1, 0), 0)), [1]);
    assert.deepEqual(values(p.offer("a", v(2, 20), 20)), []);
    assert.deepEqual(values(p.offer("a", v(3, 50), 50)), []);
    assert.deepEqual(values(p.tick(90)), [], "interval not over");
    assert.deepEqual(values(p.tick(100)), [3], "the latest held-back value, not lost");
    assert.equal(p.tick(300).length, 0, "nothing pending");
    assert.deepEqual(values(p.offer("a", v(4, 300), 300)), [4], "interval long over: stored at once");
  });

  it("period mode stores the current value every period, stamped with the sample time, without catch-up bursts", () => {
    const p = new TagHistoryPolicy([tag("a", { mode: "period", periodMs: 100 })]);
    assert.deepEqual(p.offer("a", v(1, 5), 5), []);
    const first = p.tick(5);
    assert.deepEqual(values(first), [1]);
    assert.equal(first[0]!.value.sourceTs, 5);
    assert.deepEqual(p.tick(50), []);
    p.offer("a", v(2, 60), 60);
    assert.deepEqual(values(p.tick(105)), [2]);
    assert.deepEqual(values(p.tick(1000)), [2], "late tick: one sample");
    assert.deepEqual(p.tick(1050), [], "no burst of the missed periods");
    assert.deepEqual(values(p.tick(1100)), [2]);
  });

  it("off stores nothing; unknown tags are ignored", () => {
    const p = new TagHistoryPolicy([tag("a", { mode: "off" })]);
    assert.deepEqual(p.offer("a", v(1, 0), 0), []);
    assert.deepEqual(p.offer("nope", v(1, 0), 0), []);
    assert.deepEqual(p.tick(10_000), []);
  });
});

describe("tag history policy: quality changes the SCADA notices itself", () => {
  it("a stale mark (same sample, same source time) is stored at the time it was noticed, not on top of the sample", () => {
    const p = new TagHistoryPolicy([{ name: "line-plc.heartbeat" } as TagConfig]);
    const good = { value: 41, quality: { status: "Good", reason: "" }, sourceTs: 1000, serverTs: 1000 } as never;
    assert.deepEqual(p.offer("line-plc.heartbeat", good, 1000).map((s) => s.value.sourceTs), [1000]);
    // Stale: the table republishes the same sample with a worse quality (source and server times unchanged).
    const stale = { value: 41, quality: { status: "Uncertain", reason: "stale" }, sourceTs: 1000, serverTs: 1000 } as never;
    assert.deepEqual(p.offer("line-plc.heartbeat", stale, 1260).map((s) => [s.value.sourceTs, s.value.quality.status]), [[1260, "Uncertain"]]);
    // Confirmed again without a new sample: also at the time noticed.
    assert.deepEqual(p.offer("line-plc.heartbeat", good, 1300).map((s) => s.value.sourceTs), [1300]);
    // A new sample keeps its own source time.
    const next = { value: 44, quality: { status: "Good", reason: "" }, sourceTs: 1310, serverTs: 1311 } as never;
    assert.deepEqual(p.offer("line-plc.heartbeat", next, 1312).map((s) => s.value.sourceTs), [1310]);
  });
});
