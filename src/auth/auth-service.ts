/**
 * Users, logins and sessions: implements the SessionPort the server and the socket gateway use, plus login,
 * logout, user administration and the lockout list the AUTH-LOCKOUT alarm watches.
 *
 * - The session cookie carries 32 random bytes (base64url); the database keeps only their sha256, which is
 *   also the session id every record names. The cookie value and passwords are never stored or logged.
 * - Each session has its own CSRF token (synchronizer token), returned by login and GET /api/me.
 * - A wrong password and an unknown user get the same answer, after the same argon2 work; lockouts apply to
 *   any name (see session-rules.ts), so a lockout does not tell which names exist either. A disabled user
 *   is told so only after giving the right password.
 * - Disabling a user or changing a password ends the user's sessions (listeners hear of it); role changes
 *   take effect on the next request (the role is read with the session every time).
 * - Every login, logout, failed login, lockout and user change (made or refused) is recorded through the
 *   audit port. User changes are recorded inside their database transaction: if the audit trail cannot
 *   record, the change is rolled back.
 *
 * The database is the one truth: the users CLI may change users while the server runs, and the next
 * check sees it.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { AuditEntry } from "../audit/audit-record.js";
import type { Clock } from "../core/clock.js";
import { ScadaError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { Actor } from "./actor.js";
import type { AuditPort } from "./audit-port.js";
import { generatePassword, hashPassword, passwordProblem, verifyAgainstDummy, verifyPassword } from "./password.js";
import { isRole, permissionsOf, type Role } from "./permissions.js";
import { SESSION_COOKIE, type SessionCheck, type SessionPort, type SessionView } from "./session-port.js";
import {
  isLocked,
  lockAfterFailure,
  lockoutWindowStart,
  type SessionEndReason,
  type SessionRules,
  type SessionRulesOverrides,
  sessionExpiry,
  sessionRules,
  sessionState,
} from "./session-rules.js";
import { userNameProblem } from "./user-name.js";
import type { SessionRecord, UserRecord, UserStorePort } from "./user-store-port.js";

/** Who makes a user change, as the audit record names them (a logged-in admin, the CLI, the system). */
export interface ChangedBy {
  readonly user: string;
  readonly role: string;
  readonly address: string;
}

export const SYSTEM_ACTOR: ChangedBy = { user: "system", role: "system", address: "local" };

export type LoginRefusalCode = "SCADA_ERR_AUTH_LOGIN_FAILED" | "SCADA_ERR_AUTH_LOCKED" | "SCADA_ERR_AUTH_DISABLED";

export type LoginResult =
  | { readonly ok: true; readonly cookieValue: string; readonly session: SessionView }
  | {
      readonly ok: false;
      readonly code: LoginRefusalCode;
      readonly message: string;
      /** Locked: until when (epoch ms) and for how much longer (ms, for Retry-After). */
      readonly lockedUntil?: number;
      readonly lockedForMs?: number;
    };

/** A user as lists show it: never the hash. `lockedUntil` only while the lock holds. */
export interface UserSummary {
  readonly name: string;
  readonly role: Role;
  readonly disabled: boolean;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly failedCount: number;
  readonly lockedUntil: number | null;
  readonly sessions: number;
}

export interface UserUpdate {
  readonly role?: Role;
  readonly disabled?: boolean;
  readonly password?: string;
}

export interface LockedName {
  readonly name: string;
  readonly lockedUntil: number;
  /** false: a name that is not a user (someone guessing names). */
  readonly knownUser: boolean;
}

export interface AuthServiceDeps {
  readonly store: UserStorePort;
  readonly audit: AuditPort;
  readonly clock: Clock;
  readonly rules?: SessionRulesOverrides;
  readonly logger?: Logger;
}

/** A session's last-seen time is written at most this often (a request per second does not write per request). */
const TOUCH_WRITE_MS = 1000;
const COOKIE_VALUE = /^[A-Za-z0-9_-]{43}$/;

/** sha256 (hex) of a cookie value: the session id. */
export function sessionIdOf(cookieValue: string): string {
  return createHash("sha256").update(cookieValue).digest("hex");
}

