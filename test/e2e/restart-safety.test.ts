import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Child, spawnScada } from "../helpers/child-process.js";
import { freePort } from "../helpers/free-port.js";
import { type PlantReader, openPlantReader } from "../helpers/plant-reader.js";
import { type TestConfig, realConfigOnFreePorts } from "../helpers/test-config.js";
import { waitFor } from "../helpers/wait-for.js";
import { killInfluxdsUsing } from "../helpers/influxd-processes.js";
import { type ApiClient, TEST_ADMIN_PASSWORD, adminClient } from "../helpers/api-client.js";

interface LineJson {
  state: string;
  stopReason: { code: string; message: string } | null;
}
interface InterlocksJson {
  firstOut: { interlock: string } | null;
  tripped: string[];
}

/** The HTR PLC's own state, read by an independent OPC UA client (not the SCADA). */
const HEATER_ON = "ns=1;s=HTR.HeaterOn";
const FIRST_OUT = "ns=1;s=HTR.FirstOut";
const TRIP_WORD = "ns=1;s=HTR.TripWord";
/** src/sim/plant-state.ts: first-out code and trip-word bit of "SCADA lost" (the PLC's watchdog). */
const FIRST_OUT_SCADA_LOST = 6;
const SCADA_LOST_BIT = 5;

/**
 * The SCADA dies — kill -9, or stopped (SIGSTOP) — while the line heats, with the plant a separate process (as
 * the real PLCs are). The PLC protects itself: its watchdog sees the SCADA heartbeat stand still, cuts the
 * heater within about a second and latches its own first-out "SCADA lost" (read here from the plant, not from
 * the SCADA). The SCADA comes back Stopped (stop reason restart), shows the PLC's trip as IL-12's first-out,
 * switches the heater off and never resumes by itself; a run needs clear, reset and start.
 */
