/**
 * The sessions of a line as a web process of its HMI fan-out (`htr-scada web`) sees them: read from the
 * line's own user database, checked with the same rules (`sessionState`), never written. A session that is
 * no longer live is refused here at once; ending it and recording the end stays the line's process's work
 * (its `SessionBook` sweep), so the audit trail has one writer. User activity (`touch`) is recorded by the
 * line's process when it answers the web process's forwarded operation; signatures are checked by the line's
 * operation runner, never here.
 */
import type { Clock } from "../core/clock.js";
import type { Actor } from "./actor.js";
import { permissionsOf } from "./permissions.js";
import { sessionCookieValue, sessionIdOf } from "./session-cookie.js";
import type { SessionCheck, SessionPort } from "./session-port.js";
import { DEFAULT_SESSION_RULES, type SessionRules, sessionState } from "./session-rules.js";
import type { SessionRecord, UserStorePort } from "./user-store-port.js";

export class SessionReader implements SessionPort {
  constructor(
    private readonly store: Pick<UserStorePort, "getSession" | "getUser">,
    private readonly clock: Clock,
    private readonly rules: SessionRules = DEFAULT_SESSION_RULES,
  ) {}

  sessionFromCookie(cookieHeader: string | undefined, address: string): SessionCheck {
    const value = sessionCookieValue(cookieHeader);
    if (value === undefined) return { ok: false, reason: "no session cookie" };
    return this.evaluate(this.store.getSession(sessionIdOf(value)), address);
  }

  check(sessionId: string): SessionCheck {
    const record = this.store.getSession(sessionId);
    return this.evaluate(record, record?.address ?? "");
  }

  /** Recorded by the line's process (it touches the session when it runs the forwarded operation). */
  touch(): void {}

  async verifyPassword(): Promise<{ ok: false; reason: string }> {
    return { ok: false, reason: "signatures are checked by the line's SCADA process, not by a web process" };
  }

  /** Ends are found by the periodic check (`SocketSessionExpiry`): the line's process ends sessions. */
  onSessionEnded(): () => void {
    return () => undefined;
  }

  private evaluate(record: SessionRecord | undefined, address: string): SessionCheck {
    if (!record) return { ok: false, reason: "unknown session" };
    const state = sessionState(record, this.clock.now(), this.rules);
    if (!state.live) return { ok: false, reason: `session ended: ${state.reason}` };
    const user = this.store.getUser(record.user);
    if (!user || user.disabled) return { ok: false, reason: `session ended: ${user ? "user-disabled" : "user-unknown"}` };
    const actor: Actor = { user: user.name, role: user.role, address, sessionId: record.idHash };
    return { ok: true, session: { actor, csrfToken: record.csrfToken, expiresAt: record.expiresAt, idleTimeoutMs: this.rules.idleTimeoutMs, permissions: permissionsOf(user.role) } };
  }
}
