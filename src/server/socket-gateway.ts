import type { IncomingMessage, Server as HttpServer } from "node:http";
import { performance } from "node:perf_hooks";
import { type Registry, Counter, Gauge } from "prom-client";
import { Server, type Socket } from "socket.io";
import { z } from "zod";
import type { Actor } from "../auth/actor.js";
import { type Permission, roleCan } from "../auth/permissions.js";
import type { SessionCheck, SessionPort, SessionView } from "../auth/session-port.js";
import { type Clock, systemClock } from "../core/clock.js";
import type { ErrorCode } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { TagChangeListener, TagEntry } from "../tags/tag-table.js";
import type { OperationRunner } from "./operation-port.js";
import type { Ack, ClientToServerEvents, ServerToClientEvents, SessionInfo } from "./socket-contract.js";
import { TagDeltaBatcher } from "./tag-delta-batcher.js";

/** What the gateway reads from the tag table (the narrowest capability). */

/** A state whose only change is a running counter is pushed again at most this often. */
const STATE_REFRESH_MS = 1000;
export interface GatewayTagSource {
  onChange(listener: TagChangeListener): () => void;
  get(name: string): TagEntry | undefined;
}

/** The state pushed to the HMI: the same JSON the REST routes return (absent: not pushed). */
export interface GatewayStateSources {
  /** `GET /api/line`. */
  readonly line?: () => unknown;
  /** `GET /api/interlocks`. */
  readonly interlocks?: () => unknown;
  /** `GET /api/alarms`. */
  readonly alarms?: () => unknown;
}

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
  /** At most one tag batch per socket per tick, and the state-push period (ms). Default 100. */
  readonly tickMs?: number;
  /** How often every connected session is checked for idle / absolute expiry (ms). Default 1000. */
  readonly sessionCheckMs?: number;
  /** Largest message a client may send (bytes). Default 32 kB: a 500-tag subscribe of 60-character names. */
  readonly maxHttpBufferSize?: number;
}

export interface SocketGateway {
  readonly io: Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
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

interface SocketData {
  sessionId: string;
  actor: Actor;
  address: string;
  /** The session as last checked. */
  view: SessionView;
  /** Operations started and not yet answered. */
  inFlight: number;
}

type GatewaySocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
type AckFn = (r: Ack) => void;

/** The pushed states and the permission each needs. */
const STATES = [
  { event: "line", permission: "line:read" },
  { event: "interlocks", permission: "interlocks:read" },
  { event: "alarms", permission: "alarms:read" },
] as const satisfies readonly { event: keyof GatewayStateSources; permission: Permission }[];

export const MAX_SUBSCRIBED_TAGS = 500;
const MAX_TAG_NAME = 200;
/** Operations one socket may have in flight (a stuck runner or a flood cannot pile up work). */
const MAX_IN_FLIGHT = 16;

const subscribeSchema = z.array(z.string().min(1).max(MAX_TAG_NAME)).max(MAX_SUBSCRIBED_TAGS);

const permissionRoom = (p: Permission): string => `perm:${p}`;
const sessionRoom = (sessionId: string): string => `session:${sessionId}`;
const tagRoom = (group: number): string => `tags:${group}`;

function fail(code: ErrorCode, message: string): Ack {
  return { ok: false, error: { code, message } };
}

/** A client-chosen string, made safe to echo in a message. */
function printable(x: unknown): string {
  const s = typeof x === "string" ? x : typeof x === "number" ? String(x) : typeof x;
  return s.length > 64 ? `${s.slice(0, 64)}…` : s;
}

/**
 * Same origin only: a browser always sends Origin on a cross-origin request or a WebSocket, so a request
 * with an Origin must name this host; one without (a same-origin polling GET, a non-browser client) passes —
 * the session cookie (SameSite=Strict) is what authenticates it.
 */
export function sameOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return true;
  if (!host) return false;
  try {
    const u = new URL(origin);
    return (u.protocol === "http:" || u.protocol === "https:") && u.host === host.toLowerCase();
  } catch {
    return false;
  }
}

