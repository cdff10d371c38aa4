import type { Actor } from "../auth/actor.js";
import type { Ack } from "./socket-contract.js";

/** How an operation reached the server (kept in the audit record's reason context, not its meaning). */
export type OperationChannel = "rest" | "socket" | "sparkplug";

/**
 * Runs a named operation for an actor: unknown operation, missing permission, malformed input, missing or
 * wrong e-signature and domain refusals all come back as `{ ok: false, error }` with the reason, change
 * nothing, and are recorded in the audit trail exactly as a success is — the same record whether the
 * request came over REST or the socket. Never throws.
 *
 * `request` is untrusted: `{ op: string, input: unknown }` is checked here, not by the caller.
 */
export interface OperationRunner {
  run(actor: Actor, channel: OperationChannel, request: unknown): Promise<Ack>;
}
