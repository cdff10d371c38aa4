/**
 * The independent client `mbpoll` (Debian) reads our virtual-plant Modbus server serving the real
 * plc-config line-plc map; what it decodes must be what the MemoryPlant holds.
 * mbpoll flags: -m tcp -p PORT -a UNIT -0 (PDU addressing) -r START -c COUNT -1 (once) -q (quiet);
 * -t 0 coils, -t 1 discrete inputs, -t 3 input registers, -t 4 holding registers; ":float" / ":int" read
 * 32-bit values, little-endian word order (CDAB) unless -B (big-endian, ABCD); ":hex" shows raw words.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { loadConfigOrThrow } from "../../src/config/config-loader.js";
import { silentLogger } from "../../src/core/logger.js";
import { createModbusPlantServer, type ModbusPlantServer } from "../../src/sim/modbus-plant-server.js";
import { freePort } from "../helpers/free-port.js";
import { MemoryPlant } from "../helpers/memory-plant.js";

const MBPOLL = "/usr/bin/mbpoll";

interface MbpollResult {
  code: number;
  stdout: string;
  stderr: string;
  /** address → value text, from lines like "[12]: \t24" */
  values: Map<number, string>;
}

function mbpoll(args: string[]): Promise<MbpollResult> {
  return new Promise((resolve) => {
    execFile(MBPOLL, args, { timeout: 10_000 }, (err, stdout, stderr) => {
      const values = new Map<number, string>();
      for (const m of stdout.matchAll(/^\[(\d+)\]:\s+(\S+)/gm)) values.set(Number(m[1]), m[2] ?? "");
      const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      resolve({ code, stdout, stderr, values });
    });
  });
}

function near(got: string | undefined, want: number): boolean {
  const g = Number(got);
  // mbpoll prints floats with %g (6 significant digits)
  return Number.isFinite(g) && Math.abs(g - want) <= Math.abs(want) * 1e-5 + 1e-9;
}

