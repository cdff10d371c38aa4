import { z } from "zod";
import type { Ack } from "./socket-contract.js";

/**
 * The messages between the line's process and its web processes (`htr-scada web`), over the socket.io
 * cluster adapter (`io.serverSideEmit`: every other process of the line receives each one). A web process
 * forwards what needs the runtime; the line's process answers with `scada:answer`, naming the web process
 * (`node`) and its request `id`, and its own boot id (`runtime`: a new one after a restart).
 *
 * Not the adapter's built-in acknowledgement: that one waits a fixed 5 s (an operation such as a recipe
 * load with its read-back may take longer, and the HMI waits 10 s for it) and needs an answer from every
 * other web process as well.
 *
 * Everything that comes in over Redis is parsed here before it is used (it is another process's word).
 */

const id = z.string().min(1).max(100);
const node = id;
const socketId = z.string().min(1).max(64);
const sessionId = z.string().min(1).max(128);

export const clusterMessages = {
  /** A socket connected to a web process: the line sends it the state its role may read (to its socket id). */
  "scada:hello": z.object({ node, id, socket: socketId, session: sessionId }),
  /** A socket's `subscribe` (names checked for shape by the web process, for existence by the line). */
  "scada:subscribe": z.object({ node, id, socket: socketId, session: sessionId, tags: z.array(z.string().min(1).max(200)).max(500) }),
  /** A socket disconnected or lost `tags:read` (no answer). */
  "scada:unsubscribe": z.object({ node, socket: socketId }),
  /** A socket's `operate`: the line's operation runner checks permission, input, signature, and audits. */
  "scada:operate": z.object({ node, id, session: sessionId, address: z.string().max(100), request: z.unknown() }),
  /** Every ALIVE_MS: the web process's live sockets (the line forgets the others' subscriptions). */
  "scada:alive": z.object({ node, id, sockets: z.array(socketId).max(100_000) }),
  /** The line's answer to one request. */
  "scada:answer": z.object({ node, id, runtime: id, body: z.unknown() }),
} as const;

export type ClusterEvent = keyof typeof clusterMessages;
export type ClusterMessage<E extends ClusterEvent> = z.infer<(typeof clusterMessages)[E]>;
/** socket.io's `ServerSideEvents` map of the gateway. */
export type ClusterEvents = { [E in ClusterEvent]: (message: ClusterMessage<E>) => void };

/** How often a web process says which sockets it has; the line forgets a web process silent for ALIVE_MISSES of these. */
export const ALIVE_MS = 2000;
export const ALIVE_MISSES = 3;

const ackSchema = z.union([
  z.object({ ok: z.literal(true), result: z.unknown() }),
  z.object({ ok: z.literal(false), error: z.object({ code: z.string().max(100), message: z.string().max(10_000) }) }),
]);

/** An answer's body as an Ack, or undefined when it is not one. */
export function answerAck(body: unknown): Ack | undefined {
  const r = ackSchema.safeParse(body);
  return r.success ? (r.data as Ack) : undefined;
}

/** Parses a cluster message; undefined when it is malformed. */
export function parseClusterMessage<E extends ClusterEvent>(event: E, message: unknown): ClusterMessage<E> | undefined {
  const r = clusterMessages[event].safeParse(message);
  return r.success ? (r.data as ClusterMessage<E>) : undefined;
}
