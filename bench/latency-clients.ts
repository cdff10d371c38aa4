// Socket.io clients that note when a tag's rising value reaches them — in a child process (this file, forked
// with BENCH_LATENCY_CLIENTS_CHILD=1): they stand for the other operators' browsers, not the SCADA, so their
// parsing of every batch must not load the measured process's event loop (as in event-loop.bench.ts).
// Time stamps are performance.timeOrigin + performance.now() in the child: the same wall clock as the parent's.
import { fork, type ChildProcess } from "node:child_process";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { type Socket, io as connect } from "socket.io-client";
import type { ClientToServerEvents, ServerToClientEvents, TagBatch } from "../src/server/socket-contract.js";
import { adminClient } from "../test/helpers/api-client.js";
import { sleep, stopChild, until } from "./bench-support.js";

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

interface ConnectOrder {
  readonly url: string;
  readonly n: number;
  /** The tag whose values are noted. */
  readonly tag: string;
  /** Log each client in (its own session) and subscribe it to these tags; null: no login, no subscribe (raw). */
  readonly subscribe: readonly string[] | null;
}
type ToChild = ({ op: "connect" } & ConnectOrder) | { op: "reset" } | { op: "lowest" } | { op: "seen" } | { op: "exit" };

async function child(): Promise<void> {
  const clients: Client[] = [];
  /** Per client: flat [value, wall ms], each time the tag's value went up. */
  let seen: number[][] = [];
  const reply = (m: Record<string, unknown>) => process.send?.(m);
  process.on("message", (m: ToChild) => {
    void (async () => {
      try {
        if (m.op === "connect") {
          const cookies: (string | undefined)[] = [];
          for (let i = 0; i < m.n; i += 10) {
            const k = Math.min(10, m.n - i);
            if (m.subscribe === null) cookies.push(...Array.from({ length: k }, () => undefined));
            else cookies.push(...(await Promise.all(Array.from({ length: k }, () => adminClient(m.url)))).map((s) => s.cookie));
          }
          seen = cookies.map(() => []);
          cookies.forEach((cookie, i) => {
            const c = connect(m.url, { transports: ["websocket"], reconnection: false, forceNew: true, ...(cookie ? { extraHeaders: { cookie } } : {}) }) as Client;
            let max = -Infinity;
            c.on("tags", (b: TagBatch) => {
              const t = performance.timeOrigin + performance.now();
              for (const ch of b.changes) {
                if (ch.name === m.tag && typeof ch.value === "number" && ch.value > max) {
                  max = ch.value;
                  seen[i]!.push(ch.value, t);
                }
              }
            });
            clients.push(c);
          });
          await until("the clients connected", 30_000, () => clients.every((c) => c.connected), 10);
          if (m.subscribe !== null) {
            const tags = m.subscribe;
            const acks = await Promise.all(clients.map((c) => c.timeout(30_000).emitWithAck("subscribe", tags)));
            const refused = acks.find((a) => !a.ok);
            if (refused) throw new Error(`subscribe refused: ${JSON.stringify(refused)}`);
          }
          reply({ op: "connected" });
        } else if (m.op === "reset") {
          for (const s of seen) s.length = 0;
          reply({ op: "reset" });
        } else if (m.op === "lowest") {
          // the lowest latest value over the clients (-Infinity: one has seen nothing since the reset)
          reply({ op: "lowest", value: Math.min(...seen.map((s) => (s.length > 0 ? s[s.length - 2]! : -Infinity))) });
        } else if (m.op === "seen") {
          reply({ op: "seen", seen });
        } else {
          for (const c of clients) c.disconnect();
          process.disconnect();
        }
      } catch (err) {
        reply({ op: "error", error: String((err as Error).stack ?? err) });
      }
    })();
  });
}

/** The parent's handle on the child's clients. */
export class LatencyClients {
  private constructor(private readonly proc: ChildProcess) {}

  static async start(order: ConnectOrder): Promise<LatencyClients> {
    const proc = fork(fileURLToPath(import.meta.url), [], {
      execArgv: ["--import=tsx"],
      env: { ...process.env, BENCH_LATENCY_CLIENTS_CHILD: "1" },
      stdio: ["ignore", "ignore", "inherit", "ipc"],
    });
    const clients = new LatencyClients(proc);
    try {
      await clients.ask({ op: "connect", ...order });
    } catch (err) {
      await clients.stop();
      throw err;
    }
    return clients;
  }

  /** Forgets what the clients have seen. */
  async reset(): Promise<void> {
    await this.ask({ op: "reset" });
  }

  /** Waits until every client has seen `value` or a later one. */
  async waitAll(value: number, timeoutMs: number): Promise<void> {
    const t0 = Date.now();
    while (((await this.ask({ op: "lowest" })).value as number) < value) {
      if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for every client to receive ${value}`);
      await sleep(5);
    }
  }

  /** Per client: flat [value, wall ms] since the last reset. */
  async seen(): Promise<number[][]> {
    return (await this.ask({ op: "seen" })).seen as number[][];
  }

  async stop(): Promise<void> {
    await stopChild(this.proc, { op: "exit" } satisfies ToChild);
  }

  private ask(m: ToChild): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`the latency client process exited (${code})`));
      this.proc.once("exit", onExit);
      this.proc.once("message", (r: Record<string, unknown>) => {
        this.proc.off("exit", onExit);
        if (r.op === "error") reject(new Error(`latency clients: ${String(r.error)}`));
        else resolve(r);
      });
      this.proc.send(m);
    });
  }
}

if (process.env.BENCH_LATENCY_CLIENTS_CHILD === "1") void child();
