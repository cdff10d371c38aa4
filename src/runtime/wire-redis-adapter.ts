/**
 * The socket.io Redis streams adapter of one line (HMI fan-out, SCADA_REDIS_URL): the line's process and
 * its web processes (`htr-scada web`) on one Redis stream and one set of channels named after the line id,
 * so several lines can share a Redis.
 *
 * Made safe for a process that runs a line (each guard found by trying Redis going away under the adapter
 * 0.3.1 with node-redis 6):
 * - The publishing client drops commands while Redis is away (`disableOfflineQueue`): the HMI push must not
 *   pile up in memory during an outage; this process's own sockets are served all the same.
 * - The adapter's own clients (`duplicate()`: the stream reader and the subscriber) keep the offline queue:
 *   without it the reader's XREAD fails at once and the adapter retries in a tight loop that starves the
 *   event loop (measured: 95 % CPU, timers stopped) — with it the XREAD waits for Redis to come back.
 * - `publish` never rejects: the adapter drops the promise of an ephemeral message's PUBLISH, and a
 *   rejection nobody handles would end the process. Each client logs its errors on transitions only.
 * - `onLost` tells when any of its connections drops: whatever was published meanwhile is lost for this
 *   process, however short the outage (a web process then gives its clients a fresh state).
 */
import type { ServerOptions } from "socket.io";
import { createAdapter } from "@socket.io/redis-streams-adapter";
import { createClient } from "redis";
import type { Logger } from "../core/logger.js";

/** The longest wait between two reconnect attempts (ms). */
const MAX_RECONNECT_MS = 2000;

export interface RedisSocketAdapter {
  readonly adapter: NonNullable<ServerOptions["adapter"]>;
  /** Whether the publishing connection is up. */
  connected(): boolean;
  /** Calls `listener` each time one of its connections to Redis drops. */
  onLost(listener: () => void): void;
  /** Closes the publishing connection (the adapter's own close with the socket server). */
  close(): Promise<void>;
}

/** The stream and channel prefix of a line's HMI fan-out. */
export const fanoutStreamName = (lineId: string): string => `htr:${lineId}:hmi`;

/** The URL without its password (for logs). */
export function redactedRedisUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, "//$1:***@");
}

export function redisSocketAdapter(url: string, lineId: string, logger: Logger): RedisSocketAdapter {
  const log = logger.child({ module: "redis-adapter" });
  const lost: (() => void)[] = [];
  const dropped = (): void => {
    for (const l of lost) l();
  };
  const options = { url, disableOfflineQueue: true, socket: { reconnectStrategy: (retries: number) => Math.min(50 * 2 ** Math.min(retries, 10), MAX_RECONNECT_MS) } };
  const client = createClient(options);
  watch(client, "publisher", log, dropped);
  const duplicate = client.duplicate.bind(client);
  client.duplicate = ((overrides?: Parameters<typeof client.duplicate>[0]) => {
    const d = duplicate({ ...overrides, disableOfflineQueue: false });
    watch(d, "reader", log, dropped);
    return d;
  }) as typeof client.duplicate;
  const publish = client.publish.bind(client);
  (client as { publish: typeof client.publish }).publish = ((...args: Parameters<typeof client.publish>) => publish(...args).catch(() => 0)) as typeof client.publish;
  client.connect().catch((err: unknown) => log.error({ err }, "Redis connect failed for good"));
  const name = fanoutStreamName(lineId);
  const adapter = createAdapter(client, { streamName: name, channelPrefix: name, maxLen: 1000, blockTimeInMs: 1000, onlyPlaintext: true });
  return {
    adapter,
    connected: () => client.isReady,
    onLost: (listener) => void lost.push(listener),
    async close() {
      client.destroy();
    },
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- node-redis types its listeners with any
/** Logs a client's errors once per outage (a Redis that is away for an hour logs two lines, not thousands); `dropped` once per outage too. */
function watch(c: { on(event: string, l: (...a: any[]) => void): unknown }, role: string, log: Logger, dropped: () => void): void {
  let down = false;
  c.on("error", (err: Error) => {
    if (down) return;
    down = true;
    dropped();
    log.warn({ role, err: err.message }, "Redis connection lost; retrying (the HMI of other web processes is not updated meanwhile)");
  });
  c.on("ready", () => {
    if (!down) return;
    down = false;
    log.info({ role }, "Redis connection back");
  });
}
