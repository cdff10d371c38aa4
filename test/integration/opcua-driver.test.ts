import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { type Server, type Socket, connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfigOrThrow } from "../../src/config/config-loader.js";
import type { OpcuaDeviceConfig } from "../../src/config/device-schema.js";
import { systemClock } from "../../src/core/clock.js";
import { createLogger, silentLogger } from "../../src/core/logger.js";
import type { TagUpdate } from "../../src/core/tag-value.js";
import type { TagSink } from "../../src/core/tag-sink.js";
import { OpcuaDriver } from "../../src/drivers/opcua/opcua-driver.js";
import { closeClientPki, openClientPki, trustCertificateData } from "../../src/drivers/opcua/opcua-trust-store.js";
import { createOpcuaPlantServer, type OpcuaPlantServer } from "../../src/sim/opcua-plant-server.js";
import type { TagConfig } from "../../src/tags/tag-schema.js";
import { freePort } from "../helpers/free-port.js";
import { MemoryPlant } from "../helpers/memory-plant.js";
import { waitFor } from "../helpers/wait-for.js";

/** What a tag table would see: the latest update per tag, every batch, every confirmation. */
class RecordingSink implements TagSink {
  readonly latest = new Map<string, TagUpdate>();
  readonly batches: (readonly TagUpdate[])[] = [];
  confirms = 0;
  onUpdates(updates: readonly TagUpdate[]): void {
    this.batches.push(updates);
    for (const u of updates) this.latest.set(u.name, u);
  }
  onConfirm(): void {
    this.confirms += 1;
  }
}

