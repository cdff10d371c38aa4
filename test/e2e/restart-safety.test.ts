import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Child, spawnScada } from "../helpers/child-process.js";
import { freePort } from "../helpers/free-port.js";
import { type TestConfig, realConfigOnFreePorts } from "../helpers/test-config.js";
import { waitFor } from "../helpers/wait-for.js";
import { type ApiClient, TEST_ADMIN_PASSWORD, adminClient } from "../helpers/api-client.js";

interface LineJson {
  state: string;
  stopReason: { code: string; message: string } | null;
}

/**
 * Kill -9 the SCADA while the line runs and start it again: the plant (a separate process, as the real PLCs
 * are) keeps running; the SCADA comes back Aborted with stop reason "restart", switches the heater off and
 * never resumes heating by itself.
 */
describe("e2e: restart safety", function () {
  this.timeout(180_000);
  let tc: TestConfig;
  let plantData: string;
  let scadaData: string;
  const children: Child[] = [];

  before(async () => {
    tc = await realConfigOnFreePorts();
    plantData = mkdtempSync(join(tmpdir(), "plant-"));
    scadaData = mkdtempSync(join(tmpdir(), "scada-"));
  });

  after(async () => {
    // SIGTERM: each SCADA stops its managed influxd (a SIGKILL would leave it running).
    for (const c of [...children].reverse()) await c.kill("SIGTERM");
    for (const d of [plantData, scadaData, tc.dir]) rmSync(d, { recursive: true, force: true });
  });

  it("comes back Aborted (stop reason restart), heater off, and stays so", async () => {
    const env = { SCADA_CONFIG_DIR: tc.dir, SCADA_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD };
    const plant = spawnScada(["sim", "--purged"], { ...env, SCADA_DATA_DIR: plantData });
    children.push(plant);
    await plant.waitForOutput("virtual plant ready", 20_000);

    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const startScada = async () => {
      const s = spawnScada(["start"], { ...env, SCADA_DATA_DIR: scadaData, PORT: String(port) });
      children.push(s);
      await s.waitForOutput("HTR SCADA ready at", 20_000);
      return s;
    };
    // Logged in once, on the first SCADA: sessions live in <dataDir>/scada.db and survive the kill -9.
    let api!: ApiClient;
    const line = async () => (await (await api.get("/api/line")).json()) as LineJson;
    const tag = async (name: string) => ((await (await api.get(`/api/tags/${name}`)).json()) as { value: unknown; quality: string });
    const command = (command: string, recipe?: string) => api.post("/api/line/commands", { command, ...(recipe ? { recipe } : {}) });

    const first = await startScada();
    api = await adminClient(url);
    await waitFor("boot interlocks settled", 10_000, async () => {
      const state = (await line()).state;
      if (state === "Aborted") await command("clear");
      return (await line()).state === "Stopped" && (await command("reset")).status === 200;
    }, 300);
    await waitFor("Idle", 30_000, async () => (await line()).state === "Idle", 200);
    await waitFor("start accepted", 10_000, async () => (await command("start", "BiSb")).status === 200, 500);
    await waitFor("heating (heater enabled, power stage on)", 90_000, async () => (await tag("htr.heater_on")).value === true, 100);

    await first.kill("SIGKILL");
    const second = await startScada();
    const l = await line();
    assert.ok(l.state === "Aborted" || l.state === "Stopped", `state ${l.state}`);
    assert.equal(l.stopReason?.code, "restart");
    await waitFor("heater request off (boot outputs)", 5000, async () => {
      const t = await tag("htr.heater_enable");
      return t.quality === "Good" && t.value === false;
    }, 100);
    await waitFor("power stage off", 20_000, async () => (await tag("htr.heater_on")).value === false, 100);
    // Never resumes by itself.
    await new Promise((r) => setTimeout(r, 3000)); // nothing more happens: no state change, heater still off after 3 s
    assert.equal((await line()).state, l.state);
    assert.equal((await tag("htr.heater_enable")).value, false);
    assert.match(second.output(), /safe outputs written at boot/);
  });
});
