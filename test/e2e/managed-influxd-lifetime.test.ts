import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TEST_ADMIN_PASSWORD } from "../helpers/api-client.js";
import { type Child, spawnScada } from "../helpers/child-process.js";
import { freePort } from "../helpers/free-port.js";
import { findInfluxd } from "../../src/historian/managed-influxd.js";
import { influxdPidsUsing, killInfluxdsUsing } from "../helpers/influxd-processes.js";
import { type TestConfig, realConfigOnFreePorts } from "../helpers/test-config.js";
import { waitFor } from "../helpers/wait-for.js";

/**
 * Issue 12, item 3 — nothing left behind: the managed influxd (the historian's private InfluxDB, started by
 * `htr-scada start` when INFLUX_URL is unset) ends with the SCADA however the SCADA ends, SIGKILL included.
 */
describe("e2e: the managed influxd ends with the SCADA", function () {
  this.timeout(90_000);
  let tc: TestConfig;
  const dataDirs: string[] = [];
  const children: Child[] = [];

  before(async () => {
    tc = await realConfigOnFreePorts();
  });

  after(async () => {
    for (const c of children) await c.kill("SIGTERM");
    // Whatever went wrong above: no influxd of these tests outlives them.
    for (const d of dataDirs) {
      const left = killInfluxdsUsing(d);
      if (left.length > 0) console.log(`      cleanup killed influxd ${left.join(", ")} of ${d}`);
      rmSync(d, { recursive: true, force: true });
    }
    rmSync(tc.dir, { recursive: true, force: true });
  });

  /** `htr-scada start --sim` (as `npm start` runs it) on a fresh data dir, until its influxd runs. */
  async function startWithManagedInfluxd(opts: { dataDir?: string; env?: Record<string, string> } = {}): Promise<{ scada: Child; dataDir: string; influxdPid: number }> {
    const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "scada-influxd-"));
    if (!dataDirs.includes(dataDir)) dataDirs.push(dataDir);
    const scada = spawnScada(["start", "--sim"], {
      ...opts.env,
      PORT: String(await freePort()),
      SCADA_CONFIG_DIR: tc.dir,
      SCADA_DATA_DIR: dataDir,
      SCADA_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
      INFLUX_URL: "", // the managed historian, whatever the environment of the test run says
    });
    children.push(scada);
    await scada.waitForOutput("influxd started", 20_000);
    const pids = influxdPidsUsing(dataDir);
    assert.equal(pids.length, 1, `one influxd naming ${dataDir}: ${pids.join(", ")}`);
    const influxdPid = pids[0]!;
    assert.equal(Number(readFileSync(join(dataDir, "influxdb", "influxd.pid"), "utf8").trim()), influxdPid, "its pidfile names it");
    return { scada, dataDir, influxdPid };
  }

  it("SIGKILL of the SCADA: its influxd is gone within 5 s", async () => {
    const { scada, dataDir, influxdPid } = await startWithManagedInfluxd();
    scada.proc.kill("SIGKILL");
    assert.equal(await scada.exited, null, "ended by the signal");
    const ms = await waitFor(`no influxd naming ${dataDir} (was pid ${influxdPid})`, 5000, () => influxdPidsUsing(dataDir).length === 0, {
      everyMs: 20,
      observe: () => influxdPidsUsing(dataDir),
    });
    console.log(`      influxd gone ${ms} ms after the SCADA's SIGKILL`);
  });

  it("SIGTERM of the SCADA: a clean stop (exit 0, influxd stopped as expected), nothing left", async () => {
    const { scada, dataDir } = await startWithManagedInfluxd();
    await scada.waitForOutput(/HTR SCADA (ready|serving) at/, 20_000);
    scada.proc.kill("SIGTERM");
    assert.equal(await scada.exited, 0, scada.output().slice(-2000));
    assert.match(scada.stdout(), /"msg":"influxd exited"/, "stopped by the SCADA, not found dead");
    assert.doesNotMatch(scada.stdout(), /influxd exited unexpectedly/);
    assert.deepEqual(influxdPidsUsing(dataDir), []);
  });

  it("without setpriv: a warning, once; and the next start kills the influxd a SIGKILLed SCADA left", async () => {
    // A PATH with influxd and nothing else: no setpriv to be found.
    const bin = mkdtempSync(join(tmpdir(), "path-without-setpriv-"));
    dataDirs.push(bin);
    mkdirSync(join(bin, "bin"));
    symlinkSync(findInfluxd()!, join(bin, "bin", "influxd"));
    const env = { PATH: join(bin, "bin") };
    const first = await startWithManagedInfluxd({ env });
    const warnings = first.scada.stdout().split("\n").filter((l) => l.includes("setpriv (util-linux) with --pdeathsig not found"));
    assert.equal(warnings.length, 1, first.scada.stdout().slice(-3000));
    first.scada.proc.kill("SIGKILL");
    await first.scada.exited;
    assert.deepEqual(influxdPidsUsing(first.dataDir), [first.influxdPid], "the fallback cannot end it on a SIGKILL");
    const second = await startWithManagedInfluxd({ dataDir: first.dataDir, env });
    assert.notEqual(second.influxdPid, first.influxdPid);
    assert.match(second.scada.stdout(), /killing an influxd left running on this data directory/);
    assert.deepEqual(influxdPidsUsing(first.dataDir), [second.influxdPid], "the left-over is gone, the new one runs");
    await second.scada.kill("SIGTERM");
    assert.deepEqual(influxdPidsUsing(first.dataDir), []);
  });
});
