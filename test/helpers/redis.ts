import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Child, spawnChild } from "./child-process.js";
import { freePort } from "./free-port.js";
import { waitFor } from "./wait-for.js";

const REDIS = "/usr/bin/redis-server";

export interface TestRedis {
  readonly port: number;
  readonly url: string;
  /** (Re)starts on the same port (empty: no persistence). */
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

/** A private redis-server (Debian's) on a free loopback port, no persistence; like the tests' mosquitto. */
export async function startTestRedis(): Promise<TestRedis> {
  if (!existsSync(REDIS)) throw new Error("redis-server is not installed: apt-get install -y redis-server (npm test does it as root)");
  const dir = mkdtempSync(join(tmpdir(), "redis-"));
  const port = await freePort();
  let child: Child | null = null;
  let all = "";
  const start = async () => {
    child = spawnChild(REDIS, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, "--protected-mode", "yes"], { name: `redis :${port}` });
    const c = child;
    let ok = false;
    await waitFor(`redis-server listening on ${port}`, 10_000, async () => (ok = await accepts(port)) || c.proc.exitCode !== null, 50);
    if (!ok) throw new Error(`redis-server did not start:\n${c.output()}`);
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
    url: `redis://127.0.0.1:${port}`,
    start,
    stop,
    cleanup: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    output: () => all + ((child as Child | null)?.output() ?? ""),
  };
}
