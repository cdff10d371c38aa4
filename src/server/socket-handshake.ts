import type { ExtendedError, ServerOptions } from "socket.io";
import type { SessionCheck, SessionPort } from "../auth/session-port.js";
import type { Logger } from "../core/logger.js";
import type { GatewaySocket } from "./socket-data.js";
import type { SocketMetrics } from "./socket-metrics.js";

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

type AllowRequest = NonNullable<ServerOptions["allowRequest"]>;

/** socket.io's `allowRequest`: nothing once the gateway is closing, and nothing from another origin (no CORS headers). */
export function sameOriginRequests(closed: () => boolean, metrics: SocketMetrics): AllowRequest {
  return (req, callback) => {
    if (closed()) return callback("server shutting down", false);
    if (!sameOrigin(req.headers.origin, req.headers.host)) {
      metrics.refusedHandshake("origin");
      return callback("cross-origin request refused", false);
    }
    callback(null, true);
  };
}

/**
 * The handshake middleware: the session comes from the `cookie` header (no touch: connecting is not user
 * activity) and is kept in `socket.data`. Refused → `connect_error` "SCADA_ERR_AUTH_REQUIRED: <reason>"
 * with `err.data` = { code, message }.
 */
export function sessionHandshake(auth: SessionPort, log: Logger, metrics: SocketMetrics): (socket: GatewaySocket, next: (err?: ExtendedError) => void) => void {
  return (socket, next) => {
    let result: SessionCheck;
    try {
      result = auth.sessionFromCookie(socket.handshake.headers.cookie, socket.handshake.address, false);
    } catch (err) {
      log.error({ err }, "session lookup failed during a socket handshake");
      result = { ok: false, reason: "session lookup failed" };
    }
    if (!result.ok) {
      metrics.refusedHandshake("auth");
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
  };
}
