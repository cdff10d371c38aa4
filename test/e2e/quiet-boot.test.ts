import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Child, spawnScada } from "../helpers/child-process.js";
import { freePort } from "../helpers/free-port.js";
import { type TestConfig, realConfigOnFreePorts } from "../helpers/test-config.js";
import { waitFor } from "../helpers/wait-for.js";
import { type ApiClient, TEST_ADMIN_PASSWORD, adminClient } from "../helpers/api-client.js";

interface AlarmsJson {
  alarms: { id: string; state: string }[];
  counts: { unacknowledged: number };
}
interface InterlocksJson {
  interlocks: { id: string; state: string; waitingFor?: string | null }[];
  tripped: string[];
  trips: unknown[];
}
interface LineJson {
  state: string;
  stopReason: { code: string; message: string } | null;
}

/** The log lines of a SCADA (JSON lines in a pipe) at error level or above, and any interlock write failure. */
function errorLines(out: string): string[] {
  return out.split("\n").filter((l) => /"level":(50|60)/.test(l) || /interlock write failed/.test(l));
}

/**
 * The quiet, safe boot (issue 12): a SCADA started as a new user would, against the virtual plant in its own
 * process (as the real PLCs are), comes up Stopped with nothing to acknowledge — no trip latched, no alarm, no
 * error in the log for values that had simply not arrived yet. With the PLCs not there at all, the interlocks
 * wait for their first data (start refused, naming the devices) and only the link alarms rise after the
 * start-up window; once the PLCs answer, nothing trips.
 */
describe("e2e: the quiet boot", function () {
  this.timeout(180_000);
  let tc: TestConfig;
  let plantData: string;
  let scadaData: string;
  const children: Child[] = [];
  const scadas: Child[] = [];
  let url: string;
  let api: ApiClient | undefined;

  const get = async <T>(path: string): Promise<T> => (await (await api!.get(path)).json()) as T;
  const unacked = async () => (await get<AlarmsJson>("/api/alarms")).alarms.filter((a) => a.state === "unack-active" || a.state === "rtn-unack" || a.state === "ack-active");
  const env = () => ({ SCADA_CONFIG_DIR: tc.dir, SCADA_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD, SCADA_DATA_DIR: scadaData, PORT: String(new URL(url).port) });
  const startScada = async () => {
    const s = spawnScada(["start"], env());
    children.push(s);
    scadas.push(s);
    await s.waitForOutput(/HTR SCADA (ready|serving) at/, 30_000);
    api = await adminClient(url);
    return s;
  };
  const startPlant = async () => {
    // Not purged: the chamber holds air, O₂ is high — normal for a line at rest, suppressed by design.
    const plant = spawnScada(["sim"], { SCADA_CONFIG_DIR: tc.dir, SCADA_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD, SCADA_DATA_DIR: plantData });
    children.push(plant);
    await plant.waitForOutput("virtual plant ready", 20_000);
    return plant;
  };
  /** Every interlock judged (none waiting) and, for a moment after, nothing more rises ("nothing more happens"). */
  const settled = async () => {
    await waitFor("no interlock waiting for first data", 20_000, async () => (await get<InterlocksJson>("/api/interlocks")).interlocks.every((i) => i.state !== "waiting"), 100);
    await new Promise((r) => setTimeout(r, 3000));
  };

  before(async () => {
    tc = await realConfigOnFreePorts();
    plantData = mkdtempSync(join(tmpdir(), "plant-"));
    scadaData = mkdtempSync(join(tmpdir(), "scada-"));
    url = `http://127.0.0.1:${await freePort()}`;
  });

  afterEach(async () => {
    // Each test ends with its SCADA stopped (the plant, once started, runs on for the next ones).
    for (const c of scadas.splice(0)) await c.kill("SIGTERM");
  });

  after(async () => {
    for (const c of [...children].reverse()) await c.kill("SIGTERM");
    for (const d of [plantData, scadaData, tc.dir]) rmSync(d, { recursive: true, force: true });
  });

  it("PLCs not there: start is refused 'waiting for first data', nothing trips; after the window only the link alarms rise", async () => {
    const scada = await startScada();
    const il = await get<InterlocksJson>("/api/interlocks");
    assert.deepEqual(il.tripped, [], "no trip for values that have not arrived");
    assert.equal(il.interlocks.find((i) => i.id === "IL-08")?.waitingFor, "htr-plc, line-plc");
    const start = await api!.post("/api/line/commands", { command: "start", recipe: "BiSb" });
    assert.equal(start.status, 409);
    assert.match(JSON.stringify(await start.json()), /waiting for first data from htr-plc, line-plc/);
    let seen: string[] = [];
    await waitFor("COMM alarms after the start-up window", 30_000, async () => {
      seen = (await unacked()).map((a) => `${a.id}:${a.state}`).sort();
      return seen.join(",") === "COMM-HTR-PLC:unack-active,COMM-LINE-PLC:unack-active";
    }, { everyMs: 250, observe: () => seen });
    assert.deepEqual((await get<InterlocksJson>("/api/interlocks")).tripped, [], "still no trip latched");

    // The PLCs come: their first data ends the wait; a healthy plant trips nothing.
    await startPlant();
    await settled();
    const after = await get<InterlocksJson>("/api/interlocks");
    assert.deepEqual(after.tripped, [], JSON.stringify(after.trips));
    assert.deepEqual((await unacked()).map((a) => `${a.id}:${a.state}`).sort(), ["COMM-HTR-PLC:rtn-unack", "COMM-LINE-PLC:rtn-unack"]);
    assert.deepEqual(errorLines(scada.output()), [], "no error in the log");
  });

  it("a fresh start on a healthy plant at rest: Stopped, stop reason first-start, nothing to acknowledge, no error in the log", async () => {
    rmSync(scadaData, { recursive: true, force: true });
    scadaData = mkdtempSync(join(tmpdir(), "scada-"));
    const scada = await startScada();
    await settled();
    const line = await get<LineJson>("/api/line");
    assert.equal(line.state, "Stopped");
    assert.equal(line.stopReason?.code, "first-start");
    const il = await get<InterlocksJson>("/api/interlocks");
    assert.deepEqual(il.trips, [], "no trip latched");
    assert.deepEqual(await unacked(), [], "no alarm needing an operator action");
    const alarms = await get<AlarmsJson>("/api/alarms");
    assert.equal(alarms.alarms.find((a) => a.id === "HTR-O2-HH")?.state, "suppressed", "O₂ high in an unpurged chamber at rest: suppressed by design");
    assert.equal(alarms.alarms.find((a) => a.id === "IL-04-PERMISSIVE")?.state, "suppressed");
    assert.deepEqual(errorLines(scada.output()), [], "no error in the log");
  });

  it("a restart comes back the same way: Stopped, stop reason restart, nothing to acknowledge", async () => {
    const scada = await startScada();
    await settled();
    const line = await get<LineJson>("/api/line");
    assert.equal(line.state, "Stopped");
    assert.equal(line.stopReason?.code, "restart");
    assert.deepEqual(await unacked(), []);
    assert.deepEqual(errorLines(scada.output()), []);
  });
});
