import assert from "node:assert/strict";
import { bad, GOOD, type TagValue } from "../../../src/core/tag-value.js";
import { FirstDataWatch } from "../../../src/tags/first-data-watch.js";

const value = (v: number | null, quality = GOOD): TagValue => ({ value: v, quality, sourceTs: 1, serverTs: 1 });

describe("first-data watch (the quiet boot)", () => {
  const devices = [
    { id: "htr-plc", tags: ["htr.web_temp", "htr-plc.heartbeat"] },
    { id: "line-plc", tags: ["feed.web_speed"] },
  ];

  it("every device waits until one of its tags carries a value; then it has delivered, once", () => {
    const w = new FirstDataWatch(devices, 0, 10_000, 0);
    const delivered: string[] = [];
    w.onDelivered((d) => delivered.push(d));
    assert.deepEqual(w.pending(), ["htr-plc", "line-plc"]);
    assert.equal(w.waitingFor("htr.web_temp"), "htr-plc");
    assert.equal(w.observe({ name: "htr.web_temp", current: value(null, bad("no data yet")) }, 0), null, "a null value is not data");
    assert.equal(w.observe({ name: "unknown.tag", current: value(1) }, 0), null);
    assert.equal(w.observe({ name: "htr-plc.heartbeat", current: value(7) }, 0), "htr-plc");
    assert.equal(w.observe({ name: "htr.web_temp", current: value(300) }, 0), null, "delivered once");
    assert.equal(w.waitingFor("htr.web_temp"), null);
    assert.equal(w.waitingFor("feed.web_speed"), "line-plc");
    assert.deepEqual(w.pending(), ["line-plc"]);
    assert.deepEqual(delivered, ["htr-plc"]);
  });

  it("a Bad value is data: the device has answered (its interlocks judge it as usual)", () => {
    const w = new FirstDataWatch(devices, 0, 10_000, 0);
    assert.equal(w.observe({ name: "feed.web_speed", current: value(0, bad("sensor fault")) }, 0), "line-plc");
    assert.equal(w.isWaiting("line-plc"), false);
  });

  it("a device still silent after the start-up window is overdue; a delivered one never is", () => {
    const w = new FirstDataWatch(devices, 1_000, 10_000, 0);
    assert.equal(w.isOverdue("htr-plc", 10_999), false);
    assert.equal(w.isOverdue("htr-plc", 11_000), true);
    w.observe({ name: "htr.web_temp", current: value(300) }, 0);
    assert.equal(w.isOverdue("htr-plc", 99_000), false);
    assert.deepEqual(w.tagsOf("htr-plc"), ["htr.web_temp", "htr-plc.heartbeat"]);
  });

  it("a device with a heartbeat has delivered with its heartbeat; answered without one, it stops waiting when the window ends", () => {
    const w = new FirstDataWatch([{ id: "htr-plc", heartbeatTag: "htr-plc.heartbeat", tags: ["htr.web_temp", "htr-plc.heartbeat"] }, { id: "line-plc", heartbeatTag: "line-plc.heartbeat", tags: ["feed.web_speed", "line-plc.heartbeat"] }], 0, 10_000, 0);
    assert.equal(w.observe({ name: "htr.web_temp", current: value(300) }, 0), null, "the heartbeat is the first data");
    assert.equal(w.isWaiting("htr-plc"), true);
    assert.equal(w.observe({ name: "htr-plc.heartbeat", current: value(5) }, 0), "htr-plc");
    w.observe({ name: "feed.web_speed", current: value(0) }, 0);
    assert.deepEqual(w.expire(9_999), [], "within the window");
    assert.deepEqual(w.expire(10_000), ["line-plc"], "answered, heartbeat silent: judged from now on");
    assert.deepEqual(w.pending(), []);
  });

  it("with a settling time, the first data starts the settling: the device waits until it has passed, then is judged", () => {
    const hb = [{ id: "line-plc", heartbeatTag: "line-plc.heartbeat", tags: ["feed.web_speed", "line-plc.heartbeat"] }];
    const w = new FirstDataWatch(hb, 0, 10_000, 3000);
    const delivered: string[] = [];
    w.onDelivered((d) => delivered.push(d));
    assert.equal(w.observe({ name: "line-plc.heartbeat", current: value(1) }, 9_500), null, "settling, not delivered");
    assert.equal(w.isWaiting("line-plc"), true);
    assert.equal(w.isSettling("line-plc"), true);
    assert.equal(w.waitingFor("feed.web_speed"), "line-plc", "its tags are not judged while it settles");
    w.observe({ name: "line-plc.heartbeat", current: value(2) }, 11_000);
    w.observe({ name: "feed.web_speed", current: value(0) }, 11_200);
    assert.equal(w.isOverdue("line-plc", 11_000), false, "data flows: not overdue when the window ends during the settling");
    assert.deepEqual(w.expire(12_499), [], "the settling runs from the first data (9.5 s), not from a later value");
    assert.deepEqual(w.expire(12_500), ["line-plc"]);
    assert.deepEqual(delivered, ["line-plc"]);
    assert.equal(w.isSettling("line-plc"), false);
    assert.deepEqual(w.expire(20_000), [], "once");
  });

  it("the settling also waits until every tag of the device has been read once — at most one start-up window after the first data", () => {
    const hb = [{ id: "line-plc", heartbeatTag: "line-plc.heartbeat", tags: ["feed.web_speed", "rinse.tank_level", "line-plc.heartbeat"] }];
    const w = new FirstDataWatch(hb, 0, 10_000, 3000);
    w.observe({ name: "line-plc.heartbeat", current: value(1) }, 1000);
    w.observe({ name: "feed.web_speed", current: value(0) }, 1100);
    w.observe({ name: "rinse.tank_level", current: value(null, bad("not connected")) }, 1200);
    assert.deepEqual(w.expire(4000), [], "3 s passed, but rinse.tank_level has not been read yet (null is no reading)");
    assert.equal(w.waitingFor("rinse.tank_level"), "line-plc", "its interlocks still wait: no IL-08 for a poll group that answers late");
    w.observe({ name: "rinse.tank_level", current: value(40) }, 4500);
    assert.deepEqual(w.expire(4500), ["line-plc"], "every tag read: settled");

    const never = new FirstDataWatch(hb, 0, 10_000, 3000);
    never.observe({ name: "line-plc.heartbeat", current: value(1) }, 1000);
    never.observe({ name: "feed.web_speed", current: value(0) }, 1100);
    assert.deepEqual(never.expire(10_999), [], "a tag never read holds the wait…");
    assert.deepEqual(never.expire(11_000), ["line-plc"], "…for one start-up window after the first data at most; then it is judged (and trips) as it is");
  });
});
