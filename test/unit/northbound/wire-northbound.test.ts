import assert from "node:assert/strict";
import { loadConfigOrThrow } from "../../../src/config/config-loader.js";
import { systemClock } from "../../../src/core/clock.js";
import { ScadaError } from "../../../src/core/errors.js";
import { silentLogger } from "../../../src/core/logger.js";
import { type NorthboundDeps, wireNorthbound } from "../../../src/runtime/wire-northbound.js";

// The edge node is only built here (nothing connects): which broker, which ids, off when none is named.
const config = loadConfigOrThrow("plc-config");
const deps = { dataDir: "/nonexistent", clock: systemClock, logger: silentLogger() } as unknown as NorthboundDeps;

describe("north-bound wiring (SCADA_MQTT_URL, northbound.yaml)", () => {
  it("off when neither SCADA_MQTT_URL nor the file's brokerUrl is set (the shipped file names none)", () => {
    assert.equal(config.northbound?.sparkplug.brokerUrl, undefined);
    assert.equal(wireNorthbound(config, { env: {} }, deps), null);
    assert.equal(wireNorthbound(config, { url: "", env: {} }, deps), null);
  });

  it("SCADA_MQTT_URL turns it on, with the file's group and the line id as the edge node id", () => {
    const node = wireNorthbound(config, { url: "mqtt://127.0.0.1:1", env: {} }, deps);
    assert.ok(node);
    assert.equal(node.status().broker, "mqtt://127.0.0.1:1");
    assert.equal(node.status().connected, false);
  });

  it("SCADA_MQTT_URL wins over the file", () => {
    const withFile = { ...config, northbound: { sparkplug: { ...config.northbound!.sparkplug, brokerUrl: "mqtt://file-broker:1883" } } };
    assert.equal(wireNorthbound(withFile, { env: {} }, deps)?.status().broker, "mqtt://file-broker:1883");
    assert.equal(wireNorthbound(withFile, { url: "mqtts://env-broker:8883", env: {} }, deps)?.status().broker, "mqtts://env-broker:8883");
  });

  it("a malformed SCADA_MQTT_URL refuses the start, naming the variable", () => {
    assert.throws(
      () => wireNorthbound(config, { url: "broker:1883", env: {} }, deps),
      (e: unknown) => e instanceof ScadaError && e.code === "SCADA_ERR_CONFIG_INVALID" && JSON.stringify(e.details).includes("SCADA_MQTT_URL: must be a broker URL"),
    );
  });
});