describe("OpcuaDriver against the virtual HTR PLC (real plc-config)", function () {
  this.timeout(30_000);

  const config = loadConfigOrThrow("plc-config");
  const baseDevice = config.devices.find((d): d is OpcuaDeviceConfig => d.protocol === "opcua" && d.id === "htr-plc");
  assert.ok(baseDevice, "plc-config has the OPC UA device htr-plc");
  const tags: readonly TagConfig[] = config.tags.filter((t) => t.device === "htr-plc");

  let dataDir: string;
  let port: number;
  let device: OpcuaDeviceConfig;
  let plant: MemoryPlant;
  let server: OpcuaPlantServer | undefined;
  let driver: OpcuaDriver;
  const sink = new RecordingSink();
  const driverLog: Record<string, unknown>[] = [];

  const startServer = async (): Promise<OpcuaPlantServer> =>
    createOpcuaPlantServer({ device, tags, plant, port, dataDir, logger: silentLogger() });
  const allTags = (pred: (u: TagUpdate | undefined, t: TagConfig) => boolean): boolean =>
    tags.every((t) => pred(sink.latest.get(t.name), t));
  const goodWithPlantValue = (u: TagUpdate | undefined, t: TagConfig): boolean =>
    u?.quality.status === "Good" && u.value === plant.read(t.name)?.value;
  const describeTags = (): string =>
    tags.map((t) => `${t.name}=${sink.latest.get(t.name)?.value}/${sink.latest.get(t.name)?.quality.status}`).join(", ");

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "opcua-driver-"));
    port = await freePort();
    device = { ...baseDevice, endpoint: `opc.tcp://127.0.0.1:${port}` };
    plant = new MemoryPlant(tags);
    plant.startScanning(10);
    server = await startServer();
    const logger = createLogger("info", { format: "json", destination: { write: (line: string) => driverLog.push(JSON.parse(line) as Record<string, unknown>) } });
    driver = new OpcuaDriver({ device, tags, sink, clock: systemClock, logger, dataDir });
    await driver.start();
  });

  after(async () => {
    try {
      const t0 = Date.now();
      await driver?.stop();
      assert.ok(Date.now() - t0 < 5000, `driver.stop() took ${Date.now() - t0} ms`);
    } finally {
      plant?.stopScanning();
      await server?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("brings every htr-plc tag Good with the plant's value within 10 s", async () => {
    assert.equal(tags.length, 33, "htr.yaml + quench.yaml define 33 htr-plc tags");
    await waitFor("all tags Good with plant values", 10_000, () => allTags(goodWithPlantValue), { observe: describeTags });
    const u = sink.latest.get("htr.web_temp")!;
    assert.ok(Math.abs(u.serverTs - Date.now()) < 10_000 && Math.abs(u.sourceTs - Date.now()) < 10_000, "time stamps are now-ish");
    await waitFor("health OK", 2000, () => driver.health().state === "OK");
    assert.equal(driver.health().connected, true);
    assert.ok(sink.confirms > 0, "publish responses confirm the device");
    const largest = Math.max(...sink.batches.map((b) => b.length));
    assert.ok(largest > 1, "values that arrive in one publish response are delivered as one batch");
  });

  it("monitors the exception-based trip tags in a subscription of their own at exceptionPublishingIntervalMs, the rest at publishingIntervalMs", async () => {
    const exceptionTags = tags.filter((t) => t.sampling === "exception").length;
    assert.ok(exceptionTags >= 4 && device.exceptionPublishingIntervalMs === 2 && device.publishingIntervalMs === 10, "plc-config asks for it");
    await waitFor("the driver connected", 10_000, () => driverLog.some((l) => l.msg === "OPC UA connected"));
    const connected = driverLog.find((l) => l.msg === "OPC UA connected")!;
    // the publishing intervals as the server granted them (the virtual PLC's floor is 2 ms)
    assert.deepEqual(connected.subscriptions, [
      { publishingIntervalMs: 10, tags: tags.length - exceptionTags },
      { publishingIntervalMs: 2, tags: exceptionTags },
    ]);
    plant.set("htr.web_temp", 1234.5);
    await waitFor("a trip tag's change arrives through the fast subscription", 2000, () => sink.latest.get("htr.web_temp")?.value === 1234.5);
  });

  it("sees a plant change", async () => {
    plant.set("htr.web_temp", 1111.25);
    const ms = await waitFor("htr.web_temp = 1111.25", 2000, () => sink.latest.get("htr.web_temp")?.value === 1111.25);
    assert.ok(ms < 500, `change took ${ms} ms to arrive`);
    plant.set("quench.gas_on", !(plant.read("quench.gas_on")!.value as boolean));
    await waitFor("quench.gas_on toggled", 2000, () => sink.latest.get("quench.gas_on")?.value === plant.read("quench.gas_on")!.value);
  });

  it("writes a Boolean, a Double and a UInt16 that land in the plant and come back", async () => {
    const cases: [string, boolean | number][] = [
      ["htr.heater_enable", !(plant.read("htr.heater_enable")!.value as boolean)],
      ["htr.peak_sp", 1350.5],
      ["htr.mode", plant.read("htr.mode")!.value === 1 ? 0 : 1],
    ];
    for (const [name, value] of cases) {
      const result = await driver.write(name, value);
      assert.deepEqual({ ok: result.ok, status: result.status }, { ok: true, status: "Good" }, `write ${name}`);
      assert.ok(result.roundTripMs > 0 && result.roundTripMs < 1000, `round trip ${result.roundTripMs} ms`);
      assert.equal(plant.read(name)!.value, value, `${name} landed in the plant`);
      await waitFor(`${name} read back`, 2000, () => sink.latest.get(name)?.value === value);
    }
    assert.ok(driver.stats().requests >= 3);
  });

  it("read() asks the PLC now: what the plant holds, in engineering units, before the subscription reports it", async () => {
    for (const [name, value] of [["htr.ramp_time_sp", 2.75], ["htr.mode", 1], ["quench.gas_on", true], ["htr.web_temp", 987.5]] as const) {
      plant.set(name, value);
      plant.scan(); // the server takes the PLC's values after a scan
      const r = await driver.read(name);
      assert.deepEqual({ ok: r.ok, value: r.value, status: r.status }, { ok: true, value, status: "Good" }, `read ${name}`);
      assert.ok(r.roundTripMs > 0 && r.roundTripMs < 1000, `round trip ${r.roundTripMs} ms`);
    }
    // a write then a read-back: the read is the PLC's answer, whatever the subscription has delivered so far
    assert.equal((await driver.write("htr.hold_time_sp", 6.5)).status, "Good");
    assert.equal((await driver.read("htr.hold_time_sp")).value, 6.5);
    const unknown = await driver.read("htr.no_such_tag");
    assert.deepEqual({ ok: unknown.ok, value: unknown.value, status: unknown.status }, { ok: false, value: null, status: "unknown tag" });
    plant.set("quench.exit_web_temp", 420, "sensor failure");
    plant.scan();
    const failed = await driver.read("quench.exit_web_temp");
    assert.deepEqual({ ok: failed.ok, status: failed.status }, { ok: false, status: "BadSensorFailure" });
    plant.set("quench.exit_web_temp", 400);
    plant.scan();
  });

  it("refuses writes to read-only and unknown tags and bad values, without touching the plant", async () => {
    const before = plant.read("htr.web_temp")!.value;
    const readOnly = await driver.write("htr.web_temp", 500);
    assert.deepEqual({ ok: readOnly.ok, status: readOnly.status }, { ok: false, status: "BadNotWritable" });
    assert.equal(plant.read("htr.web_temp")!.value, before);
    assert.equal((await driver.write("htr.no_such_tag", 1)).status, "unknown tag");
    assert.equal((await driver.write("htr.peak_sp", true)).status, "BadTypeMismatch");
    assert.equal((await driver.write("htr.peak_sp", 5000)).status, "BadOutOfRange");
    assert.equal(plant.read("htr.peak_sp")!.value, 1350.5);
  });

  it("turns a failed sensor Bad, and Good again when it recovers", async () => {
    plant.set("quench.exit_web_temp", 400, "sensor failure");
    await waitFor("exit_web_temp Bad", 2000, () => sink.latest.get("quench.exit_web_temp")?.quality.status === "Bad");
    assert.equal(sink.latest.get("quench.exit_web_temp")!.quality.reason, "BadSensorFailure");
    assert.equal(sink.latest.get("htr.web_temp")!.quality.status, "Good", "other tags stay Good");
    plant.set("quench.exit_web_temp", 401);
    await waitFor("exit_web_temp Good", 2000, () => {
      const u = sink.latest.get("quench.exit_web_temp");
      return u?.quality.status === "Good" && u.value === 401;
    });
  });

  it("marks every tag Bad within 1 s when the server stops, with health DOWN", async () => {
    const stopping = server!.stop();
    server = undefined;
    const ms = await waitFor("all tags Bad", 1000, () => allTags((u) => u?.quality.status === "Bad"));
    await stopping;
    const reason = sink.latest.get("htr.web_temp")!.quality.reason;
    assert.match(reason, /connection lost/, `reason: ${reason}`);
    const health = driver.health();
    assert.equal(health.state, "DOWN");
    assert.equal(health.connected, false);
    assert.match(health.reason, /connection lost/);
    const w = await driver.write("htr.peak_sp", 1300);
    assert.deepEqual({ ok: w.ok, status: w.status }, { ok: false, status: "not connected" });
    const r = await driver.read("htr.peak_sp");
    assert.deepEqual({ ok: r.ok, value: r.value, status: r.status }, { ok: false, value: null, status: "not connected" });
    assert.ok(ms <= 1000);
  });

  it("comes back Good within 5 s when a server returns on the same port, with the same driver", async () => {
    const t0 = Date.now();
    server = await startServer();
    await waitFor("all tags Good again", 5000 - (Date.now() - t0), () => allTags(goodWithPlantValue), { observe: describeTags });
    assert.ok(Date.now() - t0 <= 5000);
    await waitFor("health OK", 2000, () => driver.health().state === "OK");
    assert.ok(driver.stats().reconnects >= 1, "the driver counted its reconnects");
    const w = await driver.write("htr.peak_sp", 1333);
    assert.equal(w.status, "Good");
    assert.equal(plant.read("htr.peak_sp")!.value, 1333);
  });

  it("rides through the PLC dropping off the network and coming back (setOnline)", async () => {
    server!.setOnline(false);
    await waitFor("all tags Bad", 1000, () => allTags((u) => u?.quality.status === "Bad"));
    const t0 = Date.now();
    server!.setOnline(true);
    await waitFor("all tags Good again", 5000, () => allTags(goodWithPlantValue));
    assert.ok(Date.now() - t0 <= 5000);
    plant.set("htr.radiator_temp", 1777.5);
    await waitFor("a change after the return", 2000, () => sink.latest.get("htr.radiator_temp")?.value === 1777.5);
  });
});

describe("OpcuaDriver when the PLC is unreachable or silent", function () {
  this.timeout(30_000);

  const config = loadConfigOrThrow("plc-config");
  const baseDevice = config.devices.find((d): d is OpcuaDeviceConfig => d.protocol === "opcua" && d.id === "htr-plc")!;
  const tags: readonly TagConfig[] = config.tags.filter((t) => t.device === "htr-plc");
  let dataDir: string;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), "opcua-driver-down-"));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

  it("starts with the PLC down: tags Bad, health DOWN, no timers left after stop", async () => {
    const port = await freePort();
    const device: OpcuaDeviceConfig = { ...baseDevice, endpoint: `opc.tcp://127.0.0.1:${port}` };
    const sink = new RecordingSink();
    const before = timers();
    const driver = new OpcuaDriver({ device, tags, sink, clock: systemClock, logger: silentLogger(), dataDir });
    try {
      await driver.start();
      await waitFor("all tags Bad", 2000, () => tags.every((t) => sink.latest.get(t.name)?.quality.status === "Bad"));
      assert.match(sink.latest.get("htr.web_temp")!.quality.reason, /connect failed/);
      assert.equal(driver.health().state, "DOWN");
      await waitFor("a few retries", 3000, () => driver.stats().reconnects >= 2);
    } finally {
      await driver.stop();
    }
    const batchesAtStop = sink.batches.length;
    await waitFor("the driver's timers to go", 1000, () => timers() <= before);
    await new Promise((r) => setTimeout(r, 300)); // nothing more happens: no batch in 300 ms after stop()
    assert.equal(sink.batches.length, batchesAtStop, "nothing is delivered after stop()");
  });

  it("connects once the PLC appears, without a restart", async () => {
    const port = await freePort();
    const device: OpcuaDeviceConfig = { ...baseDevice, endpoint: `opc.tcp://127.0.0.1:${port}` };
    const plant = new MemoryPlant(tags);
    plant.startScanning(10);
    const sink = new RecordingSink();
    const driver = new OpcuaDriver({ device, tags, sink, clock: systemClock, logger: silentLogger(), dataDir });
    let server: OpcuaPlantServer | undefined;
    try {
      await driver.start();
      // a few failed attempts (the backoff grows: 400, 800 ms between them) before the PLC appears
      await waitFor("three failed connect attempts", 10_000, () => driver.stats().requestErrors >= 3);
      const t0 = Date.now();
      server = await createOpcuaPlantServer({ device, tags, plant, port, dataDir, logger: silentLogger() });
      await waitFor("all tags Good", 5000, () =>
        tags.every((t) => sink.latest.get(t.name)?.quality.status === "Good" && sink.latest.get(t.name)?.value === plant.read(t.name)?.value),
      );
      assert.ok(Date.now() - t0 <= 5000, `took ${Date.now() - t0} ms`);
    } finally {
      await driver.stop();
      plant.stopScanning();
      await server?.stop();
    }
  });

  it("detects a PLC that stops answering without closing the connection (publish watchdog)", async () => {
    const plcPort = await freePort();
    const proxyPort = await freePort();
    const device: OpcuaDeviceConfig = { ...baseDevice, endpoint: `opc.tcp://127.0.0.1:${proxyPort}` };
    const plant = new MemoryPlant(tags);
    plant.startScanning(10);
    const proxy = new BlackholeProxy(proxyPort, plcPort);
    const sink = new RecordingSink();
    const driver = new OpcuaDriver({ device, tags, sink, clock: systemClock, logger: silentLogger(), dataDir });
    let server: OpcuaPlantServer | undefined;
    try {
      server = await createOpcuaPlantServer({ device: { ...device, endpoint: `opc.tcp://127.0.0.1:${plcPort}` }, tags, plant, port: plcPort, dataDir, logger: silentLogger() });
      await proxy.listen();
      await driver.start();
      await waitFor("all tags Good", 10_000, () => tags.every((t) => sink.latest.get(t.name)?.quality.status === "Good"));

      proxy.freeze();
      const ms = await waitFor("all tags Bad", 3000, () => tags.every((t) => sink.latest.get(t.name)?.quality.status === "Bad"));
      // the watchdog fires after timeoutMs without a publish response (keep-alives come every 100 ms)
      assert.ok(ms <= 2 * device.timeoutMs, `silent PLC detected after ${ms} ms (timeoutMs ${device.timeoutMs})`);
      assert.match(driver.health().reason, /connection lost/);

      proxy.thaw();
      await waitFor("all tags Good again", 5000, () =>
        tags.every((t) => sink.latest.get(t.name)?.quality.status === "Good" && sink.latest.get(t.name)?.value === plant.read(t.name)?.value),
      );
    } finally {
      await driver.stop();
      await proxy.close();
      plant.stopScanning();
      await server?.stop();
    }
  });
});