/**
 * The realtime gateway (socket.io): authenticated handshakes, per-event authorisation, tag deltas batched
 * per tick for each subscription, state pushes when they change, session expiry.
 *
 * - Handshake: Origin must match Host; the session comes from the `cookie` header (no touch). Refused →
 *   `connect_error` "SCADA_ERR_AUTH_REQUIRED: <reason>" (`err.data` = { code, message }).
 * - Every event: the session is checked first (ended → `session:expired`, disconnect); a well-formed
 *   `subscribe` / `operate` then extends the idle timeout (`touch`). Junk does not keep a session alive.
 * - Unknown events, wrong argument counts or types, a missing ack: refused with an ack error when the
 *   client asked for an ack, else dropped; counted in `scada_socket_events_refused_total{reason}`. They are
 *   not sent to the operation runner (so not audited): they are protocol errors, not operations, and a
 *   stuck or hostile tab must not be able to flood the audit trail with them.
 * - Tags: a change marks the tag (only if someone subscribes to it); at most one batch per tick per
 *   subscription group, sent as soon as the tick allows (an isolated change goes out at once, a stream
 *   of changes once per tick).
 * - Pushed state goes to the rooms `perm:line:read` etc., only when its JSON changed; on connect the
 *   socket gets the current state at once.
 */
