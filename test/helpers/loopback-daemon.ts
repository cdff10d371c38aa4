import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Child, spawnChild } from "./child-process.js";
import { freePort } from "./free-port.js";
import { waitFor } from "./wait-for.js";

/** A broker the tests start on a free loopback port (mosquitto, redis-server), stoppable and restartable. */
export interface LoopbackDaemon {
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

/** Whether something accepts TCP connections on the loopback port. */
export const acceptsOn = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });

/**
 * Starts `bin` with the arguments `args(port, dir)` gives (a private temp dir, a free port) and waits until it
 * accepts connections; `url(port)` names it.
 */
export async function startLoopbackDaemon(name: string, bin: string, args: (port: number, dir: string) => string[], url: (port: number) => string): Promise<LoopbackDaemon> {
  const dir = mkdtempSync(join(tmpdir(), `${name}-`));
  const port = await freePort();
  const argv = args(port, dir);
  let child: Child | null = null;
  let all = "";
  const start = async () => {
    child = spawnChild(bin, argv, { name: `${name} :${port}` });
    const c = child;
    let ok = false;
    await waitFor(`${name} listening on ${port}`, 10_000, async () => (ok = await acceptsOn(port)) || c.proc.exitCode !== null, 50);
    if (!ok) throw new Error(`${name} did not start:\n${c.output()}`);
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
    url: url(port),
    start,
    stop,
    cleanup: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    output: () => all + ((child as Child | null)?.output() ?? ""),
  };
}