/** A TCP relay that can go silent (a pulled cable: nothing answers, nothing closes). */
class BlackholeProxy {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private frozen = false;

  constructor(
    private readonly port: number,
    target: number,
  ) {
    this.server = createServer((client) => {
      const upstream = connect(target, "127.0.0.1");
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on("error", () => s.destroy());
        s.on("close", () => this.sockets.delete(s));
      }
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
      client.on("data", (d) => this.frozen || upstream.write(d));
      upstream.on("data", (d) => this.frozen || client.write(d));
    });
  }

  listen(): Promise<void> {
    return new Promise((resolve) => this.server.listen(this.port, "127.0.0.1", resolve));
  }

  freeze(): void {
    this.frozen = true;
  }

  /** Answer again; connections that went silent stay dead (as after a real outage). */
  thaw(): void {
    for (const s of this.sockets) s.destroy();
    this.frozen = false;
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe("OpcuaDriver with security and a user from the device config", function () {
  this.timeout(30_000);

  const config = loadConfigOrThrow("plc-config");
  const baseDevice = config.devices.find((d): d is OpcuaDeviceConfig => d.protocol === "opcua" && d.id === "htr-plc")!;
  const tags: readonly TagConfig[] = config.tags.filter((t) => t.device === "htr-plc");
  const PASSWORD_ENV = "HTR_PLC_TEST_PASSWORD";
  let dataDir: string;
  let port: number;
  let device: OpcuaDeviceConfig;
  let plant: MemoryPlant;
  let server: OpcuaPlantServer | undefined;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "opcua-driver-secure-"));
    port = await freePort();
    device = {
      ...baseDevice,
      endpoint: `opc.tcp://127.0.0.1:${port}`,
      securityMode: "SignAndEncrypt",
      securityPolicy: "Basic256Sha256",
      user: { username: "scada", passwordEnv: PASSWORD_ENV },
    };
    process.env[PASSWORD_ENV] = "correct horse battery staple";
    plant = new MemoryPlant(tags);
    plant.startScanning(10);
    server = await createOpcuaPlantServer({ device, tags, plant, port, dataDir, logger: silentLogger() });
    // An unknown server is refused by default: its certificate is trusted on purpose, as the virtual plant does
    // at its start (the refusal itself: opcua-trust-cli.test.ts)
    const pki = await openClientPki(dataDir);
    await trustCertificateData(pki, server.certificate()!);
    await closeClientPki(pki);
  });

  after(async () => {
    plant?.stopScanning();
    await server?.stop();
    delete process.env[PASSWORD_ENV];
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("connects with Basic256Sha256 SignAndEncrypt as the configured user, and writes", async () => {
    const sink = new RecordingSink();
    const driver = new OpcuaDriver({ device, tags, sink, clock: systemClock, logger: silentLogger(), dataDir });
    try {
      await driver.start();
      await waitFor("all tags Good", 10_000, () => tags.every((t) => sink.latest.get(t.name)?.quality.status === "Good"));
      const w = await driver.write("htr.ar_flow_sp", 12.5);
      assert.equal(w.status, "Good");
      assert.equal(plant.read("htr.ar_flow_sp")!.value, 12.5);
    } finally {
      await driver.stop();
    }
  });

  it("stays Bad with a reason when the password is wrong", async () => {
    const sink = new RecordingSink();
    const wrong: OpcuaDeviceConfig = { ...device, user: { username: "scada", passwordEnv: `${PASSWORD_ENV}_WRONG` } };
    process.env[`${PASSWORD_ENV}_WRONG`] = "guess";
    const driver = new OpcuaDriver({ device: wrong, tags, sink, clock: systemClock, logger: silentLogger(), dataDir });
    try {
      await driver.start();
      await waitFor("all tags Bad", 5000, () => tags.every((t) => sink.latest.get(t.name)?.quality.status === "Bad"));
      assert.match(driver.health().reason, /connect failed/);
      const refused = driver.stats().requestErrors;
      await waitFor("another refused connect attempt", 10_000, () => driver.stats().requestErrors > refused);
      assert.ok(tags.every((t) => sink.latest.get(t.name)?.quality.status === "Bad"), "never Good");
    } finally {
      await driver.stop();
      delete process.env[`${PASSWORD_ENV}_WRONG`];
    }
  });
});
