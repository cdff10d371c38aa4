import assert from "node:assert/strict";
import { chunked, FALLBACK_MONITORED_ITEMS_PER_CALL, monitoredItemsPerCall } from "../../../src/drivers/opcua/opcua-link.js";

describe("OPC UA link: monitored items per CreateMonitoredItems call", () => {
  it("takes the server's OperationLimits.MaxMonitoredItemsPerCall when it states one", () => {
    assert.equal(monitoredItemsPerCall(10_000), 10_000);
    assert.equal(monitoredItemsPerCall(25), 25);
  });

  it("falls back when the limit is missing, 0 ('no limit stated') or not a positive integer", () => {
    for (const v of [undefined, null, 0, -1, 2.5, "1000", Number.NaN]) {
      assert.equal(monitoredItemsPerCall(v), FALLBACK_MONITORED_ITEMS_PER_CALL, String(v));
    }
  });

  it("chunks in order, every chunk within the size, none empty", () => {
    const items = Array.from({ length: 10_001 }, (_, i) => i);
    const chunks = chunked(items, 1000);
    assert.equal(chunks.length, 11);
    assert.ok(chunks.every((c) => c.length > 0 && c.length <= 1000));
    assert.deepEqual(chunks.flat(), items);
    assert.deepEqual(chunked([], 5), []);
    assert.deepEqual(chunked([1, 2, 3], 5), [[1, 2, 3]]);
  });
});
