/**
 * The composition root of a web process of a line's HMI fan-out (`htr-scada web`): the built HMI and the
 * realtime socket, served for the line whose process runs with the same SCADA_REDIS_URL. Sessions are read
 * from the line's own user database (`SessionReader`: the same rules, never written); subscriptions,
 * first state and operations go to the line's process through Redis (`socket-web-gateway.ts`); pushes come
 * back the same way. It holds no PLC link, no store it writes, no audit record of its own: killing it or
 * starting more changes nothing of the line — its clients reconnect to another one.
 */
import { existsSync } from "node:fs";
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { SessionReader } from "../auth/session-reader.js";
import { systemClock } from "../core/clock.js";
import { ScadaError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import { createWebApp } from "../server/web-app.js";
import { type WebGateway, attachWebGateway } from "../server/socket-web-gateway.js";
import { SCADA_DB_FILE, SqliteUserStore } from "../stores/user-store.js";
import { fanoutStreamName, redactedRedisUrl, redisSocketAdapter } from "./wire-redis-adapter.js";

export interface WebProcessOptions {
  readonly lineId: string;
  /** The line's data directory (its user database, `scada.db`). */
  readonly dataDir: string;
  readonly redisUrl: string;
  readonly port: number;
  readonly host: string;
  readonly logger: Logger;
  /** This process's name in the cluster messages (default: random). */
  readonly node?: string;
}

export interface WebProcess {
  readonly url: string;
  readonly gateway: WebGateway;
  stop(): Promise<void>;
}

/** Why the web process cannot serve now, or null (its /readyz). */
export function webNotReady(redisUp: boolean, lineAnswers: boolean): string | null {
  if (!redisUp) return "not connected to Redis";
  if (!lineAnswers) return "the line's SCADA process does not answer through Redis (is it started with the same SCADA_REDIS_URL?)";
  return null;
}

/** Starts a web process; throws (the user database missing, the port taken) before it serves anything. */
export async function startWebProcess(o: WebProcessOptions): Promise<WebProcess> {
  const log = o.logger;
  if (!existsSync(join(o.dataDir, SCADA_DB_FILE))) {
    throw new ScadaError("SCADA_ERR_USER_DB_NOT_FOUND", `no user database at ${join(o.dataDir, SCADA_DB_FILE)}: a web process reads the line's sessions — give the line's data directory (--data or SCADA_DATA_DIR)`);
  }
  const store = SqliteUserStore.openExisting(o.dataDir);
  const redis = redisSocketAdapter(o.redisUrl, o.lineId, log);
  let gateway: WebGateway | undefined;
  const app = createWebApp({ notReady: () => webNotReady(redis.connected(), gateway?.link().reachable ?? false), logger: log.child({ module: "http" }) });
  const server: Server = createServer(app);
  redis.onLost(() => gateway?.lost());
  gateway = attachWebGateway(server, {
    auth: new SessionReader(store, systemClock),
    adapter: redis.adapter,
    logger: log.child({ module: "socket" }),
    ...(o.node ? { node: o.node } : {}),
  });
  const stop = async (): Promise<void> => {
    await gateway?.close();
    await redis.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    store.close();
  };
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("listening", resolve);
      server.once("error", reject);
      server.listen(o.port, o.host);
    });
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
  const url = `http://${o.host}:${(server.address() as AddressInfo).port}`;
  log.info({ url, line: o.lineId, redis: redactedRedisUrl(o.redisUrl), stream: fanoutStreamName(o.lineId) }, `HMI web process for line ${o.lineId} at ${url}`);
  return { url, gateway, stop };
}