describe("mbpoll (independent client) ↔ modbus plant server (plc-config line-plc)", function () {
  this.timeout(30_000);
  const config = loadConfigOrThrow("plc-config");
  const device = config.devices.find((d) => d.id === "line-plc");
  if (device === undefined || device.protocol !== "modbus-tcp") throw new Error("plc-config has no Modbus TCP line-plc");
  const tags = config.tags.filter((t) => t.device === device.id);
  const plant = new MemoryPlant(tags);
  let server: ModbusPlantServer | undefined;
  let base: string[] = [];

  const value = (name: string): number => {
    const v = plant.read(name)?.value;
    assert.equal(typeof v, "number", name);
    return v as number;
  };

  before(async () => {
    assert.ok(existsSync(MBPOLL), `${MBPOLL} is missing (apt-get install -y mbpoll)`);
    const port = await freePort();
    server = await createModbusPlantServer({ device: { ...device, port }, tags, plant, host: "127.0.0.1", port, logger: silentLogger() });
    base = ["-m", "tcp", "-p", String(port), "-a", String(device.unitId), "-0", "-1", "-q"];
    // distinctive values
    plant.set("feed.web_speed_sp", 123.45);
    plant.set("rinse.water_flow_sp", 123.45);
    plant.set("feed.lot_id", 2_000_000_001);
    plant.set("feed.encoder_pos", 1234.567); // raw mm: 1234567
    plant.set("feed.hopper_level", 42.5); // raw 0..10000: 4250
    plant.set("line-plc.heartbeat", 4711);
  });

  after(async () => {
    await server?.stop();
  });

  it("holding registers: raw words in ABCD and CDAB", async () => {
    const r = await mbpoll([...base, "-t", "4:hex", "-r", "0", "-c", "14", "127.0.0.1"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.values.size, 14);
    // 123.45 = 0x42F6E666: ABCD at feed.web_speed_sp (0..1), CDAB at rinse.water_flow_sp (10..11)
    assert.deepEqual([r.values.get(0), r.values.get(1)], ["0x42F6", "0xE666"]);
    assert.deepEqual([r.values.get(10), r.values.get(11)], ["0xE666", "0x42F6"]);
  });

  it("holding registers: floats (ABCD with -B, CDAB without) and a 32-bit integer", async () => {
    const abcd = await mbpoll([...base, "-t", "4:float", "-B", "-r", "0", "-c", "5", "127.0.0.1"]);
    assert.equal(abcd.code, 0, abcd.stderr);
    for (const [addr, name] of [[0, "feed.web_speed_sp"], [2, "feed.doser_rate_sp"], [6, "feed.index_length_sp"], [8, "feed.tension_sp"]] as const) {
      assert.ok(near(abcd.values.get(addr), value(name)), `${name}: mbpoll ${abcd.values.get(addr)} vs plant ${value(name)}`);
    }
    const cdab = await mbpoll([...base, "-t", "4:float", "-r", "10", "-c", "2", "127.0.0.1"]);
    assert.equal(cdab.code, 0, cdab.stderr);
    assert.ok(near(cdab.values.get(10), value("rinse.water_flow_sp")));
    assert.ok(near(cdab.values.get(12), value("rinse.dryer_temp_sp")));
    const lot = await mbpoll([...base, "-t", "4:int", "-B", "-r", "4", "-c", "1", "127.0.0.1"]);
    assert.equal(lot.values.get(4), "2000000001");
  });

  it("input registers: ABCD floats, scaled uint32 and uint16, CDAB floats, heartbeat", async () => {
    const feed = await mbpoll([...base, "-t", "3:float", "-B", "-r", "0", "-c", "2", "127.0.0.1"]);
    assert.ok(near(feed.values.get(0), value("feed.web_speed")));
    assert.ok(near(feed.values.get(2), value("feed.web_tension")));
    const feed2 = await mbpoll([...base, "-t", "3:float", "-B", "-r", "8", "-c", "2", "127.0.0.1"]);
    assert.ok(near(feed2.values.get(8), value("feed.doser_rate")));
    assert.ok(near(feed2.values.get(10), value("feed.areal_loading")));
    const enc = await mbpoll([...base, "-t", "3:int", "-B", "-r", "4", "-c", "1", "127.0.0.1"]);
    assert.equal(enc.values.get(4), "1234567");
    const words = await mbpoll([...base, "-t", "3", "-r", "6", "-c", "25", "127.0.0.1"]);
    assert.equal(words.code, 0, words.stderr);
    assert.equal(words.values.get(6), "4250");
    assert.equal(words.values.get(30), "4711");
    const rinse = await mbpoll([...base, "-t", "3:float", "-r", "12", "-c", "7", "127.0.0.1"]);
    assert.equal(rinse.code, 0, rinse.stderr);
    const names = ["rinse.water_flow", "rinse.tank_level", "rinse.water_temp", "rinse.conductivity", "rinse.dryer_temp", "rinse.rewind_tension", "rinse.roll_length"];
    names.forEach((name, i) => assert.ok(near(rinse.values.get(12 + 2 * i), value(name)), `${name}: ${rinse.values.get(12 + 2 * i)} vs ${value(name)}`));
  });

  it("coils and discrete inputs", async () => {
    const coils = await mbpoll([...base, "-t", "0", "-r", "0", "-c", "5", "127.0.0.1"]);
    assert.equal(coils.code, 0, coils.stderr);
    ["feed.drives_run", "feed.doser_on", "feed.index_cmd", "rinse.pump_on", "rinse.dryer_on"].forEach((name, i) =>
      assert.equal(coils.values.get(i), plant.read(name)?.value ? "1" : "0", name),
    );
    const di = await mbpoll([...base, "-t", "1", "-r", "0", "-c", "3", "127.0.0.1"]);
    ["feed.drives_running", "feed.indexing", "rinse.pump_running"].forEach((name, i) =>
      assert.equal(di.values.get(i), plant.read(name)?.value ? "1" : "0", name),
    );
  });

  it("a coil written by mbpoll reaches the plant", async () => {
    const before = plant.read("rinse.dryer_on")?.value;
    const r = await mbpoll([...base.filter((a) => a !== "-1"), "-t", "0", "-r", "4", "127.0.0.1", before ? "0" : "1"]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.equal(plant.read("rinse.dryer_on")?.value, !before);
  });

  it("an address without a tag is an illegal data address for mbpoll too", async () => {
    const r = await mbpoll([...base, "-t", "4", "-r", "100", "-c", "2", "127.0.0.1"]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Illegal data address/);
  });
});
