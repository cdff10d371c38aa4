import assert from "node:assert/strict";
import { parseSparkplugState, sparkplugStateTopic, parseSparkplugTopic, sparkplugTopic } from "../../../src/northbound/sparkplug-topic.js";

describe("Sparkplug B topics", () => {
  it("node and device topics, both ways", () => {
    assert.equal(sparkplugTopic({ group: "site", type: "NBIRTH", edgeNode: "htr-1" }), "spBv1.0/site/NBIRTH/htr-1");
    assert.equal(sparkplugTopic({ group: "site", type: "DDATA", edgeNode: "htr-1", device: "htr" }), "spBv1.0/site/DDATA/htr-1/htr");
    assert.deepEqual(parseSparkplugTopic("spBv1.0/site/NCMD/htr-1"), { group: "site", type: "NCMD", edgeNode: "htr-1" });
    assert.deepEqual(parseSparkplugTopic("spBv1.0/site/DCMD/htr-1/feed"), { group: "site", type: "DCMD", edgeNode: "htr-1", device: "feed" });
  });

  it("anything else is null: another namespace, an unknown type, a device on a node type or none on a device type", () => {
    for (const t of ["spAv1.0/site/NCMD/htr-1", "spBv1.0/site/NFOO/htr-1", "spBv1.0/site/NCMD/htr-1/htr", "spBv1.0/site/DCMD/htr-1", "spBv1.0/site/DCMD/htr-1/", "spBv1.0//NCMD/x", "spBv1.0/site/NCMD/a/b/c", "x"]) {
      assert.equal(parseSparkplugTopic(t), null, t);
    }
  });

  it("the primary host's STATE: its topic, {online, timestamp} JSON, anything else null", () => {
    assert.equal(sparkplugStateTopic("scada-host"), "spBv1.0/STATE/scada-host");
    assert.deepEqual(parseSparkplugState(Buffer.from('{"online":true,"timestamp":17}')), { online: true, timestamp: 17 });
    assert.deepEqual(parseSparkplugState('{"online":false,"timestamp":18}'), { online: false, timestamp: 18 });
    for (const bad of ["ONLINE", '{"online":"yes","timestamp":1}', '{"online":true}', "", "{"]) assert.equal(parseSparkplugState(bad), null, bad);
  });
});
