/**
 * A private InfluxDB 1.x (`influxd run -config FILE -pidfile FILE`) as a child process: loopback only,
 * data under one directory, the config written by us (TOOLCHAIN.md "A private config that works").
 * `start()` resolves when GET /ping answers 204; `stop()` sends SIGTERM and waits (SIGKILL after a
 * timeout); `kill()` is SIGKILL (tests). Starting again on the same directory reuses the same ports and data.
 * influxd ends with its parent, on every way the parent ends (issue 12, item 3): on Linux it is spawned through
 * `setpriv --pdeathsig TERM -- influxd run …` (util-linux), so the kernel sends it SIGTERM when the SCADA
 * dies — also by SIGKILL, where no handler of ours runs. Without setpriv (not Linux, util-linux missing) a
 * warning says so once, and an `exit` handler stops it on every exit Node sees (not a SIGKILL).
 * An influxd left running by a previous process of ours (same pidfile, its command line naming our config)
 * is killed before starting, so a crashed SCADA restarts cleanly in the fallback case too.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { accessSync, constants, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { delimiter, join } from "node:path";
import type { Logger } from "../core/logger.js";
import { pingInflux } from "./influx-line-client.js";

export interface ManagedInfluxdOptions {
  /** Everything lives here: influxd.conf, influxd.pid, meta/, data/, wal/. */
  readonly dataDir: string;
  /** HTTP port on 127.0.0.1; 0 picks a free one (kept across restarts). */
  readonly httpPort?: number;
  /** RPC (backup/restore) port on 127.0.0.1; 0 picks a free one. */
  readonly rpcPort?: number;
  /** How often the continuous-query service looks for work: "10s" in production, "1s" in tests. */
  readonly cqRunInterval?: string;
  /** influxd executable (default: `findInfluxd()`). */
  readonly influxdPath?: string;
  readonly startTimeoutMs?: number;
  readonly stopTimeoutMs?: number;
  readonly logger?: Logger;
}

/** The `influxd` on PATH, or null. */
export function findInfluxd(pathEnv: string = process.env.PATH ?? ""): string | null {
  return findOnPath("influxd", pathEnv);
}

/** An executable `name` on PATH, or null. */
function findOnPath(name: string, pathEnv: string): string | null {
  for (const dir of pathEnv.split(delimiter)) {
    if (dir === "") continue;
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      /* next */
    }
  }
  return null;
}

/**
 * A TCP port on 127.0.0.1 that was free a moment ago. It is picked below the kernel's ephemeral range
 * (ip_local_port_range, 32768–60999 here): a port from the ephemeral range can be taken, between this check
 * and the listen, as the local port of any outgoing connection (a client of influxd, OPC UA, Modbus …),
 * which made `listen EADDRINUSE` flakes under load. Random within the range, so parallel picks rarely meet.
 */
export async function pickFreePort(): Promise<number> {
  const [low, high] = portRangeBelowEphemeral();
  for (let i = 0; i < 50 && high > low; i++) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    if (await canListen(port)) return port;
  }
  return listenAndClose(0);
}

function portRangeBelowEphemeral(): [number, number] {
  let ephemeralLow = 32768;
  try {
    const first = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
    if (Number.isInteger(first) && first > 0) ephemeralLow = first;
  } catch {
    // not Linux: the IANA ephemeral range starts at 49152; 32768 is below both
  }
  return [10_000, Math.min(ephemeralLow, 49_152) - 1];
}

function canListen(port: number): Promise<boolean> {
  return listenAndClose(port).then(
    () => true,
    () => false,
  );
}

function listenAndClose(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(port, "127.0.0.1", () => {
      const addr = srv.address();
      const bound = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(bound));
    });
  });
}