export function attachSocketGateway(httpServer: HttpServer, deps: SocketGatewayDeps): SocketGateway {
  const tickMs = Math.max(0, deps.tickMs ?? 100);
  const clock = deps.clock ?? systemClock;
  const log = deps.logger;
  let closed = false;

  const counts = { refusedHandshakes: 0, refusedEvents: 0, batchesSent: 0, emits: 0 };
  const metrics = deps.registry ? createGatewayMetrics(deps.registry, () => sockets.size) : undefined;
  const refuseHandshake = (reason: string): void => {
    counts.refusedHandshakes++;
    metrics?.refusedHandshakes.inc({ reason });
  };
  const refuseEvent = (reason: string): void => {
    counts.refusedEvents++;
    metrics?.refusedEvents.inc({ reason });
  };

  const io: SocketGateway["io"] = new Server(httpServer, {
    serveClient: false,
    maxHttpBufferSize: deps.maxHttpBufferSize ?? 32 * 1024,
    // No CORS headers: same origin only.
    allowRequest: (req: IncomingMessage, callback) => {
      if (closed) return callback("server shutting down", false);
      if (!sameOrigin(req.headers.origin, req.headers.host)) {
        refuseHandshake("origin");
        return callback("cross-origin request refused", false);
      }
      callback(null, true);
    },
  });

  const batcher = new TagDeltaBatcher((name) => deps.tags.get(name)?.value);
  /** Live sockets by id, and by session. */
  const sockets = new Map<string, GatewaySocket>();
  const bySession = new Map<string, Set<GatewaySocket>>();

  // ---- handshake ----
  io.use((socket, next) => {
    let result: SessionCheck;
    try {
      result = deps.auth.sessionFromCookie(socket.handshake.headers.cookie, socket.handshake.address, false);
    } catch (err) {
      log.error({ err }, "session lookup failed during a socket handshake");
      result = { ok: false, reason: "session lookup failed" };
    }
    if (!result.ok) {
      refuseHandshake("auth");
      const message = `SCADA_ERR_AUTH_REQUIRED: ${result.reason}`;
      next(Object.assign(new Error(message), { data: { code: "SCADA_ERR_AUTH_REQUIRED", message: result.reason } }));
      return;
    }
    const s = result.session;
    socket.data = {
      sessionId: s.actor.sessionId,
      actor: { ...s.actor, address: socket.handshake.address },
      address: socket.handshake.address,
      view: s,
      inFlight: 0,
    };
    next();
  });

  io.on("connection", (socket) => {
    if (closed) {
      socket.disconnect(true);
      return;
    }
    sockets.set(socket.id, socket);
    let set = bySession.get(socket.data.sessionId);
    if (!set) bySession.set(socket.data.sessionId, (set = new Set()));
    set.add(socket);
    void socket.join(sessionRoom(socket.data.sessionId));
    socket.on("disconnect", () => {
      sockets.delete(socket.id);
      const s = bySession.get(socket.data.sessionId);
      s?.delete(socket);
      if (s?.size === 0) bySession.delete(socket.data.sessionId);
      batcher.remove(socket.id);
    });
    socket.onAny((event: unknown, ...args: unknown[]) => {
      try {
        onEvent(socket, event, args);
      } catch (err) {
        // Never reached by design; a bug here must not take the process down.
        refuseEvent("internal");
        log.error({ err, event: printable(event) }, "socket event handler failed");
      }
    });
    applyRole(socket, socket.data.view);
    for (const { event, permission } of STATES) {
      const source = deps.state[event];
      if (source && roleCan(socket.data.actor.role, permission)) {
        const value = readState(event, source);
        if (value !== undefined) socket.emit(event, value as never);
      }
    }
  });

  /** Joins the rooms of the socket's role and tells the client what it may do. */
  function applyRole(socket: GatewaySocket, session: SessionView): void {
    socket.data.actor = { ...session.actor, address: socket.data.address };
    socket.data.view = session;
    const role = socket.data.actor.role;
    for (const { permission } of STATES) {
      if (roleCan(role, permission)) void socket.join(permissionRoom(permission));
      else void socket.leave(permissionRoom(permission));
    }
    if (!roleCan(role, "tags:read")) {
      const left = batcher.remove(socket.id);
      if (left !== null) void socket.leave(tagRoom(left));
    }
    socket.emit("session", sessionInfo(session));
  }

  function sessionInfo(v: SessionView): SessionInfo {
    return { user: v.actor.user, role: v.actor.role, permissions: [...v.permissions], expiresAt: v.expiresAt, idleTimeoutMs: v.idleTimeoutMs };
  }

  /** The session is over: tell the session's sockets why, then close them. */
  function expireSession(sessionId: string, reason: string): void {
    const set = bySession.get(sessionId);
    if (!set) return;
    for (const socket of [...set]) {
      socket.emit("session:expired", { reason });
      socket.disconnect(true);
    }
  }

  /** Checks the session behind an event; an ended one expires its sockets. */
  function liveSession(socket: GatewaySocket): SessionView | undefined {
    let r: SessionCheck;
    try {
      r = deps.auth.check(socket.data.sessionId);
    } catch (err) {
      log.error({ err }, "session check failed");
      r = { ok: false, reason: "session check failed" };
    }
    if (r.ok) {
      if (r.session.actor.role !== socket.data.actor.role) {
        for (const s of bySession.get(socket.data.sessionId) ?? []) applyRole(s, r.session);
      }
      return r.session;
    }
    expireSession(socket.data.sessionId, r.reason);
    return undefined;
  }

  function onEvent(socket: GatewaySocket, event: unknown, args: unknown[]): void {
    const last = args[args.length - 1];
    const ack: AckFn | undefined = typeof last === "function" ? (last as AckFn) : undefined;
    if (ack) args.pop();
    const reply = (r: Ack): void => {
      if (!ack) return;
      try {
        ack(r);
      } catch (err) {
        log.warn({ err }, "socket ack failed");
      }
    };
    const refuse = (reason: string, code: ErrorCode, message: string): void => {
      refuseEvent(reason);
      reply(fail(code, message));
    };

    if (!socket.connected) return;
    const session = liveSession(socket);
    if (!session) {
      refuseEvent("session-ended");
      reply(fail("SCADA_ERR_AUTH_REQUIRED", "the session has ended"));
      return;
    }
    if (event !== "subscribe" && event !== "operate") {
      refuse("unknown-event", "SCADA_ERR_SOCKET_BAD_EVENT", `unknown event '${printable(event)}'`);
      return;
    }
    if (!ack) {
      refuseEvent("no-ack");
      return;
    }
    if (args.length !== 1) {
      refuse("malformed", "SCADA_ERR_SOCKET_BAD_EVENT", `${event} takes one argument and an acknowledgement, got ${args.length} argument(s)`);
      return;
    }
    const payload = args[0];
    const role = session.actor.role;
    if (event === "subscribe") {
      if (!roleCan(role, "tags:read")) {
        refuse("forbidden", "SCADA_ERR_AUTH_FORBIDDEN", `subscribe needs permission 'tags:read', which role '${role}' does not have`);
        return;
      }
      const parsed = subscribeSchema.safeParse(payload);
      if (!parsed.success) {
        const why = Array.isArray(payload)
          ? payload.length > MAX_SUBSCRIBED_TAGS
            ? `at most ${MAX_SUBSCRIBED_TAGS} tags per subscription, got ${payload.length}`
            : `every tag name must be a string of 1..${MAX_TAG_NAME} characters`
          : `subscribe takes an array of tag names, got ${payload === null ? "null" : typeof payload}`;
        refuse("malformed", "SCADA_ERR_SOCKET_BAD_EVENT", why);
        return;
      }
      touch(socket);
      const known: string[] = [];
      const unknown: string[] = [];
      for (const name of new Set(parsed.data)) (deps.tags.get(name) ? known : unknown).push(name);
      const move = batcher.subscribe(socket.id, known);
      if (move.previous !== move.group) {
        if (move.previous !== null) void socket.leave(tagRoom(move.previous));
        if (move.group !== null) void socket.join(tagRoom(move.group));
      }
      reply({ ok: true, result: { subscribed: known, unknown } });
      scheduleFlush();
      return;
    }
    // operate: the runner checks permission, input and signature, and audits.
    if (socket.data.inFlight >= MAX_IN_FLIGHT) {
      refuse("busy", "SCADA_ERR_SOCKET_BUSY", `at most ${MAX_IN_FLIGHT} operations in flight per connection`);
      return;
    }
    touch(socket);
    socket.data.inFlight++;
    const actor: Actor = { ...session.actor, address: socket.data.address };
    let pending: Promise<Ack>;
    try {
      pending = deps.operations.run(actor, "socket", payload);
    } catch (err) {
      pending = Promise.reject(err);
    }
    pending.then(
      (r) => {
        socket.data.inFlight--;
        reply(r);
      },
      (err: unknown) => {
        socket.data.inFlight--;
        log.error({ err }, "operation runner threw (it must not)");
        reply(fail("SCADA_ERR_SERVER_INTERNAL", "the operation failed inside the server"));
      },
    );
  }

  function touch(socket: GatewaySocket): void {
    try {
      deps.auth.touch(socket.data.sessionId);
    } catch (err) {
      log.error({ err }, "session touch failed");
    }
  }

  // ---- tags ----
  let flushTimer: { cancel(): void } | undefined;
  let lastFlush = -Infinity;
  function scheduleFlush(): void {
    if (flushTimer || closed) return;
    const wait = lastFlush + tickMs - performance.now();
    if (wait <= 0) {
      const h = setImmediate(flush);
      flushTimer = { cancel: () => clearImmediate(h) };
    } else {
      const h = setTimeout(flush, wait);
      flushTimer = { cancel: () => clearTimeout(h) };
    }
  }
  function flush(): void {
    flushTimer = undefined;
    if (closed) return;
    lastFlush = performance.now();
    const out = batcher.drain(clock.now());
    let delivered = 0;
    for (const g of out.groups) {
      const room = tagRoom(g.group);
      const members = io.sockets.adapter.rooms.get(room)?.size ?? 0;
      if (g.except.length > 0) io.to(room).except([...g.except]).emit("tags", g.batch);
      else io.to(room).emit("tags", g.batch);
      counts.emits++;
      delivered += Math.max(0, members - g.except.length);
    }
    for (const p of out.personal) {
      const socket = sockets.get(p.subscriber);
      if (!socket) continue;
      socket.emit("tags", p.batch);
      counts.emits++;
      delivered++;
    }
    counts.batchesSent += delivered;
    if (delivered > 0) metrics?.batches.inc(delivered);
  }
  const offChange = deps.tags.onChange((c) => {
    if (batcher.noteChange(c.name, c.current)) scheduleFlush();
  });

  // ---- state pushes ----
  const lastState = new Map<string, string>();
  const lastStatePush = new Map<string, number>();
  function readState(event: string, source: () => unknown): unknown {
    try {
      return source();
    } catch (err) {
      log.warn({ err, state: event }, "state source failed; nothing pushed");
      return undefined;
    }
  }
  function pushStates(): void {
    for (const { event, permission } of STATES) {
      const source = deps.state[event];
      if (!source) continue;
      const room = permissionRoom(permission);
      if (!io.sockets.adapter.rooms.get(room)?.size) continue;
      const value = readState(event, source);
      if (value === undefined) continue;
      // Counters that run on their own (time in state) do not count as a change; they are refreshed once a second.
      const json = JSON.stringify(value, (key, v: unknown) => (key === "timeInStateMs" ? undefined : v));
      const now = performance.now();
      if (json === lastState.get(event) && now - (lastStatePush.get(event) ?? 0) < STATE_REFRESH_MS) continue;
      lastState.set(event, json);
      lastStatePush.set(event, now);
      io.to(room).emit(event, value as never);
    }
  }
  const stateTimer = setInterval(pushStates, Math.max(10, tickMs));

  // ---- session expiry ----
  const offEnded = deps.auth.onSessionEnded((sessionId, reason) => expireSession(sessionId, reason));
  const checkTimer = setInterval(() => {
    for (const [sessionId, set] of [...bySession]) {
      const first = set.values().next().value;
      if (first) liveSession(first);
      else bySession.delete(sessionId);
    }
  }, deps.sessionCheckMs ?? 1000);

  return {
    io,
    stats: () => ({ connected: sockets.size, ...counts, groups: batcher.stats().groups }),
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(stateTimer);
      clearInterval(checkTimer);
      flushTimer?.cancel();
      flushTimer = undefined;
      offChange();
      offEnded();
      metrics?.unregister();
      // Closing the engine closes every transport: clients see "transport close" and reconnect later.
      io.engine.close();
      for (const socket of [...sockets.values()]) socket.disconnect(true);
    },
  };
}

interface GatewayMetrics {
  readonly refusedHandshakes: Counter<"reason">;
  readonly refusedEvents: Counter<"reason">;
  readonly batches: Counter;
  unregister(): void;
}

function createGatewayMetrics(registry: Registry, connected: () => number): GatewayMetrics {
  const names = ["scada_socket_connected", "scada_socket_handshakes_refused_total", "scada_socket_events_refused_total", "scada_socket_tag_batches_total"];
  new Gauge({
    name: names[0]!,
    help: "Sockets connected to the realtime gateway",
    registers: [registry],
    collect() {
      this.set(connected());
    },
  });
  return {
    refusedHandshakes: new Counter({
      name: names[1]!,
      help: "Socket handshakes refused (reason: origin, auth)",
      labelNames: ["reason"] as const,
      registers: [registry],
    }),
    refusedEvents: new Counter({
      name: names[2]!,
      help: "Socket events refused (reason: unknown-event, malformed, no-ack, forbidden, busy, session-ended)",
      labelNames: ["reason"] as const,
      registers: [registry],
    }),
    batches: new Counter({ name: names[3]!, help: "Tag batches delivered to sockets", registers: [registry] }),
    unregister() {
      for (const n of names) registry.removeSingleMetric(n);
    },
  };
}
