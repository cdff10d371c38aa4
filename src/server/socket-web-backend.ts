import { randomUUID } from "node:crypto";
import type { ErrorCode } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { OperationRunner } from "./operation-port.js";
import { PendingAnswers, type RuntimeAnswer } from "./pending-answers.js";
import { initialRuntimeLink, nextRuntimeLink, type RuntimeLink } from "./runtime-link.js";
import { ALIVE_MS, type ClusterEvent, type ClusterMessage, answerAck, parseClusterMessage } from "./socket-cluster-contract.js";
import type { Ack } from "./socket-contract.js";
import type { SocketScheduler } from "./socket-scheduler.js";
import type { SocketBackend, SocketBackendContext } from "./socket-server.js";
import type { SubscribeResult } from "./tag-subscriptions.js";

/** How long a web process waits for the line's answer to a subscribe, a hello or an alive (ms). */
export const CLUSTER_REQUEST_TIMEOUT_MS = 5000;
/** … and to an operation (the HMI waits 10 s; a recipe load with its read-back may take seconds). */
export const CLUSTER_OPERATE_TIMEOUT_MS = 9000;

export interface SocketWebBackendDeps {
  readonly scheduler: SocketScheduler;
  readonly logger: Logger;
  /** This web process's name in the cluster messages (default: a random id). */
  readonly node?: string;
}

export interface SocketWebBackend extends SocketBackend {
  readonly node: string;
  /** Whether the line's process answered the last alive. */
  link(): RuntimeLink;
  /** The way to the line dropped (a Redis connection): pushes may be lost, so the next answer reconnects every socket. */
  lost(): void;
}

const unreachable = (what: string): Ack => ({ ok: false, error: { code: "SCADA_ERR_LINE_UNREACHABLE" satisfies ErrorCode, message: `the line's SCADA process did not answer the ${what} in time` } });

/**
 * A web process's backend: what its sockets ask for is forwarded to the line's process
 * (`socket-cluster-runtime.ts`) as cluster messages and answered with the line's answer; what the line
 * pushes comes through the adapter to the rooms its sockets are in. The session is checked here first (by
 * the shared dispatch, against the same database) and again by the line.
 *
 * Every ALIVE_MS it tells the line which sockets it has; after a gap (the line restarted or was out of
 * reach: `runtime-link.ts`, or a Redis connection dropped: `lost()`) it closes its sockets so their clients
 * reconnect and start afresh.
 */
export function socketWebBackend({ io, connections }: SocketBackendContext, deps: SocketWebBackendDeps): SocketWebBackend {
  const node = deps.node ?? randomUUID();
  const log = deps.logger.child({ module: "socket-web" });
  const pending = new PendingAnswers(deps.scheduler);
  let link = initialRuntimeLink;
  let closed = false;

  const send = <E extends ClusterEvent>(event: E, message: ClusterMessage<E>): void => {
    // Straight to the adapter (what io.serverSideEmit does) to catch its promise: with Redis away it rejects.
    const sent = io.of("/").adapter.serverSideEmit([event, message]) as unknown;
    if (sent instanceof Promise) sent.catch((err: unknown) => log.debug({ err, event }, "cluster message not sent"));
  };
  const request = <E extends "scada:hello" | "scada:subscribe" | "scada:operate" | "scada:alive">(
    event: E,
    message: Omit<ClusterMessage<E>, "node" | "id">,
    timeoutMs: number,
  ): Promise<RuntimeAnswer | undefined> => {
    const { id, answer } = pending.open(timeoutMs);
    send(event, { ...message, node, id } as ClusterMessage<E>);
    return answer;
  };
  (io.on as (e: string, l: (m: unknown) => void) => void)("scada:answer", (raw) => {
    const m = parseClusterMessage("scada:answer", raw);
    if (m && m.node === node) pending.settle(m.id, { runtime: m.runtime, body: m.body });
  });
  const ackOf = (a: RuntimeAnswer | undefined, what: string): Ack => (a ? (answerAck(a.body) ?? { ok: false, error: { code: "SCADA_ERR_SERVER_INTERNAL", message: `the line's answer to the ${what} is malformed` } }) : unreachable(what));

  const operations: OperationRunner = {
    run: async (actor, _channel, req) => ackOf(await request("scada:operate", { session: actor.sessionId, address: actor.address, request: req }, CLUSTER_OPERATE_TIMEOUT_MS), "operation"),
  };

  const warnUnreachable = (): void => log.warn("the line's SCADA process does not answer (Redis or the line is away); the HMI here shows nothing new until it does");
  const alive = async (): Promise<void> => {
    const sentAt = link;
    const a = await request("scada:alive", { sockets: connections.all().map((s) => s.id) }, CLUSTER_REQUEST_TIMEOUT_MS);
    if (closed) return;
    const was = link;
    const next = nextRuntimeLink(link, a?.runtime ?? null, sentAt);
    link = next.link;
    if (was.reachable && !link.reachable) warnUnreachable();
    if (next.reconnectAll) {
      const sockets = connections.all();
      if (was.boot !== null || sockets.length > 0) log.info({ sockets: sockets.length, restarted: was.boot !== null && was.boot !== link.boot }, "the line's SCADA process answers again: clients reconnect for a fresh state");
      for (const s of sockets) s.disconnect(true);
    }
  };
  void alive();
  const stopAlive = deps.scheduler.every(ALIVE_MS, () => void alive());

  return {
    node,
    link: () => link,
    lost() {
      const was = link;
      link = nextRuntimeLink(link, null).link;
      if (was.reachable) warnUnreachable();
    },
    subscriptions: {
      subscribe: async (subscriber, names): Promise<Ack<SubscribeResult>> => {
        const session = connections.get(subscriber)?.data.sessionId;
        if (session === undefined) return { ok: false, error: { code: "SCADA_ERR_AUTH_REQUIRED", message: "the socket is gone" } };
        return ackOf(await request("scada:subscribe", { socket: subscriber, session, tags: [...names] }, CLUSTER_REQUEST_TIMEOUT_MS), "subscribe") as Ack<SubscribeResult>;
      },
      unsubscribe: (subscriber) => send("scada:unsubscribe", { node, socket: subscriber }),
    },
    operations,
    welcome(socket) {
      void request("scada:hello", { socket: socket.id, session: socket.data.sessionId }, CLUSTER_REQUEST_TIMEOUT_MS).then((a) => {
        const ack = ackOf(a, "hello");
        if (!ack.ok) log.debug({ socket: socket.id, error: ack.error }, "no first state for a socket (it gets one when the line answers again)");
      });
    },
    groups: () => 0,
    close() {
      closed = true;
      stopAlive();
      // The line forgets this process's sockets at once rather than after its silence.
      send("scada:alive", { node, id: "closing", sockets: [] });
      pending.close();
    },
  };
}
