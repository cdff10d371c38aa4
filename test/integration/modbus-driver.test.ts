/**
 * Our Modbus driver against our virtual-plant Modbus server, serving the real plc-config line-plc map,
 * with a MemoryPlant behind it.
 */
import assert from "node:assert/strict";
import { createServer, connect, type Server, type Socket } from "node:net";
import Modbus from "modbus-serial";
import { loadConfigOrThrow } from "../../src/config/config-loader.js";
import { modbusRtuDeviceSchema, type ModbusTcpDeviceConfig } from "../../src/config/device-schema.js";
import { systemClock } from "../../src/core/clock.js";
import { silentLogger, type Logger } from "../../src/core/logger.js";
import type { TagScalar, TagUpdate } from "../../src/core/tag-value.js";
import type { TagSink } from "../../src/core/tag-sink.js";
import { encodeValue } from "../../src/drivers/modbus/modbus-codec.js";
import { ModbusDriver } from "../../src/drivers/modbus/modbus-driver.js";
import { createModbusPlantServer, type ModbusPlantServer } from "../../src/sim/modbus-plant-server.js";
import { tagSchema, type TagConfig } from "../../src/tags/tag-schema.js";
import { freePort } from "../helpers/free-port.js";
import { MemoryPlant } from "../helpers/memory-plant.js";
import { waitFor } from "../helpers/wait-for.js";

const ModbusRTU = Modbus.default;
const HOST = "127.0.0.1";

/** Keeps the latest update per tag and every batch. */
class RecordingSink implements TagSink {
  readonly latest = new Map<string, TagUpdate>();
  batches = 0;
  onUpdates(updates: readonly TagUpdate[]): void {
    this.batches += 1;
    for (const u of updates) this.latest.set(u.name, u);
  }
  onConfirm(): void {}
}

/** A Logger that records warnings (to check flood control). */
class RecordingLogger implements Logger {
  readonly warnings: { obj: unknown; msg: string | undefined }[] = [];
  debug(): void {}
  info(): void {}
  warn(obj: object | string, msg?: string): void {
    this.warnings.push({ obj, msg });
  }
  error(obj: object | string, msg?: string): void {
    this.warnings.push({ obj, msg });
  }
  child(): Logger {
    return this;
  }
}

function sameValue(tag: TagConfig, got: TagScalar | null | undefined, want: TagScalar | undefined): boolean {
  if (typeof want === "boolean" || typeof got === "boolean") return got === want;
  if (typeof got !== "number" || typeof want !== "number") return false;
  // float32 carries ~7 significant digits; integers must match exactly (after scaling)
  const tol = tag.type === "float32" ? Math.abs(want) * 1e-6 + 1e-9 : 1e-9;
  return Math.abs(got - want) <= tol;
}

function lineConfig(): { device: ModbusTcpDeviceConfig; tags: TagConfig[] } {
  const config = loadConfigOrThrow("plc-config");
  const device = config.devices.find((d) => d.id === "line-plc");
  assert.ok(device !== undefined && device.protocol === "modbus-tcp", "plc-config has the Modbus TCP device line-plc");
  return { device, tags: config.tags.filter((t) => t.device === device.id) };
}

/** A raw modbus-serial client (the independent way to poke the server). */
async function rawClient(port: number, unitId: number): Promise<InstanceType<typeof ModbusRTU>> {
  const c = new ModbusRTU();
  c.setTimeout(1000);
  await c.connectTCP(HOST, { port });
  c.setID(unitId);
  return c;
}

async function expectException(p: Promise<unknown>, code: number): Promise<void> {
  await assert.rejects(p, (e: { modbusCode?: number; message?: string }) => {
    assert.equal(e.modbusCode, code, `expected Modbus exception ${code}, got ${e.message ?? String(e)}`);
    return true;
  });
}

/**
 * A TCP proxy in front of the server that counts Modbus requests in flight (requests forwarded minus
 * answers returned) and can delay answers, to check the one-transaction-per-link rule and overruns.
 */
