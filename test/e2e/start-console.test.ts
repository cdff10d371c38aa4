import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { type Server, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TEST_ADMIN_PASSWORD } from "../helpers/api-client.js";
import { type Child, spawnChild, spawnScada } from "../helpers/child-process.js";
import { freePort } from "../helpers/free-port.js";
import { killInfluxdsUsing } from "../helpers/influxd-processes.js";
import { type TestConfig, realConfigOnFreePorts } from "../helpers/test-config.js";

/** A line of the human console format: `05:51:26.204 INFO  line: line started state=Stopped`. */
const HUMAN_LINE = /^\d\d:\d\d:\d\d\.\d{3} (TRACE|DEBUG|INFO |WARN |ERROR|FATAL) \S/;
/** node-opcua prints its own warnings on stdout, in its own format (not our log). */
const NODE_OPCUA_LINE = /^\d\d:\d\d:\d\d\.\d{3}Z :\S+\s+:\d+/;
const stripAnsi = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, "");

/**
 * Issue 12, item 4 — talking to people: the console log is JSON lines in a pipe and the human line on a
 * terminal; a refused start prints one plain line with the reason and the fix on stderr and exits with its
 * own code, with no JSON and no stack trace (README "Starting, and refused starts").
 */
describe("e2e: the start command talks to people", function () {
  this.timeout(60_000);
  let tc: TestConfig;
  const dirs: string[] = [];
  const children: Child[] = [];
  const listeners: Server[] = [];
  const tempDir = (prefix: string) => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(d);
    return d;
  };
  const env = (dataDir: string, port: number, more: Record<string, string> = {}) => ({
    SCADA_CONFIG_DIR: tc.dir,
    SCADA_DATA_DIR: dataDir,
    PORT: String(port),
    SCADA_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
    LOG_FORMAT: "",
    NO_COLOR: "",
    ...more,
  });

  before(async () => {
    tc = await realConfigOnFreePorts();
  });

  after(async () => {
    for (const c of children) await c.kill("SIGTERM");
    for (const l of listeners) l.close();
    for (const d of dirs) {
      killInfluxdsUsing(d);
      rmSync(d, { recursive: true, force: true });
    }
    rmSync(tc.dir, { recursive: true, force: true });
  });

  describe("the log", () => {
    it("in a pipe: JSON lines", async () => {
      const scada = spawnScada(["start", "--sim"], env(tempDir("scada-log-"), await freePort()));
      children.push(scada);
      await scada.waitForOutput("HTR SCADA ready at", 20_000);
      await scada.kill("SIGTERM");
      const lines = scada.stdout().split("\n").filter((l) => l !== "" && !NODE_OPCUA_LINE.test(l));
      assert.ok(lines.length > 5, scada.stdout());
      for (const l of lines) {
        const o = JSON.parse(l) as Record<string, unknown>;
        assert.equal(typeof o.level, "number", l);
        assert.equal(typeof o.msg, "string", l);
      }
      assert.ok(lines.some((l) => (JSON.parse(l) as { msg: string }).msg.startsWith("HTR SCADA ready at")));
    });

    it("on a terminal (script(1) gives it a pty): the human line, coloured", async function () {
      const script = commandPath("script"); // util-linux (Debian: bsdutils, essential)
      if (!script) this.skip();
      // sh -c prints its pid, then becomes node (exec): the pid to stop it by.
      const cmd = `echo "pid=$$"; exec ${process.execPath} --import=tsx src/main.ts start --sim`;
      const term = spawnChild(script, ["-qfc", cmd, "/dev/null"], { env: { ...process.env, LOG_LEVEL: "info", ...env(tempDir("scada-tty-"), await freePort()) }, name: "htr-scada start --sim on a pty" });
      children.push(term);
      await term.waitForOutput("HTR SCADA ready at", 20_000);
      const pid = Number(/pid=(\d+)/.exec(term.output())![1]);
      process.kill(pid, "SIGTERM");
      await term.exited;
      const out = term.output();
      assert.match(out, /\x1b\[32mINFO /, "coloured levels on a terminal");
      const lines = stripAnsi(out).split(/\r?\n/).filter((l) => l !== "" && !l.startsWith("pid="));
      const ours = lines.filter((l) => !NODE_OPCUA_LINE.test(l) && !/^=+$/.test(l) && !l.startsWith("FIRST RUN"));
      // The first lines are the human format (stderr's first-run banner and node-opcua's own lines aside).
      for (const l of ours.slice(0, 5)) assert.match(l, HUMAN_LINE);
      assert.ok(ours.some((l) => /^\d\d:\d\d:\d\d\.\d{3} INFO  HTR SCADA ready at http:\/\/127\.0\.0\.1:\d+ /.test(l)), ours.join("\n"));
      assert.ok(ours.some((l) => /^\d\d:\d\d:\d\d\.\d{3} INFO  line: line started state=\S+/.test(l)), ours.join("\n"));
      assert.ok(!ours.some((l) => l.startsWith("{")), "no JSON on a terminal");
    });
  });

  describe("refused starts: one plain line on stderr, its own exit code", () => {
    /** Runs a start that must be refused; returns its stderr lines after checking what every refusal shares. */
    async function refused(scada: Child, exitCode: number): Promise<string[]> {
      children.push(scada);
      const t0 = Date.now();
      const code = await Promise.race([scada.exited, new Promise<"hung">((r) => setTimeout(() => r("hung"), 20_000))]);
      const seconds = (Date.now() - t0) / 1000;
      assert.notEqual(code, "hung", scada.output().slice(-2000));
      assert.equal(code, exitCode, scada.output().slice(-2000));
      const err = scada.stderr();
      assert.doesNotMatch(scada.output(), /^\s*\{/m, "no JSON");
      assert.doesNotMatch(scada.output(), /^\s+at .+:\d+:\d+\)?$/m, "no stack trace");
      assert.equal(scada.stdout(), "", "nothing on stdout: the start was refused before anything ran");
      console.log(`      refused in ${seconds.toFixed(1)} s: ${err.split("\n")[0]}`);
      return err.trimEnd().split("\n");
    }

    it("bad config: the count and check-config, then the problems as file:path: message (exit 2)", async () => {
      const bad = tempDir("plc-config-bad-");
      cpSync(tc.dir, bad, { recursive: true });
      writeFileSync(join(bad, "devices.yaml"), readFileSync(join(tc.dir, "devices.yaml"), "utf8").replace(/port: \d+/, "port: 99999"));
      const lines = await refused(spawnScada(["start", "--sim", "--config", bad], env(tempDir("scada-"), await freePort())), 2);
      assert.match(lines[0]!, new RegExp(`^htr-scada: cannot start: the configuration in ${bad} has \\d+ problems? — fix (it|them) \\(htr-scada check-config lists them\\)$`));
      assert.ok(lines.length > 1);
      for (const l of lines.slice(1)) assert.match(l, /^[^\s:]+:\S*: .+/);
      assert.ok(lines.some((l) => l.startsWith("devices.yaml:devices[1].port: ")), lines.join("\n"));
    });

    it("a policy-breaking SCADA_ADMIN_PASSWORD on a fresh data directory (exit 3)", async () => {
      const lines = await refused(spawnScada(["start", "--sim"], env(tempDir("scada-"), await freePort(), { SCADA_ADMIN_PASSWORD: "abc" })), 3);
      assert.deepEqual(lines, [
        "htr-scada: cannot start: SCADA_ADMIN_PASSWORD is refused: password must be at least 12 characters long (it has 3) — set it to a password that meets the policy, or unset it to have one generated and printed once",
      ]);
    });

    it("the HTTP port in use (exit 4), and nothing made in the data directory", async () => {
      const port = await freePort();
      listeners.push(await listenOn(port));
      const dataDir = tempDir("scada-");
      const lines = await refused(spawnScada(["start", "--sim"], env(dataDir, port)), 4);
      assert.deepEqual(lines, [`htr-scada: cannot start: port ${port} is in use (another htr-scada running?) — set PORT (or --port) to a free port or stop the other process`]);
      assert.deepEqual(readdirSync(dataDir), [], "no first admin, no database: nothing");
    });

    it("a port of the virtual plant in use (exit 4)", async () => {
      const l = await listenOn(tc.opcuaPort);
      try {
        const lines = await refused(spawnScada(["start", "--sim"], env(tempDir("scada-"), await freePort())), 4);
        assert.deepEqual(lines, [
          `htr-scada: cannot start: port ${tc.opcuaPort} of the virtual plant (htr-plc, OPC UA) is in use (another htr-scada --sim or htr-scada sim running?) — stop the other process, or give htr-plc another port in ${tc.dir}/devices.yaml`,
        ]);
      } finally {
        await new Promise((r) => l.close(r));
      }
    });

    it("the data directory in use by another live process (its scada.pid) (exit 6)", async () => {
      const dir = tempDir("scada-");
      // This test's own process stands for the other htr-scada: alive, and not the child.
      writeFileSync(join(dir, "scada.pid"), `${process.pid}\n`);
      const lines = await refused(spawnScada(["start", "--sim"], env(dir, await freePort())), 6);
      assert.deepEqual(lines, [`htr-scada: cannot start: the data directory ${dir} is in use by process ${process.pid} (another htr-scada on it) — stop that process, or set SCADA_DATA_DIR (or --data) to another directory`]);
    });

    it("the HMI fan-out: a SCADA_REDIS_URL that is not one; a web process without Redis, or without the line's user database (exit 1)", async () => {
      const dir = tempDir("scada-");
      assert.deepEqual(await refused(spawnScada(["start", "--sim"], env(dir, await freePort(), { SCADA_REDIS_URL: "http://127.0.0.1:6379" })), 1), [
        "htr-scada: cannot start: SCADA_REDIS_URL is not a Redis URL — use redis://host:port, redis://user:password@host:port/db or rediss:// (TLS)",
      ]);
      assert.deepEqual(readdirSync(dir), [], "nothing made");
      assert.deepEqual(await refused(spawnScada(["web", "--port", String(await freePort())], env(dir, await freePort(), { SCADA_REDIS_URL: "" })), 1), [
        "htr-scada web: cannot start: no Redis — give --redis redis://host:port or set SCADA_REDIS_URL (the same as the line's)",
      ]);
      assert.deepEqual(await refused(spawnScada(["web", "--redis", "redis://127.0.0.1:1", "--port", String(await freePort())], env(dir, await freePort())), 1), [
        `htr-scada: cannot start: no user database at ${join(dir, "scada.db")}: a web process reads the line's sessions — give the line's data directory (--data or SCADA_DATA_DIR)`,
      ]);
    });

    it("the data directory not writable — a file in its place, a path under /proc (exit 5)", async () => {
      const file = join(tempDir("scada-"), "not-a-dir");
      writeFileSync(file, "");
      const lines = await refused(spawnScada(["start", "--sim"], env(file, await freePort())), 5);
      assert.deepEqual(lines, [`htr-scada: cannot start: the data directory ${file} is not writable: ${file} is not a directory — set SCADA_DATA_DIR (or --data) to a directory this user can write`]);
      const proc = "/proc/htr-scada-test/data";
      const procLines = await refused(spawnScada(["start", "--sim"], env(proc, await freePort())), 5);
      assert.deepEqual(procLines, [`htr-scada: cannot start: the data directory ${proc} is not writable: /proc/htr-scada-test cannot be created there — set SCADA_DATA_DIR (or --data) to a directory this user can write`]);
    });
  });
});

function listenOn(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(port, "127.0.0.1", () => resolve(srv));
  });
}

/** The path of `name` on PATH, or null. */
function commandPath(name: string): string | null {
  try {
    return execFileSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).trim() || null;
  } catch {
    return null;
  }
}
