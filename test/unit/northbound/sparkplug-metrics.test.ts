import assert from "node:assert/strict";
import { bad, GOOD, uncertain } from "../../../src/core/tag-value.js";
import { birthMetric, dataMetric, metricDatatype, tagsByDevice } from "../../../src/northbound/sparkplug-metrics.js";
import { lineNodeMetrics } from "../../../src/northbound/line-node-metrics.js";
import { type TagConfig, tagSchema } from "../../../src/tags/tag-schema.js";

const tag = (over: Record<string, unknown>): TagConfig =>
  tagSchema.parse({ name: "htr.web_temp", station: "htr", device: "htr-plc", type: "float32", nodeId: "ns=1;s=x", quantity: "temperature", units: "K", updateMs: 100, ...over });

describe("tags as Sparkplug B metrics", () => {
  it("datatype by tag type; a scaled integer is a Double in engineering units", () => {
    assert.equal(metricDatatype(tag({})), "Float");
    assert.equal(metricDatatype(tag({ type: "bool", quantity: "state", units: "" })), "Boolean");
    assert.equal(metricDatatype(tag({ type: "uint16" })), "UInt16");
    assert.equal(metricDatatype(tag({ type: "uint32", scaling: { rawMin: 0, rawMax: 1000, engMin: 0, engMax: 1 } })), "Double");
  });

  it("one device per station, else the PLC, in config order", () => {
    const byDevice = tagsByDevice([tag({}), tag({ name: "htr-plc.heartbeat", station: undefined, type: "uint32", quantity: "count", units: "" }), tag({ name: "htr.o2" })]);
    assert.deepEqual([...byDevice].map(([d, ts]) => [d, ts.map((t) => t.name)]), [["htr", ["htr.web_temp", "htr.o2"]], ["htr-plc", ["htr-plc.heartbeat"]]]);
  });

  it("the birth metric: value, source time, unit, range, description, read-only and quality 192", () => {
    const m = birthMetric(tag({ range: { min: 250, max: 1800 }, description: "Web temperature" }), { value: 1340.5, quality: GOOD, sourceTs: 111, serverTs: 222 }, 999);
    assert.equal(m.value, 1340.5);
    assert.equal(m.timestamp, 111);
    assert.deepEqual(Object.fromEntries(Object.entries(m.properties!).map(([k, v]) => [k, v.value])), { Quality: 192, engUnit: "K", engLow: 250, engHigh: 1800, Documentation: "Web temperature", readOnly: true });
  });

  it("data metrics: null (never 0) for a value the SCADA does not have, quality 64 / 0 with the reason, historical when asked", () => {
    const u = dataMetric(tag({}), { value: 3, quality: uncertain("late"), sourceTs: 0, serverTs: 5 }, 9);
    assert.deepEqual([u.value, u.timestamp, u.properties?.Quality?.value, u.properties?.QualityReason?.value, u.isHistorical], [3, 5, 64, "late", undefined]);
    const b = dataMetric(tag({}), { value: null, quality: bad("no data yet"), sourceTs: 0, serverTs: 0 }, 9, true);
    assert.deepEqual([b.value, b.timestamp, b.properties?.Quality?.value, b.isHistorical], [null, 9, 0, true]);
  });

  it("the node's own metrics: state, mode, first-out, trips, alarm counts per priority, the roll", () => {
    const m = lineNodeMetrics({ state: "Held", mode: "Production", firstOut: "IL-07", tripped: ["IL-07", "IL-05"], alarmsByPriority: { critical: 1, high: 2 }, unacknowledged: 2, rollId: "htr-1-20261203-001", rollLengthM: 12.345 }, 7);
    assert.deepEqual(Object.fromEntries(m.map((x) => [x.name, x.value])), {
      "Line/State": "Held", "Line/Mode": "Production", "Line/First out": "IL-07", "Line/Tripped": "IL-07,IL-05",
      "Alarms/In list": 3, "Alarms/Unacknowledged": 2, "Alarms/critical": 1, "Alarms/high": 2, "Roll/Id": "htr-1-20261203-001", "Roll/Length": 12.3,
    });
  });
});
