import assert from "node:assert/strict";
import { RefusalFloodGuard } from "../../../src/server/refusal-flood-guard.js";

describe("refusal flood guard (unauthenticated refusals in the audit trail)", () => {
  it("records the first N of a window one by one, counts the rest, and summarises them when the window ends", () => {
    const g = new RefusalFloodGuard(3, 60_000);
    const taken = Array.from({ length: 10 }, (_, i) => g.take("10.0.0.9", 1000 + i));
    assert.deepEqual(taken.map((t) => t.record), [true, true, true, false, false, false, false, false, false, false]);
    assert.ok(taken.every((t) => t.summaries.length === 0));
    // Another address has its own allowance.
    assert.equal(g.take("10.0.0.7", 2000).record, true);
    // The window ends: the next refusal (from anyone) brings the summary of the suppressed ones.
    const next = g.take("10.0.0.7", 61_500);
    assert.deepEqual(next.summaries, [{ address: "10.0.0.9", suppressed: 7, from: 1003, to: 1009 }]);
    assert.equal(g.take("10.0.0.9", 61_600).record, true, "a new window records again");
  });

  it("a window without suppressed refusals ends without a summary; expire(∞) leaves no count behind", () => {
    const g = new RefusalFloodGuard(2, 1000);
    g.take("a", 0);
    assert.deepEqual(g.expire(5000), []);
    for (let i = 0; i < 5; i++) g.take("b", 6000 + i);
    assert.deepEqual(g.expire(Number.POSITIVE_INFINITY), [{ address: "b", suppressed: 3, from: 6002, to: 6004 }]);
  });

  it("beyond the address cap, new addresses share one window (a spoofed-address flood stays bounded)", () => {
    const g = new RefusalFloodGuard(1, 60_000, 2);
    assert.equal(g.take("a", 0).record, true);
    assert.equal(g.take("b", 0).record, true);
    assert.equal(g.take("c", 0).record, true, "the shared window's first");
    assert.equal(g.take("d", 0).record, false);
    assert.deepEqual(g.expire(60_000), [{ address: "*", suppressed: 1, from: 0, to: 0 }]);
  });
});
