import type { SessionCheck, SessionPort, SessionView } from "../auth/session-port.js";
import type { Logger } from "../core/logger.js";
import type { SocketConnections } from "./socket-connections.js";
import type { GatewaySocket } from "./socket-data.js";
import type { Cancel, SocketScheduler } from "./socket-scheduler.js";

export interface SocketSessionExpiryDeps {
  readonly auth: SessionPort;
  readonly connections: SocketConnections;
  readonly logger: Logger;
  readonly scheduler: SocketScheduler;
  /** How often every connected session is checked for idle / absolute expiry (ms). */
  readonly checkMs: number;
  /** The session is alive with another role than its sockets have: apply it to this socket. */
  readonly applyRole: (socket: GatewaySocket, session: SessionView) => void;
}

/**
 * Ends the sockets of ended sessions: told by the auth service (logout, user disabled …), found by the
 * periodic check (idle, absolute lifetime), or found by the check before each event. An ended session's
 * sockets get `session:expired` with the reason, then are closed. A role change seen by a check is applied.
 */
export class SocketSessionExpiry {
  private readonly offEnded: () => void;
  private readonly stopCheck: Cancel;

  constructor(private readonly deps: SocketSessionExpiryDeps) {
    this.offEnded = deps.auth.onSessionEnded((sessionId, reason) => this.expire(sessionId, reason));
    this.stopCheck = deps.scheduler.every(deps.checkMs, () => {
      for (const socket of deps.connections.oneOfEachSession()) this.live(socket);
    });
  }

  /** The session behind a socket if it is still alive; an ended one expires its sockets. */
  live(socket: GatewaySocket): SessionView | undefined {
    let r: SessionCheck;
    try {
      r = this.deps.auth.check(socket.data.sessionId);
    } catch (err) {
      this.deps.logger.error({ err }, "session check failed");
      r = { ok: false, reason: "session check failed" };
    }
    if (r.ok) {
      if (r.session.actor.role !== socket.data.actor.role) {
        for (const s of this.deps.connections.ofSession(socket.data.sessionId)) this.deps.applyRole(s, r.session);
      }
      return r.session;
    }
    this.expire(socket.data.sessionId, r.reason);
    return undefined;
  }

  /** User activity over the socket: extends the idle timeout. */
  touch(socket: GatewaySocket): void {
    try {
      this.deps.auth.touch(socket.data.sessionId);
    } catch (err) {
      this.deps.logger.error({ err }, "session touch failed");
    }
  }

  /** The session is over: tell the session's sockets why, then close them. */
  expire(sessionId: string, reason: string): void {
    for (const socket of this.deps.connections.ofSession(sessionId)) {
      socket.emit("session:expired", { reason });
      socket.disconnect(true);
    }
  }

  close(): void {
    this.stopCheck();
    this.offEnded();
  }
}
