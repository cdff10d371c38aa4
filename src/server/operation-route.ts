import type { Request, RequestHandler, Response } from "express";
import type { Actor } from "../auth/actor.js";
import { ERRORS, type ErrorCode, ScadaError } from "../core/errors.js";
import type { OperationRunner } from "./operation-port.js";
import type { OperationName } from "./socket-contract.js";

/** Who is acting on this request (set by the session middleware); undefined when nobody is logged in. */
export type ActorOf = (req: Request, res: Response) => Actor | undefined;

/**
 * Routes that run operations are guarded with `requirePermission(policy, "session")` (a live session and the
 * CSRF token) only: the runner checks the operation's permission itself, so a refusal leaves the same
 * record — the operation's own action, result "refused", the reason — as over the socket.
 *
 * A REST route that runs an operation through the runner — the same checks, the same domain call and the
 * same audit record as the HMI's socket `operate` event. A refusal becomes `{ error: { code, message } }`
 * with the code's status.
 */
export function operationRoute(runner: OperationRunner, actorOf: ActorOf, op: OperationName, inputOf: (req: Request) => unknown, okStatus = 200): RequestHandler {
  return async (req, res) => {
    const actor = actorOf(req, res);
    if (!actor) throw new ScadaError("SCADA_ERR_AUTH_FORBIDDEN", "log in first");
    const ack = await runner.run(actor, "rest", { op, input: inputOf(req) });
    if (ack.ok) {
      res.status(okStatus).json(ack.result ?? { ok: true });
      return;
    }
    const code = (Object.hasOwn(ERRORS, ack.error.code) ? ack.error.code : "SCADA_ERR_SERVER_INTERNAL") as ErrorCode;
    res.status(ERRORS[code].status).json({ error: ack.error });
  };
}

/** The request body as an object to merge route parameters into (a non-object body stays as it is, to be refused). */
export function bodyWith(req: Request, params: Record<string, unknown>): unknown {
  const body: unknown = req.body ?? {};
  if (typeof body !== "object" || body === null || Array.isArray(body)) return body;
  return { ...(body as Record<string, unknown>), ...params };
}

/** What a route file needs to run operations. */
export interface OperationRoutes {
  readonly runner: OperationRunner;
  readonly actorOf: ActorOf;
}
