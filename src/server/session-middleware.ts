import type { Request, RequestHandler } from "express";
import type { SessionCheck, SessionPort, SessionView } from "../auth/session-port.js";

/** The session check of each request, set by the session middleware (a WeakMap: nothing added to express's types). */
const checks = new WeakMap<Request, SessionCheck>();

/** The request's client address (the socket's peer; no proxy headers are trusted). */
export function clientAddress(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? "unknown";
}

/**
 * Reads the session cookie of every request through the SessionPort and remembers the result for the access
 * policy, the routes and `requestActor`. Every request of a live session counts as activity (extends the
 * idle timeout) except `GET /api/me`, which the HMI may poll to show the session's state.
 */
export function sessionMiddleware(sessions: Pick<SessionPort, "sessionFromCookie">): RequestHandler {
  return (req, _res, next) => {
    const touch = !(req.method === "GET" && req.path === "/api/me");
    checks.set(req, sessions.sessionFromCookie(req.headers.cookie, clientAddress(req), touch));
    next();
  };
}

/** The live session of the request, or undefined (no cookie, ended, timed out, user disabled). */
export function requestSession(req: Request): SessionView | undefined {
  const c = checks.get(req);
  return c?.ok ? c.session : undefined;
}

/** Why the request has no live session (for the 401's message), or null when it has one. */
export function noSessionReason(req: Request): string | null {
  const c = checks.get(req);
  if (!c) return "no session";
  return c.ok ? null : c.reason;
}
