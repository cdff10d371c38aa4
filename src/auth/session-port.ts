import type { Actor } from "./actor.js";
import type { Role } from "./permissions.js";

/** The session cookie's name (httpOnly, SameSite=Strict, Path=/). */
export const SESSION_COOKIE = "htr_session";
/** The header a state-changing REST request carries its session's CSRF token in. */
export const CSRF_HEADER = "x-csrf-token";

export interface SessionView {
  readonly actor: Actor;
  /** The synchronizer token of this session (returned by login and GET /api/me). */
  readonly csrfToken: string;
  readonly expiresAt: number;
  readonly idleTimeoutMs: number;
  readonly permissions: readonly string[];
}

export type SessionCheck = { readonly ok: true; readonly session: SessionView } | { readonly ok: false; readonly reason: string };

/**
 * What the server (REST middleware, socket gateway, operations) needs from the auth service.
 * Implemented by `AuthService` (src/auth/auth-service.ts).
 */
export interface SessionPort {
  /**
   * The live session named by a Cookie header, or why there is none (no cookie, unknown, idle timeout,
   * absolute lifetime, user disabled). `touch` true extends the idle timeout (user activity).
   */
  sessionFromCookie(cookieHeader: string | undefined, address: string, touch: boolean): SessionCheck;
  /** Is the session still alive (socket gateway's periodic check); extends nothing. */
  check(sessionId: string): SessionCheck;
  /** Extends the idle timeout (a user action over the socket). */
  touch(sessionId: string): void;
  /** E-signature: the signer re-enters the password; counts towards lockout like a login. */
  verifyPassword(user: string, password: string, address: string): Promise<{ ok: true; role: Role } | { ok: false; reason: string }>;
  /** Listeners told when a session ends for any reason (the gateway disconnects its sockets). */
  onSessionEnded(listener: (sessionId: string, reason: string) => void): () => void;
}
