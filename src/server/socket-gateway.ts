import type { Server as HttpServer } from "node:http";
import type { Registry } from "prom-client";
import type { ServerOptions } from "socket.io";
import type { SessionPort } from "../auth/session-port.js";
import { type Clock, systemClock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { OperationRunner } from "./operation-port.js";
import { RemoteSocketBook } from "./remote-socket-book.js";
import { attachClusterRuntime } from "./socket-cluster-runtime.js";
import type { GatewayServer } from "./socket-data.js";
import { type SocketScheduler, realSocketScheduler } from "./socket-scheduler.js";
import { type GatewayStats, attachSocketServer } from "./socket-server.js";
import { type GatewayStateSources, SocketStatePush } from "./socket-state-push.js";
import { SocketFanout } from "./socket-fanout.js";
import { socketTagOutlet } from "./socket-tag-outlet.js";
import { type GatewayTagSource, SocketTagPush } from "./socket-tag-push.js";

export type { GatewayStats } from "./socket-server.js";

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
  /**
   * The cluster adapter (the Redis streams adapter, SCADA_REDIS_URL): every emit to a room also reaches the
   * sockets of the line's web processes (`htr-scada web`), whose requests this gateway answers
   * (`socket-cluster-runtime.ts`). Absent: this process's sockets only.
   */
  readonly cluster?: { readonly adapter: NonNullable<ServerOptions["adapter"]> };
}

export interface SocketGateway {
  readonly io: GatewayServer;
  /** Counters for tests and benches. */
  stats(): GatewayStats;
  /** Stops pushing, closes every socket (clients see a transport close and reconnect later); the HTTP server stays the caller's. */
  close(): Promise<void>;
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
 * - Cluster (`deps.cluster`): the same rooms reach the sockets of the line's web processes through the
 *   adapter; their subscribe / operate / first state come in as cluster messages (`socket-cluster-runtime.ts`).
 *
 * The handshake, dispatch, rooms and expiry are `attachSocketServer`'s (`socket-server.ts`), shared with
 * the web process's gateway (`socket-web-gateway.ts`).
 */
export function attachSocketGateway(httpServer: HttpServer, deps: SocketGatewayDeps): SocketGateway {
  const tickMs = Math.max(0, deps.tickMs ?? GATEWAY_TICK_MS);
  const minGapMs = Math.max(0, deps.minGapMs ?? GATEWAY_MIN_GAP_MS);
  const scheduler = deps.scheduler ?? realSocketScheduler;
  const clock = deps.clock ?? systemClock;
  const log = deps.logger;
  // The sockets of the line's web processes (cluster only).
  const remote = deps.cluster ? new RemoteSocketBook() : undefined;
  let closeCluster = (): void => undefined;
  const server = attachSocketServer(
    httpServer,
    {
      auth: deps.auth,
      logger: log,
      ...(deps.registry ? { registry: deps.registry } : {}),
      scheduler,
      sessionCheckMs: deps.sessionCheckMs ?? 1000,
      maxHttpBufferSize: deps.maxHttpBufferSize ?? 32 * 1024,
      ...(deps.cluster ? { adapter: deps.cluster.adapter } : {}),
    },
    ({ io, connections, metrics }) => {
      // Pushes to the local sockets, in order, FANOUT_CHUNK sockets per macrotask: one queue for the tag batches
      // and one for the states, so that a tag batch never waits behind a state push (their orders are independent).
      const tagFanout = new SocketFanout(io, scheduler, remote !== undefined);
      const stateFanout = new SocketFanout(io, scheduler, remote !== undefined);
      const tagPush = new SocketTagPush({ tags: deps.tags, outlet: socketTagOutlet(io, connections, tagFanout, remote), scheduler, clock, tickMs, minGapMs, metrics });
      const local = (room: string): boolean => (io.sockets.adapter.rooms.get(room)?.size ?? 0) > 0;
      // With web processes, a state goes out while any of their sockets is there (their rooms are theirs to know).
      const hasMembers = remote ? (room: string) => local(room) || remote.size > 0 : local;
      const statePush = new SocketStatePush(io, deps.state, log, scheduler, Math.max(10, tickMs), hasMembers, stateFanout);
      if (remote) {
        closeCluster = attachClusterRuntime({ io, book: remote, auth: deps.auth, operations: deps.operations, tags: tagPush, state: statePush, scheduler, logger: log }).close;
      }
      return {
        subscriptions: tagPush,
        operations: deps.operations,
        welcome: (socket) => statePush.sendCurrent(socket),
        groups: () => tagPush.groups(),
        close() {
          closeCluster();
          statePush.close();
          tagPush.close();
          tagFanout.close();
          stateFanout.close();
        },
      };
    },
  );
  return server;
}
