import assert from "node:assert/strict";
import { SparkplugSession } from "../../../src/northbound/sparkplug-session.js";

describe("Sparkplug B session sequence numbers", () => {
  it("bdSeq: 0 on a first start, last + 1 after a restart, + 1 per connection, wrapping at 256", () => {
    assert.equal(new SparkplugSession(null).nextConnection(), 0);
    assert.equal(new SparkplugSession(41).nextConnection(), 42);
    const s = new SparkplugSession(254);
    assert.deepEqual([s.nextConnection(), s.nextConnection(), s.nextConnection()], [255, 0, 1]);
  });

  it("NBIRTH is seq 0 with bdSeq and the rebirth control first; every later message counts on, wrapping at 256; a rebirth starts at 0", () => {
    const s = new SparkplugSession(null);
    s.nextConnection();
    const birth = s.nbirth(1000, [{ name: "Line/State", type: "String", value: "Stopped" }]);
    assert.equal(birth.seq, 0);
    assert.deepEqual(birth.metrics?.map((m) => [m.name, m.value]), [["bdSeq", 0], ["Node Control/Rebirth", false], ["Line/State", "Stopped"]]);
    const seqs = Array.from({ length: 300 }, () => Number(s.message(1000, []).seq));
    assert.equal(seqs[0], 1);
    assert.equal(seqs[254], 255);
    assert.equal(seqs[255], 0);
    assert.equal(s.nbirth(2000, []).seq, 0);
    assert.equal(s.message(2000, []).seq, 1);
  });

  it("NDEATH carries the session's bdSeq and no seq", () => {
    const s = new SparkplugSession(7);
    s.nextConnection();
    const death = s.ndeath(5);
    assert.equal(death.seq, undefined);
    assert.deepEqual(death.metrics?.map((m) => [m.name, m.value]), [["bdSeq", 8]]);
  });
});