/** The session cookie's value in a Cookie header, or undefined. */
export function sessionCookieValue(cookieHeader: string | undefined): string | undefined {
  if (!cookieHeader) return undefined;
  for (const part of cookieHeader.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== SESSION_COOKIE) continue;
    const value = part.slice(eq + 1).trim();
    return COOKIE_VALUE.test(value) ? value : undefined;
  }
  return undefined;
}

/** Constant-time comparison of a presented CSRF token with the session's. */
export function csrfTokenMatches(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

const iso = (t: number): string => new Date(t).toISOString();

export class AuthService implements SessionPort {
  readonly rules: SessionRules;
  private readonly store: UserStorePort;
  private readonly log: Logger | undefined;
  private listeners: ((sessionId: string, reason: string) => void)[] = [];

  constructor(private readonly deps: AuthServiceDeps) {
    this.rules = sessionRules(deps.rules);
    this.store = deps.store;
    this.log = deps.logger?.child({ module: "auth" });
  }

  private now(): number {
    return this.deps.clock.now();
  }

  // ── Logins ────────────────────────────────────────────────────────────────────────────────────────────

  /** Checks the password and opens a session; the refusal says the same for an unknown user and a wrong password. */
  async login(name: string, password: string, address: string): Promise<LoginResult> {
    const checked = await this.checkPassword(name, password, address, "login");
    if (!checked.ok) return checked;
    const user = checked.user;
    const now = this.now();
    const cookieValue = randomBytes(32).toString("base64url");
    const record: SessionRecord = {
      idHash: sessionIdOf(cookieValue),
      user: user.name,
      csrfToken: randomBytes(32).toString("base64url"),
      address,
      createdAt: now,
      lastSeen: now,
      expiresAt: sessionExpiry(now, this.rules),
      endedAt: null,
      endReason: null,
    };
    this.store.transaction(() => {
      this.store.insertSession(record);
      this.audit({
        user: user.name,
        role: user.role,
        clientAddress: address,
        action: "login",
        target: user.name,
        newValue: { session: record.idHash.slice(0, 12), expiresAt: record.expiresAt },
        result: "ok",
      });
    });
    this.log?.info({ user: user.name, role: user.role, address }, "login");
    return { ok: true, cookieValue, session: this.view(record, user, address) };
  }

  /** E-signature: the signer re-enters the password (counts towards the lockout like a login). */
  async verifyPassword(user: string, password: string, address: string): Promise<{ ok: true; role: Role } | { ok: false; reason: string }> {
    const checked = await this.checkPassword(user, password, address, "signature");
    return checked.ok ? { ok: true, role: checked.user.role } : { ok: false, reason: checked.message };
  }

  private async checkPassword(
    name: string,
    password: string,
    address: string,
    purpose: "login" | "signature",
  ): Promise<{ ok: true; user: UserRecord } | Extract<LoginResult, { ok: false }>> {
    const what = purpose === "login" ? "login" : "signature password";
    const refuse = (code: LoginRefusalCode, message: string, detail: string, lockedUntil?: number): Extract<LoginResult, { ok: false }> => {
      this.safeAudit({
        user: name,
        role: this.store.getUser(name)?.role ?? "",
        clientAddress: address,
        action: "login.failed",
        target: name,
        newValue: { purpose, ...(lockedUntil === undefined ? {} : { lockedUntil }) },
        result: "refused",
        resultReason: `${code}: ${detail}`,
      });
      return { ok: false, code, message, ...(lockedUntil === undefined ? {} : { lockedUntil, lockedForMs: Math.max(0, lockedUntil - this.now()) }) };
    };
    const locked = this.store.lockedUntil(name);
    if (isLocked(locked, this.now())) {
      return refuse("SCADA_ERR_AUTH_LOCKED", `too many failed logins: locked until ${iso(locked)}`, `attempt while locked until ${iso(locked)}`, locked);
    }
    const user = this.store.getUser(name);
    const matches = user ? await verifyPassword(user.passwordHash, password) : await verifyAgainstDummy(password);
    if (!matches) {
      const now = this.now();
      const lockout = this.rules.lockout;
      const failures = this.store.addLoginFailure(name, now, address, lockoutWindowStart(now, lockout));
      const until = lockAfterFailure(failures, now, lockout);
      if (until !== null) {
        this.store.transaction(() => {
          this.store.setLock(name, until, 0);
          this.store.clearLoginFailures(name);
        });
        this.log?.warn({ user: name, knownUser: user !== undefined, address, lockedUntil: iso(until) }, "login locked out after repeated failures");
        return refuse(
          "SCADA_ERR_AUTH_LOCKED",
          `too many failed logins: locked until ${iso(until)}`,
          `${failures.length} failed ${what}s within ${lockout.windowMs / 60_000} min (${user ? "wrong password" : "unknown user"}): locked until ${iso(until)}`,
          until,
        );
      }
      return refuse("SCADA_ERR_AUTH_LOGIN_FAILED", "unknown user or wrong password", user ? `wrong ${what}` : "unknown user");
    }
    // Only a known user's right password gets here.
    const known = user!;
    if (known.disabled) return refuse("SCADA_ERR_AUTH_DISABLED", "this user is disabled", "user disabled");
    if (known.failedCount > 0 || known.lockedUntil !== null) {
      this.store.transaction(() => {
        this.store.clearLoginFailures(name);
        this.store.setLock(name, null, 0);
      });
    }
    return { ok: true, user: known };
  }

  /** Ends a session by logout; false when it was not live. */
  logout(sessionId: string, address?: string): boolean {
    return this.end(sessionId, "logout", address);
  }

  // ── SessionPort ───────────────────────────────────────────────────────────────────────────────────────

  sessionFromCookie(cookieHeader: string | undefined, address: string, touch: boolean): SessionCheck {
    const value = sessionCookieValue(cookieHeader);
    if (value === undefined) return { ok: false, reason: "no session cookie" };
    return this.evaluate(this.store.getSession(sessionIdOf(value)), address, touch);
  }

  check(sessionId: string): SessionCheck {
    const record = this.store.getSession(sessionId);
    return this.evaluate(record, record?.address ?? "", false);
  }

  touch(sessionId: string): void {
    const record = this.store.getSession(sessionId);
    this.evaluate(record, record?.address ?? "", true);
  }

  onSessionEnded(listener: (sessionId: string, reason: string) => void): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /** Ends every session that has timed out (so listeners hear of it even if nobody asks); returns how many. */
  sweep(): number {
    let ended = 0;
    for (const s of this.store.openSessions()) if (!this.evaluate(s, s.address, false).ok) ended += 1;
    return ended;
  }

  private evaluate(record: SessionRecord | undefined, address: string, touch: boolean): SessionCheck {
    if (!record) return { ok: false, reason: "unknown session" };
    const now = this.now();
    const state = sessionState(record, now, this.rules);
    if (!state.live) {
      if (record.endedAt === null) this.end(record.idHash, state.reason as SessionEndReason);
      return { ok: false, reason: `session ended: ${state.reason}` };
    }
    const user = this.store.getUser(record.user);
    if (!user || user.disabled) {
      const reason: SessionEndReason = user ? "user-disabled" : "user-unknown";
      this.end(record.idHash, reason);
      return { ok: false, reason: `session ended: ${reason}` };
    }
    let current = record;
    if (touch && now - record.lastSeen >= TOUCH_WRITE_MS) {
      this.store.touchSession(record.idHash, now);
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
      idleTimeoutMs: this.rules.idleTimeoutMs,
      permissions: permissionsOf(user.role),
    };
  }

  private end(sessionId: string, reason: SessionEndReason, address?: string): boolean {
    const record = this.store.getSession(sessionId);
    if (!record || !this.store.endSession(sessionId, this.now(), reason)) return false;
    this.safeAudit({
      user: record.user,
      role: this.store.getUser(record.user)?.role ?? "",
      clientAddress: address ?? record.address,
      action: "logout",
      target: record.user,
      newValue: { session: sessionId.slice(0, 12), endReason: reason },
      result: "ok",
      ...(reason === "logout" ? {} : { reason }),
    });
    this.log?.info({ user: record.user, reason }, "session ended");
    for (const l of this.listeners) {
      try {
        l(sessionId, reason);
      } catch (err) {
        this.log?.error({ err }, "session-ended listener failed");
      }
    }
    return true;
  }

  private endSessionsOf(user: string, reason: SessionEndReason): void {
    for (const s of this.store.openSessions(user)) this.end(s.idHash, reason);
  }

  // ── Users ─────────────────────────────────────────────────────────────────────────────────────────────

  /** Names locked out now (the AUTH-LOCKOUT alarm's source). */
  lockedUsers(): LockedName[] {
    return this.store.lockedNames(this.now());
  }

  /**
   * First run (no users at all): creates `admin` with `passwordFromEnv` (SCADA_ADMIN_PASSWORD) or a generated
   * password, returned so the caller prints it once. There is never a default password.
   */
  async ensureAdmin(passwordFromEnv?: string): Promise<{ created: false } | { created: true; generatedPassword: string | null }> {
    if (this.store.countUsers() > 0) return { created: false };
    const fromEnv = passwordFromEnv !== undefined && passwordFromEnv !== "";
    const password = fromEnv ? passwordFromEnv : generatePassword();
    const problem = passwordProblem(password, "admin");
    if (problem) throw new ScadaError("SCADA_ERR_USER_INVALID", `SCADA_ADMIN_PASSWORD: ${problem}`);
    const passwordHash = await hashPassword(password);
    const created = this.store.transaction(() => {
      if (this.store.countUsers() > 0) return false;
      this.store.insertUser({ name: "admin", role: "admin", passwordHash, now: this.now() });
      this.audit({
        ...this.by(SYSTEM_ACTOR),
        action: "user.change",
        target: "admin",
        newValue: { role: "admin", disabled: false, password: fromEnv ? "from SCADA_ADMIN_PASSWORD" : "generated" },
        result: "ok",
        reason: "first run: no users",
      });
      return true;
    });
    if (!created) return { created: false };
    this.log?.warn({ user: "admin", password: fromEnv ? "SCADA_ADMIN_PASSWORD" : "generated" }, "first run: created the admin user");
    return { created: true, generatedPassword: fromEnv ? null : password };
  }

  list(): UserSummary[] {
    const now = this.now();
    const open = new Map<string, number>();
    for (const s of this.store.openSessions()) {
      if (sessionState(s, now, this.rules).live) open.set(s.user, (open.get(s.user) ?? 0) + 1);
    }
    return this.store.listUsers().map((u) => this.summary(u, now, open.get(u.name) ?? 0));
  }

  get(name: string): UserSummary | undefined {
    const u = this.store.getUser(name);
    if (!u) return undefined;
    const now = this.now();
    return this.summary(u, now, this.store.openSessions(name).filter((s) => sessionState(s, now, this.rules).live).length);
  }

  private summary(u: UserRecord, now: number, sessions: number): UserSummary {
    return {
      name: u.name,
      role: u.role,
      disabled: u.disabled,
      createdAt: u.createdAt,
      updatedAt: u.updatedAt,
      failedCount: u.failedCount,
      lockedUntil: isLocked(u.lockedUntil, now) ? u.lockedUntil : null,
      sessions,
    };
  }

  /** Creates a user. Refused (and recorded): bad name, role or password, name taken. */
  async add(by: ChangedBy, user: { name: string; role: string; password: string }): Promise<UserSummary> {
    const target = user.name;
    const refuse = this.refuser(by, target, { role: user.role });
    const nameProblem = userNameProblem(user.name);
    if (nameProblem) throw refuse("SCADA_ERR_USER_INVALID", nameProblem);
    if (!isRole(user.role)) throw refuse("SCADA_ERR_USER_INVALID", `unknown role '${user.role}'`);
    const role = user.role;
    const pwProblem = passwordProblem(user.password, user.name);
    if (pwProblem) throw refuse("SCADA_ERR_USER_INVALID", pwProblem);
    const passwordHash = await hashPassword(user.password);
    this.store.transaction(() => {
      if (!this.store.insertUser({ name: user.name, role, passwordHash, now: this.now() })) {
        throw refuse("SCADA_ERR_USER_EXISTS", `user '${user.name}' exists`);
      }
      this.audit({ ...this.by(by), action: "user.change", target, oldValue: null, newValue: { role, disabled: false }, result: "ok" });
    });
    return this.get(target)!;
  }

  /**
   * Changes a user's role, enabled state and/or password, all or nothing. Refused (and recorded): unknown
   * user, bad role or password, disabling or demoting the last enabled admin. Disabling and a new password
   * end the user's sessions; enabling also lifts a lockout.
   */
  async update(by: ChangedBy, name: string, change: UserUpdate): Promise<UserSummary> {
    const requested = { ...(change.role === undefined ? {} : { role: change.role }), ...(change.disabled === undefined ? {} : { disabled: change.disabled }), ...(change.password === undefined ? {} : { password: "(new)" }) };
    const refuse = this.refuser(by, name, requested);
    if (change.role !== undefined && !isRole(change.role)) throw refuse("SCADA_ERR_USER_INVALID", `unknown role '${String(change.role)}'`);
    if (Object.keys(requested).length === 0) throw refuse("SCADA_ERR_USER_INVALID", "nothing to change: give role, disabled and/or password");
    if (change.password !== undefined) {
      const problem = passwordProblem(change.password, name);
      if (problem) throw refuse("SCADA_ERR_USER_INVALID", problem);
    }
    const passwordHash = change.password === undefined ? undefined : await hashPassword(change.password);
    const outcome = this.store.transaction(() => {
      const before = this.store.getUser(name);
      if (!before) throw refuse("SCADA_ERR_USER_UNKNOWN", `no user '${name}'`);
      const after = { role: change.role ?? before.role, disabled: change.disabled ?? before.disabled };
      const stopsBeingAdmin = before.role === "admin" && !before.disabled && (after.role !== "admin" || after.disabled);
      if (stopsBeingAdmin) {
        const enabledAdmins = this.store.listUsers().filter((u) => u.role === "admin" && !u.disabled).length;
        if (enabledAdmins <= 1) throw refuse("SCADA_ERR_USER_LAST_ADMIN", `'${name}' is the last enabled admin: add or enable another admin first`);
      }
      this.store.updateUser(name, { role: after.role, disabled: after.disabled, ...(passwordHash === undefined ? {} : { passwordHash }) }, this.now());
      const unlock = change.disabled === false;
      if (unlock) {
        this.store.clearLoginFailures(name);
        this.store.setLock(name, null, 0);
      }
      const oldValue: Record<string, unknown> = {};
      const newValue: Record<string, unknown> = {};
      if (after.role !== before.role) [oldValue.role, newValue.role] = [before.role, after.role];
      if (after.disabled !== before.disabled) [oldValue.disabled, newValue.disabled] = [before.disabled, after.disabled];
      if (unlock && isLocked(before.lockedUntil, this.now())) [oldValue.lockedUntil, newValue.lockedUntil] = [before.lockedUntil, null];
      if (passwordHash !== undefined) newValue.passwordChanged = true;
      this.audit({ ...this.by(by), action: "user.change", target: name, oldValue, newValue, result: "ok" });
      return { disabledNow: after.disabled && !before.disabled };
    });
    if (outcome.disabledNow) this.endSessionsOf(name, "user-disabled");
    else if (passwordHash !== undefined) this.endSessionsOf(name, "password-changed");
    return this.get(name)!;
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
    const queued = this.store.takeQueuedAudit();
    for (const q of queued) this.safeAudit({ ...q.entry, reason: [q.entry.reason, `by the users CLI at ${iso(q.at)}`].filter(Boolean).join("; ") });
    return queued.length;
  }

  private by(by: ChangedBy): Pick<AuditEntry, "user" | "role" | "clientAddress"> {
    return { user: by.user, role: by.role, clientAddress: by.address };
  }

  /** A refusal of a user change: recorded, then returned to be thrown. */
  private refuser(by: ChangedBy, target: string, requested: unknown) {
    return (code: "SCADA_ERR_USER_INVALID" | "SCADA_ERR_USER_EXISTS" | "SCADA_ERR_USER_UNKNOWN" | "SCADA_ERR_USER_LAST_ADMIN", message: string): ScadaError => {
      this.safeAudit({ ...this.by(by), action: "user.change", target, newValue: requested, result: "refused", resultReason: `${code}: ${message}` });
      return new ScadaError(code, message);
    };
  }

  /** Records or throws (a change that cannot be recorded must not be made: called inside its transaction). */
  private audit(entry: AuditEntry): void {
    this.deps.audit.record(entry);
  }

  /** Records, and only logs when the audit trail cannot (a refusal stays a refusal). */
  private safeAudit(entry: AuditEntry): void {
    try {
      this.deps.audit.record(entry);
    } catch (err) {
      this.log?.error({ err, action: entry.action, user: entry.user }, "audit trail could not record");
    }
  }
}