class CountingProxy {
  inFlight = 0;
  maxInFlight = 0;
  requests = 0;
  delayMs = 0;
  private server: Server | undefined;
  private readonly socks = new Set<Socket>();
  port = 0;

  async start(upstreamPort: number): Promise<void> {
    this.port = await freePort();
    this.server = createServer((down) => {
      const up = connect(upstreamPort, HOST);
      this.socks.add(down).add(up);
      let reqBuf = Buffer.alloc(0);
      let resBuf = Buffer.alloc(0);
      down.on("data", (d: Buffer) => {
        reqBuf = Buffer.concat([reqBuf, d]);
        while (reqBuf.length >= 6 && reqBuf.length >= 6 + reqBuf.readUInt16BE(4)) {
          reqBuf = reqBuf.subarray(6 + reqBuf.readUInt16BE(4));
          this.requests += 1;
          this.inFlight += 1;
          this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
        }
        up.write(d);
      });
      up.on("data", (d: Buffer) => {
        resBuf = Buffer.concat([resBuf, d]);
        const frames: Buffer[] = [];
        while (resBuf.length >= 6 && resBuf.length >= 6 + resBuf.readUInt16BE(4)) {
          const n = 6 + resBuf.readUInt16BE(4);
          frames.push(resBuf.subarray(0, n));
          resBuf = resBuf.subarray(n);
        }
        for (const f of frames) {
          const send = (): void => {
            this.inFlight -= 1;
            if (!down.destroyed) down.write(f);
          };
          if (this.delayMs > 0) setTimeout(send, this.delayMs);
          else send();
        }
      });
      const close = (): void => {
        down.destroy();
        up.destroy();
      };
      down.on("close", close).on("error", close);
      up.on("close", close).on("error", close);
    });
    await new Promise<void>((resolve) => this.server?.listen(this.port, HOST, resolve));
  }

