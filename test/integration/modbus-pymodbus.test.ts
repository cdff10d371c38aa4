/**
 * Our Modbus driver against a third-party server: pymodbus (Debian's python3-pymodbus, 3.0.x) serving the
 * register map of test/fixtures/pymodbus_server.py, whose words Python's struct computed — not our codec.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import Modbus from "modbus-serial";
import { modbusTcpDeviceSchema } from "../../src/config/device-schema.js";
import { systemClock } from "../../src/core/clock.js";
import { silentLogger } from "../../src/core/logger.js";
import type { TagUpdate } from "../../src/core/tag-value.js";
import { ModbusDriver } from "../../src/drivers/modbus/modbus-driver.js";
import { tagSchema, type TagConfig } from "../../src/tags/tag-schema.js";
import { type Child, spawnChild } from "../helpers/child-process.js";
import { freePort } from "../helpers/free-port.js";
import { waitFor } from "../helpers/wait-for.js";

const ModbusRTU = Modbus.default;
const PYTHON = "/usr/bin/python3";
const FIXTURE = "test/fixtures/pymodbus_server.py";

function peerTag(name: string, type: TagConfig["type"], table: "coil" | "discrete" | "holding" | "input", address: number, extra: Record<string, unknown> = {}): TagConfig {
  return tagSchema.parse({
    name: `peer.${name}`,
    device: "peer",
    type,
    modbus: { table, address, ...(extra.wordOrder ? { wordOrder: extra.wordOrder } : {}) },
    quantity: "count",
    units: "",
    updateMs: 50,
    writable: table === "coil" || table === "holding",
    ...(extra.scaling ? { scaling: extra.scaling, quantity: "level", units: "%" } : {}),
  });
}

/** The fixture's map, as a SCADA config would describe it. */
const TAGS: TagConfig[] = [
  peerTag("f_abcd", "float32", "holding", 0),
  peerTag("f_cdab", "float32", "holding", 2, { wordOrder: "CDAB" }),
  peerTag("i16", "int16", "holding", 4),
  peerTag("u32", "uint32", "holding", 5),
  peerTag("level", "uint16", "holding", 7, { scaling: { rawMin: 0, rawMax: 10000, engMin: 0, engMax: 100 } }),
  peerTag("i32_dcba", "int32", "holding", 8, { wordOrder: "DCBA" }),
  peerTag("w16", "int16", "holding", 10),
  peerTag("f_badc", "float32", "input", 0, { wordOrder: "BADC" }),
  peerTag("counter", "uint16", "input", 2),
  peerTag("c0", "bool", "coil", 0),
  peerTag("c1", "bool", "coil", 1),
  peerTag("c2", "bool", "coil", 2),
  peerTag("d0", "bool", "discrete", 0),
  peerTag("d1", "bool", "discrete", 1),
];

const EXPECTED: Record<string, number | boolean> = {
  "peer.f_abcd": 123.45,
  "peer.f_cdab": -7.25,
  "peer.i16": -1234,
  "peer.u32": 3_000_000_000,
  "peer.level": 42.5,
  "peer.i32_dcba": -123456,
  "peer.w16": 0,
  "peer.f_badc": 3.5,
  "peer.counter": 7,
  "peer.c0": true,
  "peer.c1": false,
  "peer.c2": true,
  "peer.d0": true,
  "peer.d1": false,
};

async function startPymodbus(port: number): Promise<Child> {
  const child = spawnChild(PYTHON, [FIXTURE, String(port)], { name: "pymodbus" });
  try {
    await child.waitForOutput(`READY ${port}`, 10_000);
  } catch (err) {
    await child.kill();
    throw err;
  }
  return child;
}

