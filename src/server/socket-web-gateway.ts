import type { Server as HttpServer } from "node:http";
import type { Registry } from "prom-client";
import type { ServerOptions } from "socket.io";
import type { SessionPort } from "../auth/session-port.js";
import type { Logger } from "../core/logger.js";
import type { RuntimeLink } from "./runtime-link.js";
import { type SocketScheduler, realSocketScheduler } from "./socket-scheduler.js";
import { type SocketServer, attachSocketServer } from "./socket-server.js";
import { type SocketWebBackend, socketWebBackend } from "./socket-web-backend.js";

export interface WebGatewayDeps {
  /** Sessions from the line's database (the same checks as the line's own gateway). */
  readonly auth: SessionPort;
  /** The line's cluster adapter (the Redis streams adapter on the line's stream). */
  readonly adapter: NonNullable<ServerOptions["adapter"]>;
  readonly logger: Logger;
  readonly registry?: Registry;
  readonly scheduler?: SocketScheduler;
  readonly sessionCheckMs?: number;
  readonly maxHttpBufferSize?: number;
  /** This process's name in the cluster messages (default: random). */
  readonly node?: string;
}

export interface WebGateway extends SocketServer {
  /** Whether the line's process answers (the web process's readiness). */
  link(): RuntimeLink;
  /** A connection to Redis dropped: pushes may be lost (`SocketWebBackend.lost`). */
  lost(): void;
}

/**
 * The socket gateway of a web process (`htr-scada web`): the same handshake, session checks, dispatch,
 * rooms and expiry as the line's gateway (`attachSocketServer`), served by forwarding to the line's process
 * (`socketWebBackend`). Same defaults as the line's gateway.
 */
export function attachWebGateway(httpServer: HttpServer, deps: WebGatewayDeps): WebGateway {
  const scheduler = deps.scheduler ?? realSocketScheduler;
  let backend: SocketWebBackend | undefined;
  const server = attachSocketServer(
    httpServer,
    {
      auth: deps.auth,
      logger: deps.logger,
      ...(deps.registry ? { registry: deps.registry } : {}),
      scheduler,
      sessionCheckMs: deps.sessionCheckMs ?? 1000,
      maxHttpBufferSize: deps.maxHttpBufferSize ?? 32 * 1024,
      adapter: deps.adapter,
    },
    (ctx) => (backend = socketWebBackend(ctx, { scheduler, logger: deps.logger, ...(deps.node ? { node: deps.node } : {}) })),
  );
  return { ...server, link: () => backend!.link(), lost: () => backend!.lost() };
}