  async stop(): Promise<void> {
    for (const s of this.socks) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

describe("modbus driver ↔ modbus plant server (plc-config line-plc)", function () {
  this.timeout(30_000);
  const { device: configDevice, tags } = lineConfig();
  let port = 0;
  let device: ModbusTcpDeviceConfig;
  let plant: MemoryPlant;
  let server: ModbusPlantServer | undefined;
  let driver: ModbusDriver | undefined;
  let sink: RecordingSink;
  let logger: RecordingLogger;

  const allGood = (): boolean =>
    tags.every((t) => {
      const u = sink.latest.get(t.name);
      return u !== undefined && u.quality.status === "Good" && sameValue(t, u.value, plant.read(t.name)?.value);
    });
  const allBad = (): boolean => tags.every((t) => sink.latest.get(t.name)?.quality.status === "Bad");
  const startServer = async (): Promise<ModbusPlantServer> =>
    createModbusPlantServer({ device, tags, plant, host: HOST, port, logger: silentLogger() });

  before(async () => {
    port = await freePort();
    device = { ...configDevice, port };
    plant = new MemoryPlant(tags);
    server = await startServer();
    sink = new RecordingSink();
    logger = new RecordingLogger();
    driver = new ModbusDriver({ device, tags, sink, clock: systemClock, logger });
    await driver.start();
  });

  after(async () => {
    await driver?.stop();
    await server?.stop();
  });

  it("delivers every line-plc tag Good with the plant's values, time-stamped at receipt", async () => {
    assert.ok(tags.length >= 20, "line-plc has its tags");
    const t0 = Date.now();
    await waitFor("all line-plc tags Good with the plant's values", 3000, allGood);
    for (const t of tags) {
      const u = sink.latest.get(t.name);
      assert.ok(u);
      assert.equal(u.sourceTs, u.serverTs, "Modbus has no source time stamp: sourceTs = serverTs");
      assert.ok(u.serverTs >= t0 && u.serverTs <= Date.now());
    }
    assert.equal(driver?.health().state, "OK");
    // live polling, not a snapshot: a plant change arrives within a few poll periods
    plant.set("feed.web_speed", 12.5);
    plant.set("rinse.roll_length", 4321.5); // CDAB float
    plant.set("feed.encoder_pos", 70000.123); // scaled uint32 (raw mm)
    await waitFor("plant changes polled", 1000, () =>
      sink.latest.get("feed.web_speed")?.value === 12.5 &&
      sink.latest.get("rinse.roll_length")?.value === 4321.5 &&
      sink.latest.get("feed.encoder_pos")?.value === 70000.123);
  });

  it("writes a coil (FC5) and the plant gets it", async () => {
    const before = plant.read("feed.drives_run")?.value;
    assert.equal(typeof before, "boolean");
    const res = await driver!.write("feed.drives_run", !before);
    assert.deepEqual([res.ok, res.status], [true, "Good"]);
    assert.ok(res.roundTripMs > 0 && res.roundTripMs < 500);
    assert.equal(plant.read("feed.drives_run")?.value, !before);
    await waitFor("coil read back", 1000, () => sink.latest.get("feed.drives_run")?.value === !before);
  });

  it("writes a CDAB float32 (one FC16 with both words) and the words on the wire are CDAB", async () => {
    const res = await driver!.write("rinse.dryer_temp_sp", 400.5);
    assert.equal(res.status, "Good");
    assert.equal(plant.read("rinse.dryer_temp_sp")?.value, 400.5);
    const c = await rawClient(port, device.unitId);
    try {
      const { data } = await c.readHoldingRegisters(12, 2);
      assert.deepEqual(data, encodeValue("float32", 400.5, "CDAB"));
      assert.notDeepEqual(data, encodeValue("float32", 400.5, "ABCD"));
    } finally {
      c.close(() => undefined);
    }
    await waitFor("float read back", 1000, () => sink.latest.get("rinse.dryer_temp_sp")?.value === 400.5);
  });

  it("writes a uint32 above 2^31 and reads it back", async () => {
    const res = await driver!.write("feed.lot_id", 4_000_000_001);
    assert.equal(res.status, "Good");
    assert.equal(plant.read("feed.lot_id")?.value, 4_000_000_001);
    // feed.lot_id is polled every 1000 ms
    await waitFor("uint32 read back", 2500, () => sink.latest.get("feed.lot_id")?.value === 4_000_000_001);
  });

  it("read() is one fresh request per tag: float32 ABCD and CDAB, uint32, coil, scaled input, in engineering units", async () => {
    const cases: [string, TagScalar][] = [
      ["feed.web_speed_sp", 3.25],
      ["rinse.water_flow_sp", 17.5], // CDAB
      ["feed.lot_id", 4_000_000_123],
      ["rinse.pump_on", true],
      ["feed.hopper_level", 42.5], // uint16 raw 4250, scaled
      ["rinse.conductivity", 123.25], // input register, CDAB
    ];
    for (const [name, value] of cases) {
      plant.set(name, value);
      const requestsBefore = driver!.stats().requests;
      const r = await driver!.read(name);
      assert.deepEqual({ ok: r.ok, value: r.value, status: r.status }, { ok: true, value, status: "Good" }, `read ${name}`);
      assert.ok(r.roundTripMs > 0 && r.roundTripMs < 500, `round trip ${r.roundTripMs} ms`);
      assert.ok(driver!.stats().requests > requestsBefore, "a request went to the PLC");
    }
    // feed.lot_id is polled once a second: a write read back at once is the PLC's answer, not the poll's cache
    assert.equal((await driver!.write("feed.lot_id", 12_345_678)).status, "Good");
    assert.equal((await driver!.read("feed.lot_id")).value, 12_345_678);
    const unknown = await driver!.read("htr.peak_sp"); // another device's tag
    assert.deepEqual([unknown.ok, unknown.value, /unknown tag/.test(unknown.status)], [false, null, true]);
    plant.set("rinse.water_temp", 330, "sensor broken");
    try {
      const failed = await driver!.read("rinse.water_temp");
      assert.deepEqual([failed.ok, failed.value, failed.status], [false, null, "Modbus exception 4 (server device failure)"]);
    } finally {
      plant.set("rinse.water_temp", 330);
    }
  });

  it("refuses writes to read-only, unknown, mistyped and out-of-range tags without touching the plant", async () => {
    const speed = plant.read("feed.web_speed")?.value;
    const ro = await driver!.write("feed.web_speed", 1);
    assert.equal(ro.ok, false);
    assert.match(ro.status, /not writable/);
    assert.equal(plant.read("feed.web_speed")?.value, speed);
    const ro2 = await driver!.write("feed.drives_running", true); // discrete input
    assert.match(ro2.status, /not writable/);
    const unknown = await driver!.write("htr.web_temp", 1); // another device's tag
    assert.deepEqual([unknown.ok, /unknown tag/.test(unknown.status)], [false, true]);
    const typed = await driver!.write("feed.drives_run", 1);
    assert.deepEqual([typed.ok, /cannot take/.test(typed.status)], [false, true]);
    const range = await driver!.write("feed.web_speed_sp", 11); // range 0..10
    assert.deepEqual([range.ok, /outside the range/.test(range.status)], [false, true]);
    const nan = await driver!.write("feed.web_speed_sp", Number.NaN);
    assert.equal(nan.ok, false);
  });

  it("a failed block read marks that block's tags Bad with the reason, the rest stay Good", async () => {
    plant.set("rinse.water_temp", 330, "sensor broken"); // input 16, in the 500 ms block with rinse.dryer_temp
    try {
      await waitFor("rinse.water_temp Bad", 2000, () => sink.latest.get("rinse.water_temp")?.quality.status === "Bad");
      const u = sink.latest.get("rinse.water_temp");
      assert.equal(u?.quality.reason, "Modbus exception 4 (server device failure)");
      assert.equal(sink.latest.get("rinse.dryer_temp")?.quality.status, "Bad", "same block");
      // other blocks keep polling Good
      const before = sink.latest.get("feed.web_speed")?.serverTs ?? 0;
      await waitFor("other blocks still Good", 1000, () => {
        const s = sink.latest.get("feed.web_speed");
        return s?.quality.status === "Good" && s.serverTs > before;
      });
    } finally {
      plant.set("rinse.water_temp", 330);
    }
    await waitFor("block Good again", 2000, () => sink.latest.get("rinse.water_temp")?.quality.status === "Good");
  });

  it("answers exception 3 for quantities over 125 registers / 2000 bits, and 2 outside the map", async () => {
    const c = await rawClient(port, device.unitId);
    try {
      await expectException(c.readHoldingRegisters(0, 126), 3);
      await expectException(c.readHoldingRegisters(0, 200), 3);
      await expectException(c.readInputRegisters(0, 126), 3);
      await expectException(c.readCoils(0, 2001), 3);
      await expectException(c.readDiscreteInputs(0, 2001), 3);
      await expectException(c.readHoldingRegisters(100, 2), 2); // no tag there
      await expectException(c.readInputRegisters(31, 3), 2); // runs past the last input register (32)
      await expectException(c.writeRegister(40, 1), 2);
      await expectException(c.writeCoil(9, true), 2);
      // valid requests on the same connection still work
      const ok = await c.readInputRegisters(0, 31);
      assert.equal(ok.data.length, 31);
      assert.equal(ok.data[30], plant.read("line-plc.heartbeat")?.value);
    } finally {
      c.close(() => undefined);
    }
  });

  it("FC16 is atomic: a 32-bit value written in one request reaches the plant as one value", async () => {
    const writes: [string, TagScalar][] = [];
    const original = plant.write.bind(plant);
    plant.write = (name: string, value: TagScalar): boolean => {
      writes.push([name, value]);
      return original(name, value);
    };
    const c = await rawClient(port, device.unitId);
    try {
      await c.writeRegisters(4, encodeValue("uint32", 123456789)); // feed.lot_id, ABCD
      assert.deepEqual(writes, [["feed.lot_id", 123456789]]);
      writes.length = 0;
      // one word of a float (FC6): read-modify-write of that one value
      const words = encodeValue("float32", 2.5); // feed.web_speed_sp at holding 0..1, ABCD
      await c.writeRegisters(0, words);
      assert.deepEqual(writes, [["feed.web_speed_sp", 2.5]]);
      await c.writeRegister(0, encodeValue("float32", 2.75)[0] ?? 0); // 2.5 and 2.75 differ in the high word only
      assert.deepEqual(writes.at(-1), ["feed.web_speed_sp", 2.75]);
      // FC15: several coils, one plant write each
      writes.length = 0;
      await c.writeCoils(3, [true, false]);
      assert.deepEqual(writes, [["rinse.pump_on", true], ["rinse.dryer_on", false]]);
      // a write the plant refuses → exception 4
      plant.write = (): boolean => false;
      await expectException(c.writeRegisters(8, encodeValue("float32", 50)), 4);
      await expectException(c.writeCoil(0, true), 4);
    } finally {
      plant.write = original;
      c.close(() => undefined);
    }
  });

  it("server offline → all tags Bad within 1 s and health DOWN, logged once; online → Good again", async () => {
    await waitFor("all Good", 3000, allGood);
    const warningsBefore = logger.warnings.length;
    const reconnectsBefore = driver!.stats().reconnects;
    server!.setOnline(false);
    const badMs = await waitFor("all tags Bad", 1000, allBad);
    assert.ok(badMs <= 1000);
    assert.match(sink.latest.get("feed.web_speed")?.quality.reason ?? "", /^connection lost: /);
    assert.equal(driver!.health().state, "DOWN");
    assert.equal(driver!.health().connected, false);
    const w = await driver!.write("feed.drives_run", true);
    assert.deepEqual([w.ok, /not connected/.test(w.status)], [false, true]);
    const r = await driver!.read("feed.web_speed_sp");
    assert.deepEqual([r.ok, r.value, /not connected/.test(r.status)], [false, null, true]);
    // stay down through several reconnect attempts: the down PLC logs once, not once per attempt / poll
    await new Promise((r) => setTimeout(r, 1600)); // nothing more happens: no further warning in 1.6 s of retries
    const newWarnings = logger.warnings.slice(warningsBefore);
    const lost = newWarnings.filter((x) => x.msg === "modbus connection lost").length;
    const failed = newWarnings.filter((x) => x.msg === "modbus connect failed").length;
    assert.equal(lost, 1);
    assert.ok(failed <= 1, `connect failures logged ${failed} times`);
    assert.ok(driver!.health().state === "DOWN");
    server!.setOnline(true);
    await waitFor("all Good again", 5000, allGood);
    assert.equal(driver!.stats().reconnects, reconnectsBefore + 1);
    assert.equal(driver!.health().state, "OK");
  });

  it("server stopped → all Bad within 1 s; a new server on the same port → Good within 5 s, same driver", async () => {
    await waitFor("all Good", 3000, allGood);
    const t0 = Date.now();
    await server!.stop();
    server = undefined;
    await waitFor("all tags Bad", 1000 - (Date.now() - t0), allBad);
    assert.equal(driver!.health().state, "DOWN");
    await waitFor("a reconnect attempt refused on the closed port", 5000, () => /^not connected: /.test(driver!.health().reason), {
      observe: () => driver!.health().reason,
    });
    server = await startServer(); // the port must have been released by stop()
    assert.equal(server.port, port);
    await waitFor("all Good again", 5000, allGood);
    const res = await driver!.write("feed.doser_on", false);
    assert.equal(res.status, "Good");
    assert.equal(plant.read("feed.doser_on")?.value, false);
  });

  it("after stop() the driver closes its socket and delivers nothing more", async () => {
    // a driver of its own, so the shared one keeps running for the other tests
    const own = new RecordingSink();
    const d = new ModbusDriver({ device, tags, sink: own, clock: systemClock, logger: silentLogger() });
    await d.start();
    await waitFor("own driver Good", 3000, () => own.latest.size === tags.length);
    const t0 = Date.now();
    await d.stop();
    assert.ok(Date.now() - t0 < 1000);
    const batches = own.batches;
    await new Promise((r) => setTimeout(r, 300)); // nothing more happens: no batch in 300 ms after stop()
    assert.equal(own.batches, batches);
    assert.equal(d.health().connected, false);
  });
});

describe("modbus driver: one transaction in flight, overruns counted", function () {
  this.timeout(30_000);
  const { device: configDevice, tags } = lineConfig();
  let server: ModbusPlantServer | undefined;
  let driver: ModbusDriver | undefined;
  const proxy = new CountingProxy();

  after(async () => {
    await driver?.stop();
    await proxy.stop();
    await server?.stop();
  });

  it("never has two requests in flight on the link, even with writes racing polls; slow answers → overruns", async () => {
    const plant = new MemoryPlant(tags);
    const port = await freePort();
    server = await createModbusPlantServer({ device: { ...configDevice, port }, tags, plant, host: HOST, port, logger: silentLogger() });
    await proxy.start(port);
    const sink = new RecordingSink();
    driver = new ModbusDriver({ device: { ...configDevice, port: proxy.port }, tags, sink, clock: systemClock, logger: silentLogger() });
    await driver.start();
    await waitFor("all tags delivered", 3000, () => tags.every((t) => sink.latest.get(t.name)?.quality.status === "Good"));
    // 60 writes, three at a time every 10 ms, not awaited, while the polls of 5 groups run
    const requestsAtStart = proxy.requests;
    const pending: Promise<{ ok: boolean }>[] = [];
    for (let i = 0; i < 20; i++) {
      for (let k = 0; k < 3; k++) pending.push(driver.write(k === 1 ? "rinse.water_flow_sp" : "feed.tension_sp", 10 + i + k));
      await new Promise((r) => setTimeout(r, 10)); // the load's pace (a batch every 10 ms), not a synchronisation
    }
    const results = await Promise.all(pending);
    assert.ok(results.every((r) => r.ok), JSON.stringify(results.find((r) => !r.ok)));
    const requests = proxy.requests - requestsAtStart;
    assert.ok(requests > 60 + 5, `polls ran between the writes: ${requests} requests`);
    assert.equal(proxy.maxInFlight, 1, "more than one Modbus transaction in flight on one link");
    assert.equal(driver.stats().overruns, 0, "a fast link has no overruns");

    // answers now take 40 ms: the 50 ms group (3 blocks ≈ 120 ms) cannot keep up → overruns, not a queue
    proxy.delayMs = 40;
    const requestsBefore = driver.stats().requests;
    await new Promise((r) => setTimeout(r, 1200)); // a measuring window: overruns and requests counted over 1.2 s of slow answers
    const stats = driver.stats();
    assert.ok(stats.overruns > 5, `overruns ${stats.overruns}`);
    // the link is saturated but not overfilled: ≈ 1200 / 40 requests at most
    assert.ok(stats.requests - requestsBefore <= 1200 / 40 + 2, `requests ${stats.requests - requestsBefore}`);
    assert.equal(proxy.maxInFlight, 1);
    assert.equal(stats.requestErrors, 0);
    // a write still gets through first (writes jump the queue of reads)
    const w = await driver.write("feed.tension_sp", 77);
    assert.ok(w.ok, w.status);
    assert.ok(w.roundTripMs < 3 * 40 + 50, `write took ${w.roundTripMs} ms`);
  });
});

describe("modbus driver: 16-bit write (FC6)", function () {
  this.timeout(20_000);
  // line-plc's only writable 16-bit tag is the unscaled SCADA heartbeat (holding 14), so its map gets one extra
  // scaled int16 holding register for this case.
  const { device: configDevice, tags: lineTags } = lineConfig();
  const word: TagConfig = {
    name: "feed.test_word",
    description: "test-only writable int16",
    device: configDevice.id,
    type: "int16",
    modbus: { table: "holding", address: 15 },
    scaling: { rawMin: -1000, rawMax: 1000, engMin: -10, engMax: 10 },
    quantity: "count",
    units: "",
    updateMs: 100,
    writable: true,
  };
  const tags = [...lineTags, word];
  let server: ModbusPlantServer | undefined;
  let driver: ModbusDriver | undefined;

  after(async () => {
    await driver?.stop();
    await server?.stop();
  });

  it("writes a scaled int16 with FC6 and reads it back", async () => {
    assert.ok(!lineTags.some((t) => t.writable && t.modbus?.table === "holding" && ["int16", "uint16"].includes(t.type) && t.scaling !== undefined));
    assert.ok(!lineTags.some((t) => t.modbus?.table === "holding" && t.modbus.address === 15), "holding 15 is free");
    const plant = new MemoryPlant(tags);
    const port = await freePort();
    const device = { ...configDevice, port };
    server = await createModbusPlantServer({ device, tags, plant, host: HOST, port, logger: silentLogger() });
    const sink = new RecordingSink();
    driver = new ModbusDriver({ device, tags, sink, clock: systemClock, logger: silentLogger() });
    await driver.start();
    await waitFor("connected", 3000, () => sink.latest.get(word.name)?.quality.status === "Good");
    const res = await driver.write(word.name, -3.21);
    assert.equal(res.status, "Good");
    assert.ok(Math.abs(Number(plant.read(word.name)?.value) - -3.21) < 1e-9, String(plant.read(word.name)?.value));
    const c = await rawClient(port, device.unitId);
    try {
      assert.deepEqual((await c.readHoldingRegisters(15, 1)).data, [0x10000 - 321]);
    } finally {
      c.close(() => undefined);
    }
    await waitFor("read back", 1000, () => Math.abs(Number(sink.latest.get(word.name)?.value) - -3.21) < 1e-9);
    const over = await driver.write(word.name, 400); // raw 40000: beyond int16
    assert.equal(over.ok, false);
    assert.match(over.status, /outside the int16 range/);
  });
});

describe("modbus driver: RTU link that cannot open", function () {
  this.timeout(10_000);
  let driver: ModbusDriver | undefined;

  after(async () => {
    await driver?.stop();
  });

  it("marks its tags Bad with the reason, keeps retrying, never throws", async () => {
    const device = modbusRtuDeviceSchema.parse({
      id: "rtu-plc",
      protocol: "modbus-rtu",
      path: "/dev/tty-does-not-exist-0",
      heartbeatTag: "rtu-plc.heartbeat",
      heartbeatPeriodMs: 100,
      reconnect: { initialMs: 20, maxMs: 100 },
    });
    const tags = [
      tagSchema.parse({ name: "rtu-plc.heartbeat", device: "rtu-plc", type: "uint16", modbus: { table: "holding", address: 0 }, quantity: "count", units: "", updateMs: 100, writable: true }),
    ];
    const sink = new RecordingSink();
    const logger = new RecordingLogger();
    driver = new ModbusDriver({ device, tags, sink, clock: systemClock, logger });
    await driver.start();
    await waitFor("tag Bad", 2000, () => sink.latest.get("rtu-plc.heartbeat")?.quality.status === "Bad");
    assert.match(sink.latest.get("rtu-plc.heartbeat")?.quality.reason ?? "", /^not connected: .*tty-does-not-exist-0/);
    await new Promise((r) => setTimeout(r, 400)); // nothing more happens through several retries (20, 40, 80, 100, 100 ms)
    assert.equal(sink.batches, 1, "an outage marks the tags Bad once, not once per retry");
    assert.equal(logger.warnings.length, 1, "a down link logs once per interval");
    assert.equal(driver.health().state, "DOWN");
    const w = await driver.write("rtu-plc.heartbeat", 1);
    assert.deepEqual([w.ok, /not connected/.test(w.status)], [false, true]);
  });
});
