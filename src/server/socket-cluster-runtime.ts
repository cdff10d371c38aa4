import { randomUUID } from "node:crypto";
import type { Actor } from "../auth/actor.js";
import { roleCan } from "../auth/permissions.js";
import type { SessionPort, SessionView } from "../auth/session-port.js";
import type { ErrorCode } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { OperationRunner } from "./operation-port.js";
import type { RemoteSocketBook } from "./remote-socket-book.js";
import { ALIVE_MISSES, ALIVE_MS, type ClusterEvent, type ClusterMessage, parseClusterMessage } from "./socket-cluster-contract.js";
import type { Ack } from "./socket-contract.js";
import type { GatewayServer } from "./socket-data.js";
import type { SocketScheduler } from "./socket-scheduler.js";
import type { SocketStatePush } from "./socket-state-push.js";
import type { SocketTagPush } from "./socket-tag-push.js";

export interface ClusterRuntimeDeps {
  readonly io: GatewayServer;
  readonly book: RemoteSocketBook;
  readonly auth: Pick<SessionPort, "check" | "touch">;
  readonly operations: OperationRunner;
  readonly tags: Pick<SocketTagPush, "subscribe" | "unsubscribe">;
  readonly state: Pick<SocketStatePush, "sendCurrentToRemote">;
  readonly scheduler: SocketScheduler;
  readonly logger: Logger;
}

const fail = (code: ErrorCode, message: string): Ack => ({ ok: false, error: { code, message } });

/**
 * The line's process's side of the HMI fan-out: answers the requests its web processes forward
 * (`socket-cluster-contract.ts`) with the same services its own sockets use.
 *
 * - Every request names a session; it is checked here again (`SessionPort.check`, the same database) and
 *   the role used is the one found here, not one the web process claims.
 * - `scada:hello`: the state the role may read, to the socket's id (through the adapter, in order with the
 *   pushes that follow). `scada:subscribe`: the tag push, as for a local socket (`tags:read` checked again);
 *   the socket's group room is joined through the adapter. `scada:operate`: the operation runner —
 *   permission, input, signature, audit record — exactly as for a local socket (channel "socket").
 * - `scada:alive` / silence: sockets a web process no longer has (or a web process silent for
 *   ALIVE_MISSES × ALIVE_MS: killed) have their subscriptions dropped.
 * - Malformed messages are ignored (logged at debug: they come from our own processes or from someone
 *   who can write to Redis, and answering them helps nobody).
 */
export function attachClusterRuntime(deps: ClusterRuntimeDeps): { readonly boot: string; close(): void } {
  const { io, book, scheduler, logger } = deps;
  const boot = randomUUID();
  const log = logger.child({ module: "socket-cluster" });
  const answer = (node: string, id: string, body: Ack): void => {
    // JSON over Redis drops an undefined result: sent as null, so the web process sees a well-formed Ack.
    const sent: Ack = body.ok ? { ok: true, result: body.result ?? null } : body;
    io.serverSideEmit("scada:answer", { node, id, runtime: boot, body: sent });
  };
  const forget = (sockets: readonly string[]): void => {
    for (const s of sockets) deps.tags.unsubscribe(s);
  };
  const session = (sessionId: string): SessionView | string => {
    try {
      const r = deps.auth.check(sessionId);
      return r.ok ? r.session : r.reason;
    } catch (err) {
      log.error({ err }, "session check failed for a web process's request");
      return "session check failed";
    }
  };
  const on = <E extends ClusterEvent>(event: E, handle: (m: ClusterMessage<E>) => void): void => {
    // socket.io types server-side listeners loosely (`...args: any[]`): the message is parsed here.
    (io.on as (e: string, l: (m: unknown) => void) => void)(event, (raw) => {
      const m = parseClusterMessage(event, raw);
      if (!m) {
        log.debug({ event }, "malformed cluster message ignored");
        return;
      }
      try {
        handle(m);
      } catch (err) {
        log.error({ err, event }, "cluster message handler failed");
      }
    });
  };

  on("scada:hello", (m) => {
    const s = session(m.session);
    if (typeof s === "string") return answer(m.node, m.id, fail("SCADA_ERR_AUTH_REQUIRED", s));
    book.add(m.node, m.socket, scheduler.now());
    deps.state.sendCurrentToRemote(s.actor.role, m.socket);
    answer(m.node, m.id, { ok: true, result: null });
  });

  on("scada:subscribe", (m) => {
    const s = session(m.session);
    if (typeof s === "string") return answer(m.node, m.id, fail("SCADA_ERR_AUTH_REQUIRED", s));
    if (!roleCan(s.actor.role, "tags:read")) {
      return answer(m.node, m.id, fail("SCADA_ERR_AUTH_FORBIDDEN", `subscribe needs permission 'tags:read', which role '${s.actor.role}' does not have`));
    }
    book.add(m.node, m.socket, scheduler.now());
    answer(m.node, m.id, { ok: true, result: deps.tags.subscribe(m.socket, m.tags) });
  });

  on("scada:unsubscribe", (m) => {
    book.heardFrom(m.node, scheduler.now());
    if (book.remove(m.socket)) deps.tags.unsubscribe(m.socket);
  });

  on("scada:operate", (m) => {
    const s = session(m.session);
    if (typeof s === "string") return answer(m.node, m.id, fail("SCADA_ERR_AUTH_REQUIRED", s));
    book.heardFrom(m.node, scheduler.now());
    // User activity, recorded here (the web process's sessions are read-only: session-reader.ts).
    deps.auth.touch(m.session);
    const actor: Actor = { ...s.actor, address: m.address };
    let pending: Promise<Ack>;
    try {
      pending = deps.operations.run(actor, "socket", m.request);
    } catch (err) {
      pending = Promise.reject(err);
    }
    pending.then(
      (r) => answer(m.node, m.id, r),
      (err: unknown) => {
        log.error({ err }, "operation runner threw (it must not)");
        answer(m.node, m.id, fail("SCADA_ERR_SERVER_INTERNAL", "the operation failed inside the server"));
      },
    );
  });

  on("scada:alive", (m) => {
    forget(book.reconcile(m.node, m.sockets, scheduler.now()));
    answer(m.node, m.id, { ok: true, result: null });
  });

  const stop = scheduler.every(ALIVE_MS, () => forget(book.expire(scheduler.now(), ALIVE_MS * ALIVE_MISSES)));
  return {
    boot,
    close() {
      stop();
      for (const event of ["scada:hello", "scada:subscribe", "scada:unsubscribe", "scada:operate", "scada:alive"] as const) io.removeAllListeners(event);
    },
  };
}
