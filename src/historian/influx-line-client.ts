/**
 * The historian's write path to InfluxDB 1.x: POST /write?db=&rp=&precision=u with line protocol over a
 * keep-alive HTTP agent, and GET /ping. Every outcome is a value, never a throw, classified for the writer:
 * 204 → ok; 400 / 413 / 422 (bad data: partial write, field type conflict, beyond retention, unparsable)
 * → not retryable, with the number of points InfluxDB dropped when it says (`dropped=N`); anything else
 * (connection refused or reset, timeout, 5xx, 401/403/404 — a database or login that is not there *yet*)
 * → retryable, so the data is kept.
 */
import { Agent, type ClientRequest, request } from "node:http";

export interface InfluxWriteTarget {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  /** Default: the database's DEFAULT policy (`raw`). */
  readonly retentionPolicy?: string;
  readonly username?: string;
  readonly password?: string;
}

export type WriteOutcome =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly retryable: boolean;
      readonly error: string;
      readonly status?: number;
      /** Points InfluxDB reports it dropped (partial write); undefined when it does not say. */
      readonly droppedPoints?: number;
    };

const NOT_RETRYABLE = new Set([400, 413, 422]);

export class InfluxLineClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 4 });
  private readonly writePath: string;
  private readonly auth: string | undefined;
  private readonly active = new Set<ClientRequest>();
  private closed = false;

  constructor(
    readonly target: InfluxWriteTarget,
    private readonly timeoutMs = 10_000,
  ) {
    const qs = new URLSearchParams({ db: target.database, precision: "u" });
    if (target.retentionPolicy) qs.set("rp", target.retentionPolicy);
    this.writePath = `/write?${qs.toString()}`;
    this.auth = target.username !== undefined ? `Basic ${Buffer.from(`${target.username}:${target.password ?? ""}`).toString("base64")}` : undefined;
  }

  /** Writes line protocol (text, or its UTF-8 bytes) whose time stamps are in microseconds. */
  write(lines: string | Buffer): Promise<WriteOutcome> {
    if (this.closed) return Promise.resolve({ ok: false, retryable: true, error: "historian writer stopping" });
    const body = typeof lines === "string" ? Buffer.from(lines, "utf8") : lines;
    return new Promise((resolve) => {
      let settled = false;
      const done = (o: WriteOutcome) => {
        if (!settled) {
          settled = true;
          clearTimeout(timer);
          this.active.delete(req);
          resolve(o);
        }
      };
      const req = request(
        {
          host: this.target.host,
          port: this.target.port,
          method: "POST",
          path: this.writePath,
          agent: this.agent,
          headers: {
            "content-type": "text/plain; charset=utf-8",
            "content-length": body.length,
            ...(this.auth ? { authorization: this.auth } : {}),
          },
        },
        (res) => {
          const status = res.statusCode ?? 0;
          if (status === 204) {
            res.resume();
            res.on("end", () => done({ ok: true }));
            res.on("error", () => done({ ok: true }));
            return;
          }
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (d: string) => {
            if (text.length < 4000) text += d;
          });
          res.on("error", (e) => done({ ok: false, retryable: true, status, error: `HTTP ${status}: ${e.message}` }));
          res.on("end", () => {
            let msg = text.trim();
            try {
              msg = (JSON.parse(text) as { error?: string }).error ?? msg;
            } catch {
              /* not JSON */
            }
            const dropped = /dropped=(\d+)/.exec(msg);
            done({
              ok: false,
              retryable: !NOT_RETRYABLE.has(status),
              status,
              error: `HTTP ${status}: ${msg || res.statusMessage || "error"}`,
              ...(dropped ? { droppedPoints: Number(dropped[1]) } : {}),
            });
          });
        },
      );
      const timer = setTimeout(() => {
        req.destroy(new Error(`timeout after ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.active.add(req);
      req.on("error", (e: NodeJS.ErrnoException) => done({ ok: false, retryable: true, error: e.code ? `${e.code}: ${e.message}` : e.message }));
      req.end(body);
    });
  }

  ping(timeoutMs = 1000): Promise<boolean> {
    return this.check(timeoutMs).then((r) => r === null);
  }

  /** GET /ping: null when it answers 204, else why not. */
  check(timeoutMs = 1000): Promise<string | null> {
    if (this.closed) return Promise.resolve("historian writer stopping");
    return pingDetail(this.target.host, this.target.port, timeoutMs, this.agent);
  }

  /** Fails the requests in flight (retryable: the writer spools them) and every later one; frees the sockets. */
  close(): void {
    this.closed = true;
    for (const req of this.active) req.destroy(new Error("historian writer stopping"));
    this.agent.destroy();
  }
}

/** GET /ping → true on 204. */
export async function pingInflux(host: string, port: number, timeoutMs = 1000, agent?: Agent): Promise<boolean> {
  return (await pingDetail(host, port, timeoutMs, agent)) === null;
}

/** GET /ping → null on 204, else the reason ("ECONNREFUSED: …", "ping answered HTTP 500", "timeout"). */
export function pingDetail(host: string, port: number, timeoutMs = 1000, agent?: Agent): Promise<string | null> {
  return new Promise((resolve) => {
    const req = request({ host, port, path: "/ping", method: "GET", timeout: timeoutMs, ...(agent ? { agent } : {}) }, (res) => {
      res.resume();
      resolve(res.statusCode === 204 ? null : `ping answered HTTP ${res.statusCode}`);
    });
    req.on("timeout", () => req.destroy(new Error(`ping timeout after ${timeoutMs} ms`)));
    req.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ? `${e.code}: ${e.message}` : e.message));
    req.end();
  });
}