describe("e2e: restart safety — the PLC protects itself when the SCADA dies", function () {
  this.timeout(240_000);
  let tc: TestConfig;
  let plantData: string;
  let scadaData: string;
  let plc: PlantReader;
  const children: Child[] = [];
  let url: string;
  let api!: ApiClient;

  const env = () => ({ SCADA_CONFIG_DIR: tc.dir, SCADA_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD, SCADA_DATA_DIR: scadaData, PORT: String(new URL(url).port) });
  const startScada = async () => {
    const s = spawnScada(["start"], env());
    children.push(s);
    await s.waitForOutput("HTR SCADA ready at", 30_000);
    return s;
  };
  const line = async () => (await (await api.get("/api/line")).json()) as LineJson;
  const interlocks = async () => (await (await api.get("/api/interlocks")).json()) as InterlocksJson;
  const tag = async (name: string) => (await (await api.get(`/api/tags/${name}`)).json()) as { value: unknown; quality: string };
  const command = (c: string, recipe?: string) => api.post("/api/line/commands", { command: c, ...(recipe ? { recipe } : {}) });
  /** clear (if Aborted) → reset → Idle → start BiSb → the PLC's heater on. */
  const heat = async () => {
    await waitFor("Idle", 60_000, async () => {
      const s = (await line()).state;
      if (s === "Aborted") await command("clear");
      else if (s === "Stopped") await command("reset");
      return (await line()).state === "Idle";
    }, 300);
    let refusal = "";
    await waitFor("start accepted", 20_000, async () => {
      const r = await command("start", "BiSb");
      refusal = r.status === 200 ? "" : await r.text();
      return r.status === 200;
    }, { everyMs: 500, observe: () => refusal });
    await waitFor("heating (the PLC's power stage on)", 90_000, async () => (await plc.read(HEATER_ON)) === true, 100);
  };
  /** The PLC cut the heater by itself and latched SCADA lost, within `ms` of `since`. */
  const plcCutsHeater = async (since: number, ms: number) => {
    await waitFor("the PLC's heater off and SCADA lost latched", ms, async () => (await plc.read(HEATER_ON)) === false && (await plc.read(FIRST_OUT)) === FIRST_OUT_SCADA_LOST, 50);
    const took = Date.now() - since;
    assert.equal(Math.floor(Number(await plc.read(TRIP_WORD)) / 2 ** SCADA_LOST_BIT) % 2, 1, "trip-word bit 5 SCADA lost");
    return took;
  };
  /** After the SCADA is back: IL-12 first-out (the PLC's SCADA lost), heater request off, never resuming. */
  const showsScadaLostAndStaysSafe = async (previous: string) => {
    // Both PLCs' watchdogs latch SCADA lost within the same second (the HTR PLC's IL-12, the line PLC's IL-13): the
    // first-out is the one the SCADA read first when it was back (OPC UA or Modbus first), either is right; IL-12
    // must be among the trips (the HTR PLC's trip-word bit), whichever came first.
    let seen: InterlocksJson | undefined;
    await waitFor("SCADA lost (IL-12 or IL-13) first-out, IL-12 tripped", 20_000, async () => {
      seen = await interlocks();
      return (seen.firstOut?.interlock === "IL-12" || seen.firstOut?.interlock === "IL-13") && seen.tripped.includes("IL-12");
    }, { everyMs: 100, observe: () => JSON.stringify(seen) });
    await waitFor("heater request off", 10_000, async () => {
      const t = await tag("htr.heater_enable");
      return t.quality === "Good" && t.value === false;
    }, 100);
    let state = "";
    await waitFor(`${previous}: the line at rest (Aborted or Stopped)`, 60_000, async () => {
      state = (await line()).state;
      return state === "Aborted" || state === "Stopped";
    }, { everyMs: 200, observe: () => state });
    await new Promise((r) => setTimeout(r, 3000)); // nothing more happens: no resume, heater still off after 3 s
    assert.equal((await line()).state, state);
    assert.equal(await plc.read(HEATER_ON), false);
    assert.equal((await tag("htr.heater_enable")).value, false);
  };

  before(async () => {
    tc = await realConfigOnFreePorts();
    plantData = mkdtempSync(join(tmpdir(), "plant-"));
    scadaData = mkdtempSync(join(tmpdir(), "scada-"));
    url = `http://127.0.0.1:${await freePort()}`;
    const plant = spawnScada(["sim", "--purged"], { SCADA_CONFIG_DIR: tc.dir, SCADA_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD, SCADA_DATA_DIR: plantData });
    children.push(plant);
    await plant.waitForOutput("virtual plant ready", 20_000);
    plc = await openPlantReader(`opc.tcp://127.0.0.1:${tc.opcuaPort}`, plantData);
  });

  after(async () => {
    await plc?.close();
    // SIGTERM: each SCADA stops its managed influxd (after a SIGKILL, the kernel's parent-death signal ends it).
    for (const c of [...children].reverse()) await c.kill("SIGTERM");
    killInfluxdsUsing(scadaData); // whatever went wrong, no influxd of this test outlives it
    for (const d of [plantData, scadaData, tc.dir]) rmSync(d, { recursive: true, force: true });
  });

  it("kill -9 while heating: the PLC cuts the heater within ~1 s by itself; the SCADA comes back Stopped (restart), shows SCADA lost, never resumes", async () => {
    const first = await startScada();
    // Logged in once: sessions live in <dataDir>/scada.db and survive the kill -9.
    api = await adminClient(url);
    await heat();
    const killedAt = Date.now();
    await first.kill("SIGKILL");
    const took = await plcCutsHeater(killedAt, 5000);
    console.log(`      the PLC cut the heater ${took} ms after the SCADA was killed`);
    assert.ok(took <= 2500, `the watchdog (1 s) acted late: ${took} ms`);

    const second = await startScada();
    const back = await line();
    assert.equal(back.stopReason?.code === "restart" || back.stopReason?.code === "trip", true, JSON.stringify(back.stopReason));
    await second.waitForOutput("safe outputs written at boot", 10_000);
    await showsScadaLostAndStaysSafe("after kill -9");
  });

  it("SIGSTOP while heating: the PLC cuts the heater by itself; on SIGCONT the SCADA shows SCADA lost and does not resume; clear + reset + start runs again", async () => {
    await heat();
    const scada = children.at(-1)!;
    const stoppedAt = Date.now();
    scada.proc.kill("SIGSTOP");
    let took: number;
    try {
      took = await plcCutsHeater(stoppedAt, 5000);
    } finally {
      scada.proc.kill("SIGCONT");
    }
    console.log(`      the PLC cut the heater ${took} ms after the SCADA was stopped`);
    assert.ok(took <= 2500, `the watchdog (1 s) acted late: ${took} ms`);
    await showsScadaLostAndStaysSafe("after SIGSTOP");
    // Only an operator's clear, reset and start run it again (one interlock reset clears the PLC's latch too).
    await heat();
    assert.equal((await plc.read(FIRST_OUT)) === 0 || (await plc.read(FIRST_OUT)) === FIRST_OUT_SCADA_LOST, true);
    await waitFor("the PLC's latch cleared by the reset", 5000, async () => (await plc.read(FIRST_OUT)) === 0, 100);
  });
});
