import type { Request } from "express";
import type { Actor } from "../auth/actor.js";
import { actorName } from "../auth/actor.js";
import { requestSession } from "./session-middleware.js";

/**
 * Who is acting, for the records the domains keep: the logged-in user as `user (role)`. Routes that change
 * something are behind the session gate, so the fallback (`unauthenticated@address`) names only requests
 * that should never have got that far.
 */
export function requestActor(req: Request): string {
  const actor = requestActorOf(req);
  return actor ? actorName(actor) : `unauthenticated@${req.ip ?? "unknown"}`;
}

/** The logged-in actor of a request, or undefined. */
export function requestActorOf(req: Request): Actor | undefined {
  return requestSession(req)?.actor;
}
