import { z } from "zod";
import type { Actor } from "../auth/actor.js";
import { roleCan } from "../auth/permissions.js";
import type { SessionView } from "../auth/session-port.js";
import type { ErrorCode } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { OperationRunner } from "./operation-port.js";
import type { Ack } from "./socket-contract.js";
import type { GatewaySocket } from "./socket-data.js";
import type { SocketMetrics } from "./socket-metrics.js";
import type { SocketSessionExpiry } from "./socket-session-expiry.js";
import type { TagSubscriptions } from "./tag-subscriptions.js";

export const MAX_SUBSCRIBED_TAGS = 500;
const MAX_TAG_NAME = 200;
/** Operations one socket may have in flight (a stuck runner or a flood cannot pile up work). */
const MAX_IN_FLIGHT = 16;

const subscribeSchema = z.array(z.string().min(1).max(MAX_TAG_NAME)).max(MAX_SUBSCRIBED_TAGS);

export interface SocketEventDispatchDeps {
  readonly sessions: Pick<SocketSessionExpiry, "live" | "touch">;
  /** The tag push (answers at once), or the line's process through the cluster adapter (answers later). */
  readonly tags: Pick<TagSubscriptions, "subscribe">;
  readonly operations: OperationRunner;
  readonly metrics: Pick<SocketMetrics, "refusedEvent">;
  readonly logger: Logger;
}

/** One event being answered: its ack (if the client asked for one) and how to refuse it. */
interface Reply {
  (r: Ack): void;
  refuse(reason: string, code: ErrorCode, message: string): void;
}

function fail(code: ErrorCode, message: string): Ack {
  return { ok: false, error: { code, message } };
}

/** A client-chosen string, made safe to echo in a message. */
function printable(x: unknown): string {
  const s = typeof x === "string" ? x : typeof x === "number" ? String(x) : typeof x;
  return s.length > 64 ? `${s.slice(0, 64)}…` : s;
}

/**
 * Answers every client event (register with `socket.onAny`).
 *
 * - The session is checked first (ended → `session:expired`, disconnect); a well-formed `subscribe` /
 *   `operate` then extends the idle timeout (`touch`). Junk does not keep a session alive.
 * - Unknown events, wrong argument counts or types, a missing ack: refused with an ack error when the
 *   client asked for an ack, else dropped; counted in `scada_socket_events_refused_total{reason}`. They are
 *   not sent to the operation runner (so not audited): they are protocol errors, not operations, and a
 *   stuck or hostile tab must not be able to flood the audit trail with them.
 * - `operate` goes to the operation runner (permission, input, signature, audit); `operate` and a
 *   `subscribe` answered later (a web process asks the line's process) count towards at most
 *   `MAX_IN_FLIGHT` requests in flight per socket.
 */
export function socketEventDispatch(deps: SocketEventDispatchDeps): (socket: GatewaySocket, event: unknown, args: unknown[]) => void {
  return (socket, event, args) => {
    try {
      onEvent(deps, socket, event, args);
    } catch (err) {
      // Never reached by design; a bug here must not take the process down.
      deps.metrics.refusedEvent("internal");
      deps.logger.error({ err, event: printable(event) }, "socket event handler failed");
    }
  };
}

function onEvent(deps: SocketEventDispatchDeps, socket: GatewaySocket, event: unknown, args: unknown[]): void {
  const last = args[args.length - 1];
  const ack = typeof last === "function" ? (last as (r: Ack) => void) : undefined;
  if (ack) args.pop();
  const reply = replyTo(deps, ack);
  if (!socket.connected) return;
  const session = deps.sessions.live(socket);
  if (!session) {
    reply.refuse("session-ended", "SCADA_ERR_AUTH_REQUIRED", "the session has ended");
    return;
  }
  if (event !== "subscribe" && event !== "operate") {
    reply.refuse("unknown-event", "SCADA_ERR_SOCKET_BAD_EVENT", `unknown event '${printable(event)}'`);
    return;
  }
  if (!ack) {
    deps.metrics.refusedEvent("no-ack");
    return;
  }
  if (args.length !== 1) {
    reply.refuse("malformed", "SCADA_ERR_SOCKET_BAD_EVENT", `${event} takes one argument and an acknowledgement, got ${args.length} argument(s)`);
    return;
  }
  (event === "subscribe" ? onSubscribe : onOperate)(deps, socket, session, args[0], reply);
}

