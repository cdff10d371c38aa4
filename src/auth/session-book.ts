/**
 * Sessions: opened at login, checked (and their idle timeout extended) on every request, ended by logout,
 * timeout, or a change to their user. Each session has its own CSRF token (synchronizer token). Every end is
 * recorded and told to the listeners; the user's role is read with the session every time, so a role
 * change takes effect on the next request.
 */
import type { Actor } from "./actor.js";
import type { AuthContext } from "./auth-context.js";
import { permissionsOf } from "./permissions.js";
import { newSessionSecret, sessionCookieValue, sessionIdOf } from "./session-cookie.js";
import type { SessionCheck, SessionView } from "./session-port.js";
import { type SessionEndReason, sessionExpiry, sessionState } from "./session-rules.js";
import type { SessionRecord, UserRecord } from "./user-store-port.js";

/** A session's last-seen time is written at most this often (a request per second does not write per request). */
const TOUCH_WRITE_MS = 1000;

export class SessionBook {
  private listeners: ((sessionId: string, reason: string) => void)[] = [];

  constructor(private readonly ctx: AuthContext) {}

  /** Opens a session for a user whose password was just checked; recorded as the login. */
  open(user: UserRecord, address: string): { cookieValue: string; session: SessionView } {
    const { store } = this.ctx;
    const now = this.ctx.clock.now();
    const cookieValue = newSessionSecret();
    const record: SessionRecord = {
      idHash: sessionIdOf(cookieValue),
      user: user.name,
      csrfToken: newSessionSecret(),
      address,
      createdAt: now,
      lastSeen: now,
      expiresAt: sessionExpiry(now, this.ctx.rules),
      endedAt: null,
      endReason: null,
    };
    store.transaction(() => {
      store.insertSession(record);
      this.ctx.audit.record({
        user: user.name,
        role: user.role,
        clientAddress: address,
        action: "login",
        target: user.name,
        newValue: { session: record.idHash.slice(0, 12), expiresAt: record.expiresAt },
        result: "ok",
      });
    });
    this.ctx.log?.info({ user: user.name, role: user.role, address }, "login");
    return { cookieValue, session: this.view(record, user, address) };
  }

  fromCookie(cookieHeader: string | undefined, address: string, touch: boolean): SessionCheck {
    const value = sessionCookieValue(cookieHeader);
    if (value === undefined) return { ok: false, reason: "no session cookie" };
    return this.evaluate(this.ctx.store.getSession(sessionIdOf(value)), address, touch);
  }

  check(sessionId: string): SessionCheck {
    const record = this.ctx.store.getSession(sessionId);
    return this.evaluate(record, record?.address ?? "", false);
  }

  touch(sessionId: string): void {
    const record = this.ctx.store.getSession(sessionId);
    this.evaluate(record, record?.address ?? "", true);
  }

  onEnded(listener: (sessionId: string, reason: string) => void): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /** Ends every session that has timed out (so listeners hear of it even if nobody asks); returns how many. */
  sweep(): number {
    let ended = 0;
    for (const s of this.ctx.store.openSessions()) if (!this.evaluate(s, s.address, false).ok) ended += 1;
    return ended;
  }

  /** Ends a live session; false when it was not live. */
  end(sessionId: string, reason: SessionEndReason, address?: string): boolean {
    const { store, log } = this.ctx;
    const record = store.getSession(sessionId);
    if (!record || !store.endSession(sessionId, this.ctx.clock.now(), reason)) return false;
    this.ctx.audit.safe({
      user: record.user,
      role: store.getUser(record.user)?.role ?? "",
      clientAddress: address ?? record.address,
      action: "logout",
      target: record.user,
      newValue: { session: sessionId.slice(0, 12), endReason: reason },
      result: "ok",
      ...(reason === "logout" ? {} : { reason }),
    });
    log?.info({ user: record.user, reason }, "session ended");
    for (const l of this.listeners) {
      try {
        l(sessionId, reason);
      } catch (err) {
        log?.error({ err }, "session-ended listener failed");
      }
    }
    return true;
  }

  endSessionsOf(user: string, reason: SessionEndReason): void {
    for (const s of this.ctx.store.openSessions(user)) this.end(s.idHash, reason);
  }

  private evaluate(record: SessionRecord | undefined, address: string, touch: boolean): SessionCheck {
    if (!record) return { ok: false, reason: "unknown session" };
    const now = this.ctx.clock.now();
    const state = sessionState(record, now, this.ctx.rules);
    if (!state.live) {
      if (record.endedAt === null) this.end(record.idHash, state.reason as SessionEndReason);
      return { ok: false, reason: `session ended: ${state.reason}` };
    }
    const user = this.ctx.store.getUser(record.user);
    if (!user || user.disabled) {
      const reason: SessionEndReason = user ? "user-disabled" : "user-unknown";
      this.end(record.idHash, reason);
      return { ok: false, reason: `session ended: ${reason}` };
    }
    let current = record;
    if (touch && now - record.lastSeen >= TOUCH_WRITE_MS) {
      this.ctx.store.touchSession(record.idHash, now);
      current = { ...record, lastSeen: now };
    }
    return { ok: true, session: this.view(current, user, address) };
  }

  private view(record: SessionRecord, user: UserRecord, address: string): SessionView {
    const actor: Actor = { user: user.name, role: user.role, address, sessionId: record.idHash };
    return {
      actor,
      csrfToken: record.csrfToken,
      expiresAt: record.expiresAt,
      idleTimeoutMs: this.ctx.rules.idleTimeoutMs,
      permissions: permissionsOf(user.role),
    };
  }
}
