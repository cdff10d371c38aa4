import type { Server as HttpServer } from "node:http";
import type { Registry } from "prom-client";
import { Server, type ServerOptions } from "socket.io";
import type { SessionPort } from "../auth/session-port.js";
import type { Logger } from "../core/logger.js";
import type { OperationRunner } from "./operation-port.js";
import { SocketConnections } from "./socket-connections.js";
import type { GatewayServer, GatewaySocket } from "./socket-data.js";
import { socketEventDispatch } from "./socket-event-dispatch.js";
import { sameOriginRequests, sessionHandshake } from "./socket-handshake.js";
import { SocketMetrics } from "./socket-metrics.js";
import { applySocketRole } from "./socket-role.js";
import { sessionRoom } from "./socket-rooms.js";
import type { SocketScheduler } from "./socket-scheduler.js";
import { SocketSessionExpiry } from "./socket-session-expiry.js";
import type { TagSubscriptions } from "./tag-subscriptions.js";

/**
 * What a socket server serves its sockets with: in the line's process the tag push, the state push and
 * the operation runner (`socket-gateway.ts`); in a web process the same requests forwarded to the line's
 * process over the cluster adapter (`socket-web-backend.ts`).
 */
export interface SocketBackend {
  readonly subscriptions: TagSubscriptions;
  readonly operations: OperationRunner;
  /** A socket has just connected (its session checked, its rooms joined): its first state. */
  welcome(socket: GatewaySocket): void;
  /** Subscription groups, for the stats (0 where not kept). */
  groups(): number;
  close(): void;
}

export interface SocketServerDeps {
  readonly auth: SessionPort;
  readonly logger: Logger;
  readonly registry?: Registry;
  readonly scheduler: SocketScheduler;
  readonly sessionCheckMs: number;
  readonly maxHttpBufferSize: number;
  /** socket.io's adapter (absent: the in-memory one; the Redis streams adapter to serve a line from several processes). */
  readonly adapter?: ServerOptions["adapter"];
}

export interface SocketServer {
  readonly io: GatewayServer;
  stats(): GatewayStats;
  close(): Promise<void>;
}

export interface GatewayStats {
  readonly connected: number;
  readonly refusedHandshakes: number;
  readonly refusedEvents: number;
  /** Tag batches delivered (one per socket that got it). */
  readonly batchesSent: number;
  /** Tag batch emits (one per room or socket; socket.io encodes each once). */
  readonly emits: number;
  readonly groups: number;
}

/** What a backend is built from: the server it serves, its live sockets and its metrics. */
export interface SocketBackendContext {
  readonly io: GatewayServer;
  readonly connections: SocketConnections;
  readonly metrics: SocketMetrics;
}

/**
 * The part of the realtime gateway every process that serves the HMI's socket shares — the line's process
 * and its web processes alike, so sessions are checked one way: same-origin requests, the session
 * handshake (`socket-handshake.ts`), per-event dispatch with the session checked first
 * (`socket-event-dispatch.ts`), the role's rooms (`socket-role.ts`), session expiry
 * (`socket-session-expiry.ts`), and closing. What the sockets are served with comes from `backend`.
 */
export function attachSocketServer(httpServer: HttpServer, deps: SocketServerDeps, backendOf: (ctx: SocketBackendContext) => SocketBackend): SocketServer {
  const log = deps.logger;
  let closed = false;
  const connections = new SocketConnections();
  const metrics = new SocketMetrics(deps.registry, () => connections.size);
  const io: GatewayServer = new Server(httpServer, {
    serveClient: false,
    maxHttpBufferSize: deps.maxHttpBufferSize,
    // No CORS headers: same origin only.
    allowRequest: sameOriginRequests(() => closed, metrics),
    ...(deps.adapter ? { adapter: deps.adapter } : {}),
  });
  const backend = backendOf({ io, connections, metrics });
  const sessions = new SocketSessionExpiry({
    auth: deps.auth,
    connections,
    logger: log,
    scheduler: deps.scheduler,
    checkMs: deps.sessionCheckMs,
    applyRole: (socket, session) => applySocketRole(socket, session, backend.subscriptions),
  });
  const dispatch = socketEventDispatch({ sessions, tags: backend.subscriptions, operations: backend.operations, metrics, logger: log });

  io.use(sessionHandshake(deps.auth, log, metrics));
  io.on("connection", (socket: GatewaySocket) => {
    if (closed) {
      socket.disconnect(true);
      return;
    }
    connections.add(socket);
    void socket.join(sessionRoom(socket.data.sessionId));
    socket.on("disconnect", () => {
      connections.remove(socket);
      backend.subscriptions.unsubscribe(socket.id);
    });
    socket.onAny((event: unknown, ...args: unknown[]) => dispatch(socket, event, args));
    applySocketRole(socket, socket.data.view, backend.subscriptions);
    backend.welcome(socket);
  });

  return {
    io,
    stats: () => ({ connected: connections.size, ...metrics.counts, groups: backend.groups() }),
    async close() {
      if (closed) return;
      closed = true;
      backend.close();
      sessions.close();
      metrics.unregister();
      // Closing the engine closes every transport: clients see "transport close" and reconnect later.
      io.engine.close();
      for (const socket of connections.all()) socket.disconnect(true);
      // The cluster adapter stops reading its stream and closes its Redis connections (a no-op in memory).
      await io.of("/").adapter.close();
    },
  };
}
