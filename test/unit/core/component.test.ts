import assert from "node:assert/strict";
import { type Component, Components } from "../../../src/core/component.js";
import { silentLogger } from "../../../src/core/logger.js";

function recorder(log: string[], name: string, fail?: "start" | "stop"): Component {
  return {
    name,
    async start() {
      if (fail === "start") throw new Error(`${name} cannot start`);
      log.push(`start ${name}`);
    },
    stop() {
      log.push(`stop ${name}`);
      if (fail === "stop") throw new Error(`${name} cannot stop`);
    },
  };
}

describe("core: Components (start in order, stop in reverse)", () => {
  it("starts in the listed order and stops in reverse", async () => {
    const log: string[] = [];
    const c = new Components([recorder(log, "historian"), recorder(log, "drivers"), recorder(log, "http")], silentLogger());
    await c.startAll();
    await c.stopAll();
    assert.deepEqual(log, ["start historian", "start drivers", "start http", "stop http", "stop drivers", "stop historian"]);
    assert.deepEqual(c.names(), ["historian", "drivers", "http"]);
  });

  it("a start that fails stops what was started, in reverse, and rethrows; nothing after it starts", async () => {
    const log: string[] = [];
    const c = new Components([recorder(log, "a"), recorder(log, "b"), recorder(log, "c", "start"), recorder(log, "d")], silentLogger());
    await assert.rejects(c.startAll(), /c cannot start/);
    assert.deepEqual(log, ["start a", "start b", "stop b", "stop a"]);
  });

  it("a stop that fails does not keep the others from stopping; a second stopAll does nothing", async () => {
    const log: string[] = [];
    const c = new Components([recorder(log, "a"), recorder(log, "b", "stop"), recorder(log, "c")], silentLogger());
    await c.startAll();
    await c.stopAll();
    await c.stopAll();
    assert.deepEqual(log, ["start a", "start b", "start c", "stop c", "stop b", "stop a"]);
  });
});
