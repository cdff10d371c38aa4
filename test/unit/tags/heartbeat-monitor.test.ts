import assert from "node:assert/strict";
import { GOOD, bad, type TagValue } from "../../../src/core/tag-value.js";
import { HeartbeatMonitor } from "../../../src/tags/heartbeat-monitor.js";

const v = (value: number, quality = GOOD): TagValue => ({ value, quality, sourceTs: 0, serverTs: 0 });

describe("HeartbeatMonitor", () => {
  const mon = () => new HeartbeatMonitor([{ id: "plc", heartbeatTag: "plc.hb", periodMs: 100 }]);
  const allGood = () => true;

  it("is stale until the counter is seen, fresh while it counts", () => {
    const m = mon();
    assert.equal(m.status(0, allGood).plc!.stale, true);
    m.observe("plc.hb", v(1), 0);
    m.observe("plc.hb", v(2), 100);
    assert.deepEqual(m.status(300, allGood).plc, { stale: false, reason: "" });
  });

  it("a counter frozen for more than 5 periods (at least 750 ms) is stale even while Good", () => {
    const m = mon();
    m.observe("plc.hb", v(7), 1000);
    for (let t = 1100; t <= 1800; t += 100) m.observe("plc.hb", v(7), t);
    assert.equal(m.status(1750, allGood).plc!.stale, false, "5 periods of 100 ms are floored at 750 ms");
    const s = m.status(1751, allGood).plc!;
    assert.equal(s.stale, true);
    assert.match(s.reason, /frozen for 751 ms/);
    const slow = new HeartbeatMonitor([{ id: "plc", heartbeatTag: "plc.hb", periodMs: 500 }]);
    slow.observe("plc.hb", v(1), 0);
    assert.equal(slow.status(2500, allGood).plc!.stale, false);
    assert.equal(slow.status(2501, allGood).plc!.stale, true, "a slow heartbeat: 5 of its periods");
  });

  it("a heartbeat that is not Good is stale at once; Bad values do not count as beats", () => {
    const m = mon();
    m.observe("plc.hb", v(1), 0);
    m.observe("plc.hb", v(2, bad("connection lost")), 50);
    assert.equal(m.status(60, (t) => t !== "plc.hb").plc!.stale, true);
    assert.equal(m.status(60, allGood).plc!.stale, false, "the Bad value did not move the counter");
    assert.equal(m.isHeartbeat("plc.hb"), true);
    assert.equal(m.isHeartbeat("plc.other"), false);
  });

  // Regression (CI on a loaded 2-core host): the SCADA's own event loop stalled for > 500 ms; the first look
  // after the stall found the counter "frozen" before the queued notifications were processed.
  it("with observerStallMs: time the SCADA itself was stalled does not count towards the age", () => {
    const m = new HeartbeatMonitor([{ id: "plc", heartbeatTag: "plc.hb", periodMs: 100 }], { observerStallMs: 250 });
    m.observe("plc.hb", v(1), 0);
    for (let t = 50; t <= 300; t += 50) assert.equal(m.status(t, allGood).plc!.stale, false);
    assert.equal(m.status(1300, allGood).plc!.stale, false, "1 s stall: not the PLC's fault");
    m.observe("plc.hb", v(2), 1310);
    assert.equal(m.status(1350, allGood).plc!.stale, false);
    // A PLC that really froze is still found: 750 ms (5 periods, floored) of observed time after its last beat.
    for (let t = 1400; t <= 2050; t += 50) assert.equal(m.status(t, allGood).plc!.stale, false, `at ${t}`);
    assert.equal(m.status(2100, allGood).plc!.stale, true);
  });
});
