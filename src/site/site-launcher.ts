/**
 * `htr-scada site-demo` (`npm run site:demo`): a whole site on one machine — a private mosquitto on the
 * site's broker port (unless told to use a running broker), one managed influxd for every line (unless the
 * site names an InfluxDB; none when influxd is not installed: the lines spool), the site overview, and each
 * line as its own `htr-scada start --sim` process with its own virtual plant, config and data directory
 * (site-plan.ts, site-line-dirs.ts), started one after the other (a start is heavy on a small machine).
 * Every child is spawned through `setpriv --pdeathsig TERM` where it exists, so none outlives the launcher
 * even if it is killed; stop() ends them all (SIGTERM, SIGKILL after a grace period). A line that dies is
 * reported and left dead: the overview shows it offline.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { setPriority } from "node:os";
import { dirname, join } from "node:path";
import { type SiteConfig, siteBrokerUrl } from "../config/site-config-loader.js";
import { ScadaError } from "../core/errors.js";
import { ManagedInfluxd, endsWithParent, findInfluxd, findPdeathsigSetpriv } from "../historian/managed-influxd.js";
import { ManagedMosquitto } from "./managed-mosquitto.js";
import { prepareLineConfig } from "./site-line-dirs.js";
import { type SiteLinePlan, lineEnvironment, siteLinePlans } from "./site-plan.js";

const LINE_READY = /HTR SCADA (ready|serving) at/;
const OVERVIEW_READY = /site overview ready at/;
const STOP_GRACE_MS = 10_000;
/**
 * A line starts at this niceness, and runs at 0 once it is ready: its start (compiling, making certificates,
 * connecting) is heavy, and at the same priority it stalled the lines already running for > 0.5 s on a
 * 2-core machine — long enough for their PLC values to go late and trip IL-08. Lowering the niceness back
 * needs the privilege to (root, CAP_SYS_NICE); without it the line stays at this niceness, as the others.
 */
const STARTING_NICENESS = 10;

export interface SiteDemoOptions {
  readonly site: SiteConfig;
  /** Absolute: the site's data (lines/<id>/…, influxdb/, mosquitto/). */
  readonly dataDir: string;
  /** Use the broker of SCADA_MQTT_URL / the site file as it is; else start a private mosquitto on its port. */
  readonly externalBroker: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** How to run `htr-scada` (this Node with its loader and entry). */
  readonly entry: { readonly command: string; readonly args: readonly string[] };
  readonly readyTimeoutMs?: number;
  /** Where the launcher's own lines go (the terminal). */
  readonly out: (line: string) => void;
}

interface RunningChild {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly exited: Promise<void>;
  stdout(): string;
}

export class SiteDemo {
  private mosquitto: ManagedMosquitto | null = null;
  private influxd: ManagedInfluxd | null = null;
  private overview: RunningChild | null = null;
  private readonly lines: RunningChild[] = [];
  private stopping = false;

  constructor(private readonly opts: SiteDemoOptions) {}

  private spawnChild(name: string, args: readonly string[], env: Record<string, string>, logFile: string): RunningChild {
    mkdirSync(dirname(logFile), { recursive: true });
    writeFileSync(logFile, "");
    const cmd = endsWithParent(this.opts.entry.command, [...this.opts.entry.args, ...args], findPdeathsigSetpriv());
    // Its ready line is an info line (the log goes to its file, not the terminal).
    const level = env.LOG_LEVEL === "debug" || env.LOG_LEVEL === "trace" ? env.LOG_LEVEL : "info";
    // Its own process group: a Ctrl-C at the terminal reaches the launcher only, which sends each child one
    // SIGTERM (a second signal makes a line exit at once, without its clean stop).
    const proc = spawn(cmd.command, cmd.args, { env: { ...env, LOG_LEVEL: level }, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let stdout = "";
    proc.stdout!.on("data", (d: Buffer) => {
      stdout = (stdout + d.toString()).slice(-20_000);
      appendFileSync(logFile, d);
    });
    // stderr is what a person must see (a refused start, the first admin's password): relayed, prefixed.
    proc.stderr!.on("data", (d: Buffer) => {
      appendFileSync(logFile, d);
      for (const l of d.toString().split("\n")) if (l.trim() !== "") this.opts.out(`[${name}] ${l}`);
    });
    const exited = new Promise<void>((resolve) => {
      proc.once("exit", (code, signal) => {
        if (!this.stopping) this.opts.out(`[${name}] exited (${signal ?? `code ${code}`}); log: ${logFile}`);
        resolve();
      });
      proc.once("error", (err) => {
        this.opts.out(`[${name}] could not be started: ${err.message}`);
        resolve();
      });
    });
    return { name, proc, exited, stdout: () => stdout };
  }

  private async waitReady(child: RunningChild, ready: RegExp): Promise<boolean> {
    const deadline = Date.now() + (this.opts.readyTimeoutMs ?? 90_000);
    while (!ready.test(child.stdout())) {
      if (child.proc.exitCode !== null || child.proc.signalCode !== null || this.stopping) return false;
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 100));
    }
    return true;
  }

