/**
 * A private mosquitto for the site demo (Debian's `mosquitto`, like the managed influxd): loopback only, on
 * the port of the site's broker URL, anonymous, no persistence, its config under the site's data directory.
 * Spawned through `setpriv --pdeathsig TERM` where it exists, so it ends with the launcher however that ends.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { userInfo } from "node:os";
import { join } from "node:path";
import { ScadaError } from "../core/errors.js";
import { endsWithParent, findPdeathsigSetpriv } from "../historian/managed-influxd.js";

const CANDIDATES = ["/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto"];

const accepts = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });

export class ManagedMosquitto {
  private child: ChildProcess | null = null;
  private output = "";

  constructor(private readonly opts: { readonly dataDir: string; readonly port: number }) {}

  get url(): string {
    return `mqtt://127.0.0.1:${this.opts.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(timeoutMs = 10_000): Promise<void> {
    const exe = CANDIDATES.find((c) => existsSync(c));
    if (!exe) throw new ScadaError("SCADA_ERR_DEPS_MISSING", "mosquitto is not installed: apt-get install -y mosquitto (or name a running broker: --external-broker with SCADA_MQTT_URL)");
    if (await accepts(this.opts.port)) throw new ScadaError("SCADA_ERR_CONFIG_INVALID", `port ${this.opts.port} of the site's broker is in use: stop what listens there, or use it with --external-broker`);
    mkdirSync(this.opts.dataDir, { recursive: true });
    const conf = join(this.opts.dataDir, "mosquitto.conf");
    // `user`: stay the user that runs the demo. Run as root, mosquitto would switch to user mosquitto, and a
    // change of credentials clears the parent-death signal: it would outlive a killed launcher.
    writeFileSync(conf, [`listener ${this.opts.port} 127.0.0.1`, `user ${userInfo().username}`, "allow_anonymous true", "persistence false", "log_dest stdout", "log_type error", "log_type warning", ""].join("\n"));
    const cmd = endsWithParent(exe, ["-c", conf], findPdeathsigSetpriv());
    const child = spawn(cmd.command, cmd.args, { stdio: ["ignore", "pipe", "pipe"], detached: true });
    this.child = child;
    const keep = (d: Buffer): void => void (this.output = (this.output + d.toString()).slice(-4000));
    child.stdout!.on("data", keep);
    child.stderr!.on("data", keep);
    child.once("error", (err) => keep(Buffer.from(String(err))));
    const deadline = Date.now() + timeoutMs;
    while (!(await accepts(this.opts.port))) {
      if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`mosquitto did not start on port ${this.opts.port}:\n${this.output}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** SIGTERM, SIGKILL after `graceMs`; resolves when it is gone. */
  async stop(graceMs = 5000): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const hard = setTimeout(() => child.kill("SIGKILL"), graceMs);
      child.once("exit", () => {
        clearTimeout(hard);
        resolve();
      });
      child.kill("SIGTERM");
    });
  }
}
