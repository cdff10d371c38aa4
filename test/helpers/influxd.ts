import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findInfluxd, ManagedInfluxd } from "../../src/historian/managed-influxd.js";
import { freePort } from "./free-port.js";

export interface TestInfluxd {
  readonly port: number;
  readonly url: string;
  readonly dataDir: string;
  readonly influxd: ManagedInfluxd;
  /** (Re)starts on the same ports and data directory. */
  start(): Promise<void>;
  /** SIGTERM and wait (the data stays: `start()` again). */
  stop(): Promise<void>;
  /** SIGKILL. */
  kill(): Promise<void>;
  /** Stops influxd and removes the data directory — call it in after / finally. */
  cleanup(): Promise<void>;
  /** `influx -host 127.0.0.1 -port P` arguments for the CLI. */
  cliArgs(): string[];
}

/** A private influxd on free loopback ports with its data in a temp directory (CQs every 1 s). */
export async function startTestInfluxd(opts: { cqRunInterval?: string } = {}): Promise<TestInfluxd> {
  if (!findInfluxd()) throw new Error("influxd is not installed: apt-get install -y influxdb influxdb-client (npm test does it as root)");
  const dataDir = mkdtempSync(join(tmpdir(), "influxd-"));
  const influxd = new ManagedInfluxd({ dataDir, httpPort: await freePort(), rpcPort: await freePort(), cqRunInterval: opts.cqRunInterval ?? "1s" });
  try {
    await influxd.start();
  } catch (e) {
    rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
  return {
    port: influxd.port,
    url: influxd.url,
    dataDir,
    influxd,
    start: () => influxd.start(),
    stop: () => influxd.stop(),
    kill: () => influxd.kill(),
    cleanup: async () => {
      await influxd.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
    cliArgs: () => ["-host", "127.0.0.1", "-port", String(influxd.port)],
  };
}