  private async startBroker(): Promise<string> {
    const url = siteBrokerUrl(this.opts.site, this.opts.env);
    if (this.opts.externalBroker || (this.opts.env.SCADA_MQTT_URL ?? "") !== "") return url;
    const u = new URL(url.replace(/^(mqtt|tcp):/, "http:"));
    if (!/^mqtt:|^tcp:/.test(url) || !["127.0.0.1", "localhost"].includes(u.hostname) || u.port === "") {
      throw new ScadaError("SCADA_ERR_CONFIG_INVALID", `the demo starts its own broker only on a loopback mqtt:// URL with a port (the site's is ${url}): use --external-broker for another`);
    }
    this.mosquitto = new ManagedMosquitto({ dataDir: join(this.opts.dataDir, "mosquitto"), port: Number(u.port) });
    await this.mosquitto.start();
    return this.mosquitto.url;
  }

  private async startInflux(): Promise<string | null> {
    if (this.opts.site.influxUrl) return this.opts.site.influxUrl;
    if (!findInfluxd()) {
      this.opts.out("influxd is not installed: each line spools its history to disk (Debian: apt-get install -y influxdb)");
      return null;
    }
    this.influxd = new ManagedInfluxd({ dataDir: join(this.opts.dataDir, "influxdb") });
    await this.influxd.start();
    return `${this.influxd.url}/htr`;
  }

  /** Starts everything; resolves once the overview and every line are up (or said why not). */
  async start(): Promise<{ overviewUrl: string; lines: readonly SiteLinePlan[] }> {
    const { site, out } = this.opts;
    const brokerUrl = await this.startBroker();
    out(`broker: ${brokerUrl}${this.mosquitto ? " (started here)" : ""}`);
    const influxUrl = await this.startInflux();
    if (influxUrl) out(`history: ${influxUrl}${this.influxd ? " (managed influxd, started here)" : ""} — every line writes there, told apart by the 'line' tag`);
    const plans = siteLinePlans({ site, dataDir: this.opts.dataDir, brokerUrl, influxUrl });
    // Every config first: a bad one stops the demo before any line runs.
    for (const p of plans) prepareLineConfig(p, site.groupId);

    this.overview = this.spawnChild("overview", ["site", "--config", site.file], lineEnvironment(this.opts.env, { env: { SCADA_MQTT_URL: brokerUrl } }), join(this.opts.dataDir, "overview.log"));
    if (!(await this.waitReady(this.overview, OVERVIEW_READY))) throw new Error(`the site overview did not start; see ${join(this.opts.dataDir, "overview.log")}`);
    const overviewUrl = `http://${site.overview.host}:${site.overview.port}/`;
    out(`site overview: ${overviewUrl}`);

    for (const p of plans) {
      if (this.stopping) break;
      out(`[${p.id}] starting: virtual plant + SCADA, config ${p.configDir}, data ${p.dataDir}`);
      const child = this.spawnChild(p.id, p.args, lineEnvironment(this.opts.env, p), p.logFile);
      this.lines.push(child);
      renice(child, STARTING_NICENESS);
      const ready = await this.waitReady(child, LINE_READY);
      renice(child, 0);
      if (ready) out(`[${p.id}] ready: HMI ${p.hmiUrl} (log ${p.logFile})`);
      else out(`[${p.id}] not ready in time (see ${p.logFile}); going on`);
    }
    out(`HTR site demo ready: overview ${overviewUrl} — lines ${plans.map((p) => `${p.id} ${p.hmiUrl}`).join(", ")} — Ctrl-C stops everything`);
    return { overviewUrl, lines: plans };
  }

  /** Ends every child: the lines first (each sends its NDEATH), then the overview, influxd and the broker. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.lines.map((c) => end(c)));
    if (this.overview) await end(this.overview);
    await this.influxd?.stop();
    await this.mosquitto?.stop();
  }
}

/** Sets a child's niceness; quietly keeps it when not permitted or when the child is gone. */
function renice(c: RunningChild, niceness: number): void {
  if (c.proc.pid === undefined) return;
  try {
    setPriority(c.proc.pid, niceness);
  } catch {
    /* not permitted (lowering needs CAP_SYS_NICE), or already gone */
  }
}

function end(c: RunningChild): Promise<void> {
  const p = c.proc;
  if (p.exitCode !== null || p.signalCode !== null || p.pid === undefined) return c.exited;
  const hard = setTimeout(() => p.kill("SIGKILL"), STOP_GRACE_MS);
  p.kill("SIGTERM");
  return c.exited.then(() => clearTimeout(hard));
}
