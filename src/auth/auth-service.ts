/**
 * Users, logins and sessions: implements the SessionPort the server and the socket gateway use, plus login,
 * logout, user administration and the lockout list the AUTH-LOCKOUT alarm watches.
 *
 * - The session cookie carries 32 random bytes (base64url); the database keeps only their sha256, which is
 *   also the session id every record names (session-cookie.ts). The cookie value and passwords are never
 *   stored or logged.
 * - Each session has its own CSRF token (synchronizer token), returned by login and GET /api/me.
 * - A wrong password and an unknown user get the same answer, after the same hashing work; lockouts apply to
 *   any name (see session-rules.ts), so a lockout does not tell which names exist either. A disabled user
 *   is told so only after giving the right password (password-check.ts).
 * - Disabling a user or changing a password ends the user's sessions (listeners hear of it); role changes
 *   take effect on the next request (the role is read with the session every time; session-book.ts).
 * - Every login, logout, failed login, lockout and user change (made or refused) is recorded through the
 *   audit port. User changes are recorded inside their database transaction: if the audit trail cannot
 *   record, the change is rolled back (user-admin.ts).
 *
 * The database is the one truth: the users CLI may change users while the server runs, and the next
 * check sees it.
 */
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import { AuthAudit } from "./auth-audit.js";
import type { AuthContext } from "./auth-context.js";
import type { AuditPort } from "./audit-port.js";
import type { ChangedBy } from "./changed-by.js";
import type { LoginResult } from "./login-result.js";
import { checkPassword } from "./password-check.js";
import type { PasswordHasherPort } from "./password-hasher-port.js";
import type { Role } from "./permissions.js";
import { SessionBook } from "./session-book.js";
import type { SessionCheck, SessionPort } from "./session-port.js";
import { type SessionRules, type SessionRulesOverrides, sessionRules } from "./session-rules.js";
import { type LockedName, UserAdmin, type UserUpdate } from "./user-admin.js";
import type { UserStorePort } from "./user-store-port.js";
import type { UserSummary } from "./user-summary.js";

export interface AuthServiceDeps {
  readonly store: UserStorePort;
  readonly audit: AuditPort;
  readonly clock: Clock;
  /** Password hashing (src/stores/argon2-password-hasher.ts). */
  readonly hasher: PasswordHasherPort;
  readonly rules?: SessionRulesOverrides;
  readonly logger?: Logger;
}

/** How often timed-out sessions are ended (their listeners told) and the users CLI's audit entries taken. */
export const AUTH_SWEEP_MS = 5000;

export class AuthService implements SessionPort {
  readonly name = "auth";
  readonly rules: SessionRules;
  private sweepTimer: NodeJS.Timeout | undefined;
  private readonly ctx: AuthContext;
  private readonly sessions: SessionBook;
  private readonly users: UserAdmin;

  constructor(deps: AuthServiceDeps) {
    this.rules = sessionRules(deps.rules);
    const log = deps.logger?.child({ module: "auth" });
    this.ctx = { store: deps.store, clock: deps.clock, rules: this.rules, hasher: deps.hasher, audit: new AuthAudit(deps.audit, log), log };
    this.sessions = new SessionBook(this.ctx);
    this.users = new UserAdmin(this.ctx, this.sessions);
  }

  // ── Logins ────────────────────────────────────────────────────────────────────────────────────────────

  /** Checks the password and opens a session; the refusal says the same for an unknown user and a wrong password. */
  async login(name: string, password: string, address: string): Promise<LoginResult> {
    const checked = await checkPassword(this.ctx, name, password, address, "login");
    if (!checked.ok) return checked;
    return { ok: true, ...this.sessions.open(checked.user, address) };
  }

  /** E-signature: the signer re-enters the password (counts towards the lockout like a login). */
  async verifyPassword(user: string, password: string, address: string): Promise<{ ok: true; role: Role } | { ok: false; reason: string }> {
    const checked = await checkPassword(this.ctx, user, password, address, "signature");
    return checked.ok ? { ok: true, role: checked.user.role } : { ok: false, reason: checked.message };
  }

  /** Ends a session by logout; false when it was not live. */
  logout(sessionId: string, address?: string): boolean {
    return this.sessions.end(sessionId, "logout", address);
  }

  // ── SessionPort ───────────────────────────────────────────────────────────────────────────────────────

  sessionFromCookie(cookieHeader: string | undefined, address: string, touch: boolean): SessionCheck {
    return this.sessions.fromCookie(cookieHeader, address, touch);
  }

  check(sessionId: string): SessionCheck {
    return this.sessions.check(sessionId);
  }

  touch(sessionId: string): void {
    this.sessions.touch(sessionId);
  }

  onSessionEnded(listener: (sessionId: string, reason: string) => void): () => void {
    return this.sessions.onEnded(listener);
  }

  /** Ends every session that has timed out (so listeners hear of it even if nobody asks); returns how many. */
  sweep(): number {
    return this.sessions.sweep();
  }

  // ── Users ─────────────────────────────────────────────────────────────────────────────────────────────

  /** Names locked out now (the AUTH-LOCKOUT alarm's source). */
  lockedUsers(): LockedName[] {
    return this.users.lockedUsers();
  }

  /**
   * First run (no users at all): creates `admin` with `passwordFromEnv` (SCADA_ADMIN_PASSWORD) or a generated
   * password, returned so the caller prints it once. There is never a default password.
   */
  ensureAdmin(passwordFromEnv?: string): Promise<{ created: false } | { created: true; generatedPassword: string | null }> {
    return this.users.ensureAdmin(passwordFromEnv);
  }

  list(): UserSummary[] {
    return this.users.list();
  }

  get(name: string): UserSummary | undefined {
    return this.users.get(name);
  }

  /** Creates a user. Refused (and recorded): bad name, role or password, name taken. */
  add(by: ChangedBy, user: { name: string; role: string; password: string }): Promise<UserSummary> {
    return this.users.add(by, user);
  }

  /** Changes a user's role, enabled state and/or password, all or nothing (see UserAdmin.update). */
  update(by: ChangedBy, name: string, change: UserUpdate): Promise<UserSummary> {
    return this.users.update(by, name, change);
  }

  passwd(by: ChangedBy, name: string, password: string): Promise<UserSummary> {
    return this.update(by, name, { password });
  }

  disable(by: ChangedBy, name: string): Promise<UserSummary> {
    return this.update(by, name, { disabled: true });
  }

  /** Enables a user and lifts a lockout. */
  enable(by: ChangedBy, name: string): Promise<UserSummary> {
    return this.update(by, name, { disabled: false });
  }

  setRole(by: ChangedBy, name: string, role: Role): Promise<UserSummary> {
    return this.update(by, name, { role });
  }

  /**
   * Audit entries the users CLI queued while the server ran (the journal has one writer): recorded now.
   * Returns how many.
   */
  recordQueuedAudit(): number {
    return this.users.recordQueuedAudit();
  }

  /**
   * As a component of the runtime: ensures the first admin (a weak SCADA_ADMIN_PASSWORD rejects here, before
   * anything else runs), takes the CLI's queued audit entries, then sweeps every AUTH_SWEEP_MS.
   */
  async start(adminPassword?: string): Promise<{ created: false } | { created: true; generatedPassword: string | null }> {
    const firstRun = await this.ensureAdmin(adminPassword);
    this.recordQueuedAudit();
    this.sweepTimer = setInterval(() => {
      this.sweep();
      this.recordQueuedAudit();
    }, AUTH_SWEEP_MS);
    return firstRun;
  }

  stop(): void {
    clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
  }
}
