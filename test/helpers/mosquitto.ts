import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "node:net";
import { type Child, spawnChild } from "./child-process.js";
import { freePort } from "./free-port.js";
import { waitFor } from "./wait-for.js";

const MOSQUITTO = "/usr/sbin/mosquitto";

export interface TestMosquitto {
  readonly port: number;
  readonly url: string;
  /** (Re)starts on the same port. */
  start(): Promise<void>;
  /** SIGTERM and wait. */
  stop(): Promise<void>;
  /** Stops it and removes its directory — call it in after / finally. */
  cleanup(): Promise<void>;
  output(): string;
}

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });

/** A private mosquitto (Debian's) on a free loopback port, anonymous, no persistence; like the tests' influxd. */
export async function startTestMosquitto(): Promise<TestMosquitto> {
  if (!existsSync(MOSQUITTO)) throw new Error("mosquitto is not installed: apt-get install -y mosquitto (npm test does it as root)");
  const dir = mkdtempSync(join(tmpdir(), "mosquitto-"));
  const port = await freePort();
  const conf = join(dir, "mosquitto.conf");
  writeFileSync(conf, [`listener ${port} 127.0.0.1`, "allow_anonymous true", "persistence false", "log_dest stdout", "log_type error", "log_type warning", "log_type notice", ""].join("\n"));
  let child: Child | null = null;
  let all = "";
  const start = async () => {
    child = spawnChild(MOSQUITTO, ["-c", conf], { name: `mosquitto :${port}` });
    const c = child;
    let ok = false;
    await waitFor(`mosquitto listening on ${port}`, 10_000, async () => (ok = await accepts(port)) || c.proc.exitCode !== null, 50);
    if (!ok) throw new Error(`mosquitto did not start:\n${c.output()}`);
  };
  const stop = async () => {
    const c = child;
    child = null;
    if (c) {
      await c.kill("SIGTERM", 5000);
      all += c.output();
    }
  };
  await start();
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    start,
    stop,
    cleanup: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    output: () => all + ((child as Child | null)?.output() ?? ""),
  };
}
