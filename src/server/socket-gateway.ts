import type { Server as HttpServer } from "node:http";
import type { Registry } from "prom-client";
import { Server } from "socket.io";
import type { SessionPort } from "../auth/session-port.js";
import { type Clock, systemClock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { OperationRunner } from "./operation-port.js";
import { SocketConnections } from "./socket-connections.js";
import type { GatewayServer, GatewaySocket } from "./socket-data.js";
import { socketEventDispatch } from "./socket-event-dispatch.js";
import { sameOriginRequests, sessionHandshake } from "./socket-handshake.js";
import { SocketMetrics } from "./socket-metrics.js";
import { applySocketRole } from "./socket-role.js";
import { sessionRoom } from "./socket-rooms.js";
import { type SocketScheduler, realSocketScheduler } from "./socket-scheduler.js";
import { SocketSessionExpiry } from "./socket-session-expiry.js";
import { type GatewayStateSources, SocketStatePush } from "./socket-state-push.js";
import { socketTagOutlet } from "./socket-tag-outlet.js";
import { type GatewayTagSource, SocketTagPush } from "./socket-tag-push.js";

/**
 * The gateway tick (ms), the one default: the longest spacing of tag batches (a loaded gateway), and the
 * state-push period. With a fixed 50 ms spacing the p95 from tag change to value shown was ≈ 50–60 ms
 * (bench/hmi-browser-latency); the spacing now adapts (GATEWAY_MIN_GAP_MS … GATEWAY_TICK_MS, socket-tag-push.ts).
 */
export const GATEWAY_TICK_MS = 50;
/** The shortest spacing of tag batches (ms), while pushing is cheap: a change at the line's normal rate goes out within it. */
export const GATEWAY_MIN_GAP_MS = 4;

export interface SocketGatewayDeps {
  readonly auth: SessionPort;
  readonly operations: OperationRunner;
  readonly tags: GatewayTagSource;
  readonly state: GatewayStateSources;
  readonly logger: Logger;
  /** Where the gateway's metrics go (absent: not recorded). */
  readonly registry?: Registry;
  /** Batch time stamps (`TagBatch.t`). */
  readonly clock?: Clock;
  /** Tick spacing, the state-push period and the session check (default: the real timers). Tests. */
  readonly scheduler?: SocketScheduler;
  /** The longest spacing of tag batches, and the state-push period (ms). Default `GATEWAY_TICK_MS`. */
  readonly tickMs?: number;
  /** The shortest spacing of tag batches (ms). Default `GATEWAY_MIN_GAP_MS`; `tickMs` or more: a fixed tick. */
  readonly minGapMs?: number;
  /** How often every connected session is checked for idle / absolute expiry (ms). Default 1000. */
  readonly sessionCheckMs?: number;
  /** Largest message a client may send (bytes). Default 32 kB: a 500-tag subscribe of 60-character names. */
  readonly maxHttpBufferSize?: number;
}

export interface SocketGateway {
  readonly io: GatewayServer;
  /** Counters for tests and benches. */
  stats(): GatewayStats;
  /** Stops pushing, closes every socket (clients see a transport close and reconnect later); the HTTP server stays the caller's. */
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

/**
 * The realtime gateway (socket.io): authenticated handshakes, per-event authorisation, tag deltas batched
 * per tick for each subscription, state pushes when they change, session expiry.
 *
 * - Handshake (`socket-handshake.ts`): Origin must match Host; the session comes from the `cookie` header
 *   (no touch). Refused → `connect_error` "SCADA_ERR_AUTH_REQUIRED: <reason>" (`err.data` = { code, message }).
 * - Events (`socket-event-dispatch.ts`): the session is checked first; `subscribe` and `operate` only, each
 *   with one argument and an ack; everything else refused and counted, never audited.
 * - Tags (`socket-tag-push.ts`): at most one batch per tick per subscription group, sent as soon as the
 *   tick allows (an isolated change goes out at once, a stream of changes once per tick).
 * - Pushed state (`socket-state-push.ts`) goes to the rooms `perm:line:read` etc., only when its JSON
 *   changed; on connect the socket gets the current state at once.
 * - Session expiry (`socket-session-expiry.ts`): ended sessions get `session:expired`, then are closed.
 */
export function attachSocketGateway(httpServer: HttpServer, deps: SocketGatewayDeps): SocketGateway {
  const tickMs = Math.max(0, deps.tickMs ?? GATEWAY_TICK_MS);
  const scheduler = deps.scheduler ?? realSocketScheduler;
  const log = deps.logger;
  let closed = false;

  const connections = new SocketConnections();
  const metrics = new SocketMetrics(deps.registry, () => connections.size);
  const io: GatewayServer = new Server(httpServer, {
    serveClient: false,
    maxHttpBufferSize: deps.maxHttpBufferSize ?? 32 * 1024,
    // No CORS headers: same origin only.
    allowRequest: sameOriginRequests(() => closed, metrics),
  });
  const minGapMs = Math.max(0, deps.minGapMs ?? GATEWAY_MIN_GAP_MS);
  const tagPush = new SocketTagPush({ tags: deps.tags, outlet: socketTagOutlet(io, connections), scheduler, clock: deps.clock ?? systemClock, tickMs, minGapMs, metrics });
  const statePush = new SocketStatePush(io, deps.state, log, scheduler, Math.max(10, tickMs));
  const sessions = new SocketSessionExpiry({
    auth: deps.auth,
    connections,
    logger: log,
    scheduler,
    checkMs: deps.sessionCheckMs ?? 1000,
    applyRole: (socket, session) => applySocketRole(socket, session, tagPush),
  });
  const dispatch = socketEventDispatch({ sessions, tags: tagPush, operations: deps.operations, metrics, logger: log });

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
      tagPush.unsubscribe(socket.id);
    });
    socket.onAny((event: unknown, ...args: unknown[]) => dispatch(socket, event, args));
    applySocketRole(socket, socket.data.view, tagPush);
    statePush.sendCurrent(socket);
  });

  return {
    io,
    stats: () => ({ connected: connections.size, ...metrics.counts, groups: tagPush.groups() }),
    async close() {
      if (closed) return;
      closed = true;
      statePush.close();
      sessions.close();
      tagPush.close();
      metrics.unregister();
      // Closing the engine closes every transport: clients see "transport close" and reconnect later.
      io.engine.close();
      for (const socket of connections.all()) socket.disconnect(true);
    },
  };
}
