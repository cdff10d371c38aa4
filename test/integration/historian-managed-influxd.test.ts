/** ManagedInfluxd: a private influxd as a child process — start, stop, kill, restart on the same data. */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findInfluxd, influxdConfig, ManagedInfluxd } from "../../src/historian/managed-influxd.js";
import { pingInflux } from "../../src/historian/influx-line-client.js";
import { freePort } from "../helpers/free-port.js";
import { influxCli as cli } from "../helpers/influxd.js";
import { waitFor } from "../helpers/wait-for.js";

describe("managed influxd", function () {
  this.timeout(60_000);
  let dir: string;
  const running: ManagedInfluxd[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "managed-"));
  });
  afterEach(async () => {
    for (const m of running.splice(0)) await m.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("finds influxd on PATH, or says null", () => {
    assert.equal(findInfluxd(), "/usr/bin/influxd");
    assert.equal(findInfluxd("/nonexistent:/also/not"), null);
  });

  it("writes the private config TOOLCHAIN.md describes", () => {
    const c = influxdConfig({ dataDir: "/d", httpPort: 1234, rpcPort: 1235, cqRunInterval: "1s" });
    for (const line of [
      "reporting-enabled = false",
      'bind-address = "127.0.0.1:1235"',
      'dir = "/d/meta"',
      'dir = "/d/data"',
      'wal-dir = "/d/wal"',
      "query-log-enabled = false",
      "store-enabled = false",
      'bind-address = "127.0.0.1:1234"',
      "log-enabled = false",
      'level = "warn"',
      "suppress-logo = true",
      'run-interval = "1s"',
    ]) assert.ok(c.includes(line), line);
  });

  it("starts on free ports it picks itself, answers /ping, stops with SIGTERM, restarts on the same data and port", async () => {
    const m = new ManagedInfluxd({ dataDir: dir, httpPort: 0, rpcPort: 0, cqRunInterval: "1s" });
    running.push(m);
    const t = Date.now();
    await m.start();
    console.log(`      influxd ready in ${Date.now() - t} ms`);
    assert.ok(m.port > 0);
    assert.match(readFileSync(m.configFile, "utf8"), new RegExp(`127.0.0.1:${m.port}`));
    cli(m.port, "CREATE DATABASE keep");
    cli(m.port, "INSERT m v=42 1000000000", { database: "keep" });
    const port = m.port;
    await m.stop();
    assert.equal(m.running, false);
    assert.equal(await pingInflux("127.0.0.1", port), false);
    await m.start();
    assert.equal(m.port, port);
    assert.match(cli(port, "SELECT v FROM keep..m"), /42/);
  });

  it("comes back after kill -9 with the written data (WAL recovery)", async () => {
    const m = new ManagedInfluxd({ dataDir: dir, httpPort: await freePort(), rpcPort: await freePort() });
    running.push(m);
    await m.start();
    cli(m.port, "CREATE DATABASE keep");
    cli(m.port, "INSERT m v=7 1000000000", { database: "keep" });
    await m.kill();
    assert.equal(await pingInflux("127.0.0.1", m.port), false);
    await m.start();
    assert.match(cli(m.port, "SELECT v FROM keep..m"), /\b7\b/);
  });

  it("reports an unexpected exit (a crash) apart from stop() and kill()", async () => {
    const m = new ManagedInfluxd({ dataDir: dir, httpPort: await freePort(), rpcPort: await freePort() });
    running.push(m);
    const exits: boolean[] = [];
    m.onExit((e) => exits.push(e.expected));
    await m.start();
    await m.stop();
    await m.start();
    process.kill(Number(readFileSync(m.pidFile, "utf8")), "SIGKILL"); // not through us
    await waitFor("the crash reported (a second exit)", 5000, () => exits.length >= 2, { everyMs: 20, observe: () => exits });
    assert.deepEqual(exits, [true, false]);
    assert.equal(m.running, false);
  });

  it("kills an influxd a previous (crashed) process left running on the same directory", async () => {
    const httpPort = await freePort();
    const rpcPort = await freePort();
    const orphan = new ManagedInfluxd({ dataDir: dir, httpPort, rpcPort });
    await orphan.start(); // never stopped by its owner, as if the SCADA had been killed
    const orphanPid = Number(readFileSync(orphan.pidFile, "utf8"));
    const m = new ManagedInfluxd({ dataDir: dir, httpPort, rpcPort });
    running.push(m, orphan);
    await m.start();
    assert.equal(orphan.running, false, "the leftover was killed");
    assert.notEqual(Number(readFileSync(m.pidFile, "utf8")), orphanPid);
    assert.equal(await pingInflux("127.0.0.1", httpPort), true);
  });

  it("fails start-up with influxd's own words when its port is taken", async () => {
    const busy: Server = createServer();
    const port = await freePort();
    await new Promise<void>((r) => busy.listen(port, "127.0.0.1", r));
    try {
      const m = new ManagedInfluxd({ dataDir: dir, httpPort: port, rpcPort: await freePort(), startTimeoutMs: 10_000 });
      running.push(m);
      await assert.rejects(m.start(), /influxd exited during start-up[\s\S]*address already in use/);
    } finally {
      busy.close();
    }
  });
});