export function influxdConfig(o: { dataDir: string; httpPort: number; rpcPort: number; cqRunInterval: string }): string {
  const q = (s: string) => JSON.stringify(s);
  return [
    "reporting-enabled = false",
    `bind-address = ${q(`127.0.0.1:${o.rpcPort}`)}`,
    "",
    "[meta]",
    `  dir = ${q(join(o.dataDir, "meta"))}`,
    "",
    "[data]",
    `  dir = ${q(join(o.dataDir, "data"))}`,
    `  wal-dir = ${q(join(o.dataDir, "wal"))}`,
    "  query-log-enabled = false",
    "",
    "[monitor]",
    "  store-enabled = false",
    "",
    "[http]",
    "  enabled = true",
    `  bind-address = ${q(`127.0.0.1:${o.httpPort}`)}`,
    "  log-enabled = false",
    "",
    "[logging]",
    '  level = "warn"',
    "  suppress-logo = true",
    "",
    "[continuous_queries]",
    "  enabled = true",
    `  run-interval = ${q(o.cqRunInterval)}`,
    "",
  ].join("\n");
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let setprivChecked: { path: string | null } | undefined;
let fallbackWarned = false;

/**
 * util-linux `setpriv`, if it is on PATH (Linux only) and knows `--pdeathsig` (util-linux ≥ 2.33); looked
 * up once per process.
 */
export function findPdeathsigSetpriv(pathEnv: string = process.env.PATH ?? ""): string | null {
  if (setprivChecked) return setprivChecked.path;
  let path: string | null = null;
  if (process.platform === "linux") {
    const found = findOnPath("setpriv", pathEnv);
    try {
      if (found && execFileSync(found, ["--help"], { encoding: "utf8", timeout: 5000, stdio: ["ignore", "pipe", "ignore"] }).includes("--pdeathsig")) path = found;
    } catch {
      /* an unusable setpriv: as if none */
    }
  }
  setprivChecked = { path };
  return path;
}

/**
 * The command that runs `exe args` so that it gets SIGTERM when this process dies: `setpriv --pdeathsig TERM
 * -- exe args` (setpriv execs, so the pid is influxd's own). The kernel sends the parent-death signal when the
 * *thread* that forked the child exits: Node's child_process.spawn forks from the calling thread, here the
 * main thread, which lives as long as the process (never start a ManagedInfluxd from a worker thread).
 * Without setpriv: `exe args` as they are.
 */
export function endsWithParent(exe: string, args: readonly string[], setpriv: string | null): { command: string; args: string[]; pdeathsig: boolean } {
  if (setpriv === null) return { command: exe, args: [...args], pdeathsig: false };
  return { command: setpriv, args: ["--pdeathsig", "TERM", "--", exe, ...args], pdeathsig: true };
}

export class ManagedInfluxd {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private output = "";
  private stopping = false;
  private readonly exitListeners = new Set<(e: { code: number | null; signal: string | null; expected: boolean }) => void>();
  private httpPortValue: number;
  private rpcPortValue: number;
  readonly dataDir: string;
  readonly configFile: string;
  readonly pidFile: string;

  constructor(private readonly opts: ManagedInfluxdOptions) {
    this.dataDir = opts.dataDir;
    this.configFile = join(opts.dataDir, "influxd.conf");
    this.pidFile = join(opts.dataDir, "influxd.pid");
    this.httpPortValue = opts.httpPort ?? 0;
    this.rpcPortValue = opts.rpcPort ?? 0;
  }

  /** The HTTP port (known after the first `start()` when 0 was asked for). */
  get port(): number {
    return this.httpPortValue;
  }

  get url(): string {
    return `http://127.0.0.1:${this.httpPortValue}`;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last few KB of influxd's stdout + stderr. */
  logTail(): string {
    return this.output;
  }

  async start(): Promise<void> {
    if (this.running) return;
    const exe = this.opts.influxdPath ?? findInfluxd();
    if (!exe) throw new Error("influxd is not installed (Debian: apt-get install -y influxdb)");
    mkdirSync(this.dataDir, { recursive: true });
    await this.killLeftover();
    if (this.httpPortValue === 0) this.httpPortValue = await pickFreePort();
    if (this.rpcPortValue === 0) this.rpcPortValue = await pickFreePort();
    writeFileSync(
      this.configFile,
      influxdConfig({ dataDir: this.dataDir, httpPort: this.httpPortValue, rpcPort: this.rpcPortValue, cqRunInterval: this.opts.cqRunInterval ?? "10s" }),
    );
    this.output = "";
    this.stopping = false;
    // Its own process group: a Ctrl-C at the terminal reaches the app only, which flushes the history into
    // influxd and then stops it. The parent-death signal ends it with the app however the app ends.
    const cmd = endsWithParent(exe, ["run", "-config", this.configFile, "-pidfile", this.pidFile], findPdeathsigSetpriv());
    if (!cmd.pdeathsig && !fallbackWarned) {
      fallbackWarned = true;
      this.opts.logger?.warn(
        {},
        "setpriv (util-linux) with --pdeathsig not found: a managed influxd outlives this process if it is killed with SIGKILL (until the next start kills it) — on Debian: apt-get install -y util-linux",
      );
    }
    const child = spawn(cmd.command, cmd.args, {
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    this.child = child;
    // Without the parent-death signal, at least every exit Node sees (process.exit, an uncaught error) ends it.
    const onProcessExit = (): void => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    };
    if (!cmd.pdeathsig) process.once("exit", onProcessExit);
    const keep = (d: Buffer) => {
      this.output = (this.output + d.toString()).slice(-8000);
    };
    child.stdout!.on("data", keep);
    child.stderr!.on("data", keep);
    this.exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        process.removeListener("exit", onProcessExit);
        if (this.child === child) this.child = null;
        const expected = this.stopping;
        if (expected) this.opts.logger?.info({ code, signal }, "influxd exited");
        else this.opts.logger?.error({ code, signal, output: this.output.slice(-2000) }, "influxd exited unexpectedly");
        for (const l of this.exitListeners) l({ code, signal, expected });
        resolve();
      });
      child.once("error", (err) => {
        process.removeListener("exit", onProcessExit);
        keep(Buffer.from(String(err)));
        if (this.child === child) this.child = null;
        resolve();
      });
    });
    const deadline = Date.now() + (this.opts.startTimeoutMs ?? 30_000);
    for (;;) {
      if (this.child !== child) throw new Error(`influxd exited during start-up:\n${this.output}`);
      if (await pingInflux("127.0.0.1", this.httpPortValue, 500)) break;
      if (Date.now() > deadline) {
        await this.kill();
        throw new Error(`influxd did not answer /ping on port ${this.httpPortValue} in time:\n${this.output}`);
      }
      await sleep(20);
    }
    this.opts.logger?.info({ port: this.httpPortValue, dataDir: this.dataDir }, "influxd started");
  }

  /** SIGTERM, then SIGKILL after `stopTimeoutMs` (default 10 s); resolves when the process is gone. */
  async stop(): Promise<void> {
    const sent = this.signal("SIGTERM");
    if (!sent) return;
    const { child, exited } = sent;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      exited.then(() => false),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(true), this.opts.stopTimeoutMs ?? 10_000))),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      this.opts.logger?.warn({ pid: child.pid }, "influxd ignored SIGTERM; killing it");
      child.kill("SIGKILL");
      await exited;
    }
  }

  /** SIGKILL (a crash, for tests); resolves when the process is gone. */
  async kill(): Promise<void> {
    await this.signal("SIGKILL")?.exited;
  }

  /** Sends `sig` to the running influxd as an expected exit; null when none is running. */
  private signal(sig: NodeJS.Signals): { child: ChildProcess; exited: Promise<void> } | null {
    const child = this.child;
    if (!child || !this.running) return null;
    const exited = this.exited;
    this.stopping = true;
    child.kill(sig);
    return { child, exited };
  }

  /** Called whenever influxd exits; `expected` is false for a crash (not stop() / kill()). */
  onExit(listener: (e: { code: number | null; signal: string | null; expected: boolean }) => void): () => void {
    this.exitListeners.add(listener);
    return () => this.exitListeners.delete(listener);
  }

  /** Kills an influxd a previous process of ours started on this directory and could not stop. */
  private async killLeftover(): Promise<void> {
    if (!existsSync(this.pidFile)) return;
    const pid = Number(readFileSync(this.pidFile, "utf8").trim());
    rmSync(this.pidFile, { force: true });
    if (!Number.isInteger(pid) || pid <= 0) return;
    let cmdline = "";
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
    } catch {
      return; // not running (or no /proc)
    }
    if (!cmdline.includes("influxd") || !cmdline.includes(this.configFile)) return;
    this.opts.logger?.warn({ pid }, "killing an influxd left running on this data directory");
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      return;
    }
    const until = Date.now() + 5000;
    while (Date.now() < until && existsSync(`/proc/${pid}`)) {
      // a zombie keeps /proc/<pid>; its state is Z
      try {
        if (/\)\s+Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"))) break;
      } catch {
        break;
      }
      await sleep(20);
    }
  }
}
