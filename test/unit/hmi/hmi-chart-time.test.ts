import assert from "node:assert/strict";
import { to24h } from "../../../hmi/src/core/chart-time.js";

describe("HMI charts: 24 h time labels", () => {
  it("turns uPlot's 12 h templates into 24 h ones", () => {
    assert.equal(to24h("{h}:{mm}{aa}"), "{HH}:{mm}");
    assert.equal(to24h("{h}{aa}"), "{HH}");
    assert.equal(to24h("{YYYY}-{MM}-{DD} {h}:{mm}{aa}"), "{YYYY}-{MM}-{DD} {HH}:{mm}");
    assert.equal(to24h("{M}/{D}/{YY} {h}:{mm}:{ss} {a}"), "{YYYY}-{MM}-{DD} {HH}:{mm}:{ss}");
    assert.equal(to24h("\n{M}/{D}"), "\n{MM}-{DD}");
    assert.equal(to24h(":{ss}"), ":{ss}", "templates without the hour stay");
  });
});
