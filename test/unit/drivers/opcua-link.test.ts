import assert from "node:assert/strict";
import { chunked, FALLBACK_MONITORED_ITEMS_PER_CALL, monitoredItemsPerCall, subscriptionPlan } from "../../../src/drivers/opcua/opcua-link.js";

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

describe("OPC UA link: subscription plan", () => {
  const tags = [{ sampling: undefined }, { sampling: "exception" as const }, { sampling: undefined }, { sampling: "exception" as const }];

  it("puts every tag into one subscription when the device sets no exception publishing interval", () => {
    const plan = subscriptionPlan({ publishingIntervalMs: 10 }, tags, 10);
    assert.deepEqual(plan, [{ publishingIntervalMs: 10, maxKeepAliveCount: 10, priority: 10, indices: [0, 1, 2, 3] }]);
  });

  it("moves the exception-based tags into a second, faster, higher-priority subscription with keep-alives as far apart in time", () => {
    const [main, fast, ...rest] = subscriptionPlan({ publishingIntervalMs: 10, exceptionPublishingIntervalMs: 2 }, tags, 10);
    assert.deepEqual(main, { publishingIntervalMs: 10, maxKeepAliveCount: 10, priority: 10, indices: [0, 2] });
    assert.deepEqual(fast, { publishingIntervalMs: 2, maxKeepAliveCount: 50, priority: 200, indices: [1, 3] });
    assert.equal(rest.length, 0);
    assert.ok(fast!.priority > main!.priority, "the trip path's subscription is served first");
  });

  it("leaves out an empty subscription, but keeps the main one when there are no tags at all", () => {
    assert.deepEqual(subscriptionPlan({ publishingIntervalMs: 50, exceptionPublishingIntervalMs: 5 }, [{ sampling: "exception" }], 4).map((s) => [s.publishingIntervalMs, s.indices]), [[5, [0]]]);
    assert.deepEqual(subscriptionPlan({ publishingIntervalMs: 50, exceptionPublishingIntervalMs: 5 }, [{ sampling: undefined }], 4).map((s) => [s.publishingIntervalMs, s.indices]), [[50, [0]]]);
    assert.deepEqual(subscriptionPlan({ publishingIntervalMs: 50, exceptionPublishingIntervalMs: 5 }, [], 4).map((s) => [s.publishingIntervalMs, s.indices]), [[50, []]]);
  });

  it("never asks for a keep-alive count below 2", () => {
    const [, fast] = subscriptionPlan({ publishingIntervalMs: 10, exceptionPublishingIntervalMs: 100 }, tags, 2);
    assert.equal(fast!.maxKeepAliveCount, 2);
  });
});