function replyTo(deps: SocketEventDispatchDeps, ack: ((r: Ack) => void) | undefined): Reply {
  const reply = (r: Ack): void => {
    if (!ack) return;
    try {
      ack(r);
    } catch (err) {
      deps.logger.warn({ err }, "socket ack failed");
    }
  };
  return Object.assign(reply, {
    refuse(reason: string, code: ErrorCode, message: string): void {
      deps.metrics.refusedEvent(reason);
      reply(fail(code, message));
    },
  });
}

function onSubscribe(deps: SocketEventDispatchDeps, socket: GatewaySocket, session: SessionView, payload: unknown, reply: Reply): void {
  const role = session.actor.role;
  if (!roleCan(role, "tags:read")) {
    reply.refuse("forbidden", "SCADA_ERR_AUTH_FORBIDDEN", `subscribe needs permission 'tags:read', which role '${role}' does not have`);
    return;
  }
  const parsed = subscribeSchema.safeParse(payload);
  if (!parsed.success) {
    const why = Array.isArray(payload)
      ? payload.length > MAX_SUBSCRIBED_TAGS
        ? `at most ${MAX_SUBSCRIBED_TAGS} tags per subscription, got ${payload.length}`
        : `every tag name must be a string of 1..${MAX_TAG_NAME} characters`
      : `subscribe takes an array of tag names, got ${payload === null ? "null" : typeof payload}`;
    reply.refuse("malformed", "SCADA_ERR_SOCKET_BAD_EVENT", why);
    return;
  }
  if (socket.data.inFlight >= MAX_IN_FLIGHT) {
    reply.refuse("busy", "SCADA_ERR_SOCKET_BUSY", `at most ${MAX_IN_FLIGHT} requests in flight per connection`);
    return;
  }
  deps.sessions.touch(socket);
  const result = deps.tags.subscribe(socket.id, parsed.data);
  if (!(result instanceof Promise)) {
    reply({ ok: true, result });
    return;
  }
  answerLater(deps, socket, result, reply);
}

/** Replies with what `pending` brings, counted in flight meanwhile (a rejection is a bug of ours: logged, answered as internal). */
function answerLater(deps: SocketEventDispatchDeps, socket: GatewaySocket, pending: Promise<Ack>, reply: Reply): void {
  socket.data.inFlight++;
  pending.then(
    (r) => {
      socket.data.inFlight--;
      reply(r);
    },
    (err: unknown) => {
      socket.data.inFlight--;
      deps.logger.error({ err }, "socket request handler threw (it must not)");
      reply(fail("SCADA_ERR_SERVER_INTERNAL", "the request failed inside the server"));
    },
  );
}

function onOperate(deps: SocketEventDispatchDeps, socket: GatewaySocket, session: SessionView, payload: unknown, reply: Reply): void {
  if (socket.data.inFlight >= MAX_IN_FLIGHT) {
    reply.refuse("busy", "SCADA_ERR_SOCKET_BUSY", `at most ${MAX_IN_FLIGHT} operations in flight per connection`);
    return;
  }
  // The runner checks permission, input and signature, and audits.
  deps.sessions.touch(socket);
  const actor: Actor = { ...session.actor, address: socket.data.address };
  let pending: Promise<Ack>;
  try {
    pending = deps.operations.run(actor, "socket", payload);
  } catch (err) {
    pending = Promise.reject(err);
  }
  answerLater(deps, socket, pending, reply);
}
