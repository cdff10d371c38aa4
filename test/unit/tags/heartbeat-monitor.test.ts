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

  it("a counter frozen for more than 5 periods is stale even while Good", () => {
    const m = mon();
    m.observe("plc.hb", v(7), 1000);
    for (let t = 1100; t <= 1600; t += 100) m.observe("plc.hb", v(7), t);
    assert.equal(m.status(1500, allGood).plc!.stale, false);
    const s = m.status(1501, allGood).plc!;
    assert.equal(s.stale, true);
    assert.match(s.reason, /frozen for 501 ms/);
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
});
