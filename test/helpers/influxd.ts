import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
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

/**
 * A private influxd on free loopback ports with its data in a temp directory (CQs every 1 s). `auth`: HTTP
 * authentication on (`INFLUXDB_HTTP_AUTH_ENABLED=true`, as the compose stack's influxdb): the first statement
 * must then be `CREATE USER … WITH ALL PRIVILEGES`, and every other one needs credentials.
 */
export async function startTestInfluxd(opts: { cqRunInterval?: string; auth?: boolean } = {}): Promise<TestInfluxd> {
  const exe = findInfluxd();
  if (!exe) throw new Error("influxd is not installed: apt-get install -y influxdb influxdb-client (npm test does it as root)");
  const dataDir = mkdtempSync(join(tmpdir(), "influxd-"));
  // influxd takes any setting from its environment; ManagedInfluxd passes its own on, so a wrapper sets it.
  const influxdPath = opts.auth ? join(dataDir, "influxd-auth") : exe;
  if (opts.auth) writeFileSync(influxdPath, `#!/bin/sh\nINFLUXDB_HTTP_AUTH_ENABLED=true exec ${JSON.stringify(exe)} "$@"\n`, { mode: 0o755 });
  const influxd = new ManagedInfluxd({ dataDir, httpPort: await freePort(), rpcPort: await freePort(), cqRunInterval: opts.cqRunInterval ?? "1s", influxdPath });
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

export interface InfluxCliOptions {
  /** `-database` (none: statements that name their database, SHOW …). */
  readonly database?: string;
  /** `-format`: column (the CLI's default), csv or json. */
  readonly format?: "column" | "csv" | "json";
  /** `-precision` of the times it prints: rfc3339 (the CLI's default), h, m, s, ms, u or ns. */
  readonly precision?: "rfc3339" | "h" | "m" | "s" | "ms" | "u" | "ns";
}

/**
 * `influx … -execute <q>` against a test influxd (or any local port): the independent reader of what the
 * code wrote. Returns the CLI's stdout; throws when it exits non-zero.
 */
export function influxCli(target: Pick<TestInfluxd, "port"> | number, q: string, opts: InfluxCliOptions = {}): string {
  const port = typeof target === "number" ? target : target.port;
  const args = ["-host", "127.0.0.1", "-port", String(port)];
  if (opts.database !== undefined) args.push("-database", opts.database);
  if (opts.precision !== undefined) args.push("-precision", opts.precision);
  if (opts.format !== undefined) args.push("-format", opts.format);
  return execFileSync("influx", [...args, "-execute", q], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
}

/** The rows of a query's CSV answer, header left out: `[name, time, ...columns]` as text. */
export function influxCsvRows(target: Pick<TestInfluxd, "port"> | number, q: string, opts: Omit<InfluxCliOptions, "format"> = {}): string[][] {
  return influxCli(target, q, { ...opts, format: "csv" })
    .trim()
    .split("\n")
    .slice(1)
    .filter((l) => l !== "")
    .map((l) => l.split(","));
}