describe("modbus driver ↔ pymodbus (third-party server)", function () {
  this.timeout(30_000);
  let child: Child | undefined;
  let driver: ModbusDriver | undefined;
  let port = 0;
  const latest = new Map<string, TagUpdate>();

  before(async function () {
    assert.ok(existsSync(PYTHON), `${PYTHON} is missing (apt-get install -y python3-pymodbus)`);
    port = await freePort();
    child = await startPymodbus(port);
    const device = modbusTcpDeviceSchema.parse({
      id: "peer",
      protocol: "modbus-tcp",
      host: "127.0.0.1",
      port,
      unitId: 1,
      wordOrder: "ABCD",
      timeoutMs: 1000,
      heartbeatTag: "peer.counter",
      heartbeatPeriodMs: 100,
      reconnect: { initialMs: 100, maxMs: 1000 },
    });
    driver = new ModbusDriver({
      device,
      tags: TAGS,
      sink: { onUpdates: (us) => us.forEach((u) => latest.set(u.name, u)), onConfirm: () => undefined },
      clock: systemClock,
      logger: silentLogger(),
    });
    await driver.start();
  });

  after(async () => {
    await driver?.stop();
    await child?.kill("SIGTERM", 3000);
  });

  it("decodes every type and word order of the peer's map", async () => {
    await waitFor("all peer tags delivered", 5000, () => TAGS.every((t) => latest.get(t.name)?.quality.status === "Good"));
    for (const t of TAGS) assert.equal(latest.get(t.name)?.value, EXPECTED[t.name], t.name);
    assert.equal(driver?.health().state, "OK");
    assert.equal(driver?.stats().requestErrors, 0);
  });

  it("writes round-trip: float32 (FC16), CDAB float32, uint32, int16 (FC6), coil (FC5)", async () => {
    const writes: [string, number | boolean][] = [
      ["peer.f_abcd", 99.5],
      ["peer.f_cdab", -0.125],
      ["peer.u32", 4_294_967_295],
      ["peer.w16", -321],
      ["peer.c1", true],
    ];
    for (const [name, value] of writes) {
      const r = await driver!.write(name, value);
      assert.deepEqual([name, r.ok, r.status], [name, true, "Good"]);
    }
    await waitFor("written values polled back", 3000, () => writes.every(([n, v]) => latest.get(n)?.value === v));

    // and the words in pymodbus' store are what the standard says, read with a plain client
    const c = new ModbusRTU();
    c.setTimeout(1000);
    await c.connectTCP("127.0.0.1", { port });
    c.setID(1);
    try {
      const { data } = await c.readHoldingRegisters(0, 11);
      assert.deepEqual(data.slice(0, 2), [0x42c7, 0x0000], "99.5 ABCD");
      assert.deepEqual(data.slice(2, 4), [0x0000, 0xbe00], "-0.125 CDAB");
      assert.deepEqual(data.slice(5, 7), [0xffff, 0xffff], "uint32 max");
      assert.equal(data[10], 0x10000 - 321, "-321 int16");
      assert.deepEqual((await c.readCoils(0, 3)).data.slice(0, 3), [true, true, true]);
    } finally {
      c.close(() => undefined);
    }
  });

  it("an address the peer does not have → that block Bad with the Modbus exception, the link stays up", async () => {
    // A driver of its own with one extra tag far beyond pymodbus' 21 holding registers.
    const device = modbusTcpDeviceSchema.parse({
      id: "peer",
      protocol: "modbus-tcp",
      host: "127.0.0.1",
      port,
      heartbeatTag: "peer.counter",
      heartbeatPeriodMs: 100,
    });
    const own = new Map<string, TagUpdate>();
    const tags = [peerTag("counter", "uint16", "input", 2), peerTag("missing", "uint16", "holding", 500)];
    const d = new ModbusDriver({
      device,
      tags,
      sink: { onUpdates: (us) => us.forEach((u) => own.set(u.name, u)), onConfirm: () => undefined },
      clock: systemClock,
      logger: silentLogger(),
    });
    try {
      await d.start();
      await waitFor("both delivered", 3000, () => own.size === 2);
      assert.equal(own.get("peer.counter")?.quality.status, "Good");
      assert.equal(own.get("peer.missing")?.quality.status, "Bad");
      assert.equal(own.get("peer.missing")?.quality.reason, "Modbus exception 2 (illegal data address)");
      assert.equal(d.health().connected, true);
    } finally {
      await d.stop();
    }
  });
});
