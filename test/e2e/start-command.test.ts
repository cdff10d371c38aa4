import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Child, spawnScada } from "../helpers/child-process.js";
import { freePort } from "../helpers/free-port.js";
import { influxdPidsUsing, killInfluxdsUsing } from "../helpers/influxd-processes.js";
import { type TestConfig, realConfigOnFreePorts } from "../helpers/test-config.js";
import { waitFor } from "../helpers/wait-for.js";
import { type ApiClient, apiClient } from "../helpers/api-client.js";

const portOpen = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = createConnection({ port, host: "127.0.0.1" });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });

/** `htr-scada start --sim` as a newcomer runs it (npm start's command), as a real child process. */
describe("e2e: the start command", function () {
  this.timeout(60_000);
  let tc: TestConfig;
  let dataDir: string;
  let child: Child | undefined;

  before(async () => {
    tc = await realConfigOnFreePorts();
    dataDir = mkdtempSync(join(tmpdir(), "scada-start-"));
  });

  after(async () => {
    await child?.kill("SIGTERM"); // (a test that failed midway): SIGTERM, so it stops its managed influxd too
    killInfluxdsUsing(dataDir); // and whatever went wrong, no influxd of this test outlives it
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(tc.dir, { recursive: true, force: true });
  });

  it("prints one ready line with the URL, is ready within 15 s, and stops on SIGTERM within 5 s leaving nothing behind", async () => {
    const port = await freePort();
    const t0 = Date.now();
    const scada = spawnScada(["start", "--sim"], { PORT: String(port), SCADA_CONFIG_DIR: tc.dir, SCADA_DATA_DIR: dataDir });
    child = scada;
    await scada.waitForOutput("HTR SCADA ready at", 15_000);
    let out = scada.output();
    const readyLines = out.split("\n").filter((l) => l.includes("HTR SCADA ready at"));
    assert.equal(readyLines.length, 1);
    assert.match(readyLines[0]!, new RegExp(`http://127\\.0\\.0\\.1:${port}`));
    // First run without SCADA_ADMIN_PASSWORD: a generated admin password, printed once, loudly.
    const generated = [...out.matchAll(/one-time generated password:\n\n {4}(\S+)\n/g)].map((m) => m[1]!);
    assert.equal(generated.length, 1, `the generated admin password is printed once:\n${out.slice(0, 3000)}`);
    const password = generated[0]!;
    assert.equal(out.split(password).length - 1, 1, "the password appears nowhere else in the output");
    const url = `http://127.0.0.1:${port}`;
    assert.equal((await fetch(`${url}/api/tags`)).status, 401, "no session, no tags");
    const api: ApiClient = await apiClient(url, "admin", password);
    await waitFor("/readyz 200 and every tag Good", 15_000 - (Date.now() - t0), async () => {
      const r = await fetch(`${url}/readyz`).catch(() => undefined);
      if (r?.status !== 200) return false;
      const tags = (await (await api.get("/api/tags")).json()) as { tags: { quality: string }[] };
      return tags.tags.every((t) => t.quality === "Good");
    }, 200);

    const tStop = Date.now();
    scada.proc.kill("SIGTERM");
    const code = await Promise.race([scada.exited, new Promise<"hung">((r) => setTimeout(() => r("hung"), 5000))]);
    out = scada.output();
    assert.notEqual(code, "hung", `did not exit within 5 s of SIGTERM; output:\n${out.slice(-2000)}`);
    assert.equal(code, 0, out.slice(-2000));
    console.log(`      stopped in ${Date.now() - tStop} ms`);
    for (const p of [port, tc.opcuaPort, tc.modbusPort]) assert.equal(await portOpen(p), false, `port ${p} released`);
    assert.deepEqual(influxdPidsUsing(dataDir), [], "its managed influxd stopped with it");
  });
});
