import { existsSync } from "node:fs";
import { type LoopbackDaemon, startLoopbackDaemon } from "./loopback-daemon.js";

const REDIS = "/usr/bin/redis-server";

export type TestRedis = LoopbackDaemon;

/** A private redis-server (Debian's) on a free loopback port, no persistence; like the tests' mosquitto. */
export async function startTestRedis(): Promise<TestRedis> {
  if (!existsSync(REDIS)) throw new Error("redis-server is not installed: apt-get install -y redis-server (npm test does it as root)");
  return startLoopbackDaemon("redis", REDIS, (port, dir) => ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir], (port) => `redis://127.0.0.1:${port}`);
}
