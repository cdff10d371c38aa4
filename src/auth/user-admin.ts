/**
 * User administration: the first-run admin, listing, adding and changing users. Every change (made or
 * refused) is recorded; a change is recorded inside its database transaction, so if the audit trail cannot
 * record, the change is rolled back. Disabling a user or changing a password ends the user's sessions.
 */
import { ScadaError } from "../core/errors.js";
import type { AuthContext } from "./auth-context.js";
import { auditActorOf, type ChangedBy, SYSTEM_ACTOR } from "./changed-by.js";
import { generatePassword, passwordProblem } from "./password-policy.js";
import { isRole, type Role } from "./permissions.js";
import type { SessionBook } from "./session-book.js";
import { isLocked, sessionState } from "./session-rules.js";
import { userNameProblem } from "./user-name.js";
import { type UserSummary, userSummary } from "./user-summary.js";

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

type UserRefusalCode = "SCADA_ERR_USER_INVALID" | "SCADA_ERR_USER_EXISTS" | "SCADA_ERR_USER_UNKNOWN" | "SCADA_ERR_USER_LAST_ADMIN";

const iso = (t: number): string => new Date(t).toISOString();

export class UserAdmin {
  constructor(
    private readonly ctx: AuthContext,
    private readonly sessions: SessionBook,
  ) {}

  /** Names locked out now (the AUTH-LOCKOUT alarm's source). */
  lockedUsers(): LockedName[] {
    return this.ctx.store.lockedNames(this.ctx.clock.now());
  }

  /**
   * First run (no users at all): creates `admin` with `passwordFromEnv` (SCADA_ADMIN_PASSWORD) or a generated
   * password, returned so the caller prints it once. There is never a default password.
   */
  async ensureAdmin(passwordFromEnv?: string): Promise<{ created: false } | { created: true; generatedPassword: string | null }> {
    const { store } = this.ctx;
    if (store.countUsers() > 0) return { created: false };
    const fromEnv = passwordFromEnv !== undefined && passwordFromEnv !== "";
    const password = fromEnv ? passwordFromEnv : generatePassword();
    const problem = passwordProblem(password, "admin");
    if (problem) throw new ScadaError("SCADA_ERR_USER_INVALID", `SCADA_ADMIN_PASSWORD: ${problem}`);
    const passwordHash = await this.ctx.hasher.hash(password);
    const created = store.transaction(() => {
      if (store.countUsers() > 0) return false;
      store.insertUser({ name: "admin", role: "admin", passwordHash, now: this.ctx.clock.now() });
      this.ctx.audit.record({
        ...auditActorOf(SYSTEM_ACTOR),
        action: "user.change",
        target: "admin",
        newValue: { role: "admin", disabled: false, password: fromEnv ? "from SCADA_ADMIN_PASSWORD" : "generated" },
        result: "ok",
        reason: "first run: no users",
      });
      return true;
    });
    if (!created) return { created: false };
    this.ctx.log?.warn({ user: "admin", password: fromEnv ? "SCADA_ADMIN_PASSWORD" : "generated" }, "first run: created the admin user");
    return { created: true, generatedPassword: fromEnv ? null : password };
  }

  list(): UserSummary[] {
    const now = this.ctx.clock.now();
    const open = new Map<string, number>();
    for (const s of this.ctx.store.openSessions()) {
      if (sessionState(s, now, this.ctx.rules).live) open.set(s.user, (open.get(s.user) ?? 0) + 1);
    }
    return this.ctx.store.listUsers().map((u) => userSummary(u, now, open.get(u.name) ?? 0));
  }

  get(name: string): UserSummary | undefined {
    const u = this.ctx.store.getUser(name);
    if (!u) return undefined;
    const now = this.ctx.clock.now();
    return userSummary(u, now, this.ctx.store.openSessions(name).filter((s) => sessionState(s, now, this.ctx.rules).live).length);
  }

  /** Creates a user. Refused (and recorded): bad name, role or password, name taken. */
  async add(by: ChangedBy, user: { name: string; role: string; password: string }): Promise<UserSummary> {
    const { store } = this.ctx;
    const target = user.name;
    const refuse = this.refuser(by, target, { role: user.role });
    const nameProblem = userNameProblem(user.name);
    if (nameProblem) throw refuse("SCADA_ERR_USER_INVALID", nameProblem);
    if (!isRole(user.role)) throw refuse("SCADA_ERR_USER_INVALID", `unknown role '${user.role}'`);
    const role = user.role;
    const pwProblem = passwordProblem(user.password, user.name);
    if (pwProblem) throw refuse("SCADA_ERR_USER_INVALID", pwProblem);
    const passwordHash = await this.ctx.hasher.hash(user.password);
    store.transaction(() => {
      if (!store.insertUser({ name: user.name, role, passwordHash, now: this.ctx.clock.now() })) {
        throw refuse("SCADA_ERR_USER_EXISTS", `user '${user.name}' exists`);
      }
      this.ctx.audit.record({ ...auditActorOf(by), action: "user.change", target, oldValue: null, newValue: { role, disabled: false }, result: "ok" });
    });
    return this.get(target)!;
  }

  /**
   * Changes a user's role, enabled state and/or password, all or nothing. Refused (and recorded): unknown
   * user, bad role or password, disabling or demoting the last enabled admin. Disabling and a new password
   * end the user's sessions; enabling also lifts a lockout.
   */
  async update(by: ChangedBy, name: string, change: UserUpdate): Promise<UserSummary> {
    const { store } = this.ctx;
    const requested = { ...(change.role === undefined ? {} : { role: change.role }), ...(change.disabled === undefined ? {} : { disabled: change.disabled }), ...(change.password === undefined ? {} : { password: "(new)" }) };
    const refuse = this.refuser(by, name, requested);
    if (change.role !== undefined && !isRole(change.role)) throw refuse("SCADA_ERR_USER_INVALID", `unknown role '${String(change.role)}'`);
    if (Object.keys(requested).length === 0) throw refuse("SCADA_ERR_USER_INVALID", "nothing to change: give role, disabled and/or password");
    if (change.password !== undefined) {
      const problem = passwordProblem(change.password, name);
      if (problem) throw refuse("SCADA_ERR_USER_INVALID", problem);
    }
    const passwordHash = change.password === undefined ? undefined : await this.ctx.hasher.hash(change.password);
    const outcome = store.transaction(() => {
      const before = store.getUser(name);
      if (!before) throw refuse("SCADA_ERR_USER_UNKNOWN", `no user '${name}'`);
      const after = { role: change.role ?? before.role, disabled: change.disabled ?? before.disabled };
      const stopsBeingAdmin = before.role === "admin" && !before.disabled && (after.role !== "admin" || after.disabled);
      if (stopsBeingAdmin) {
        const enabledAdmins = store.listUsers().filter((u) => u.role === "admin" && !u.disabled).length;
        if (enabledAdmins <= 1) throw refuse("SCADA_ERR_USER_LAST_ADMIN", `'${name}' is the last enabled admin: add or enable another admin first`);
      }
      store.updateUser(name, { role: after.role, disabled: after.disabled, ...(passwordHash === undefined ? {} : { passwordHash }) }, this.ctx.clock.now());
      const unlock = change.disabled === false;
      if (unlock) {
        store.clearLoginFailures(name);
        store.setLock(name, null, 0);
      }
      const oldValue: Record<string, unknown> = {};
      const newValue: Record<string, unknown> = {};
      if (after.role !== before.role) [oldValue.role, newValue.role] = [before.role, after.role];
      if (after.disabled !== before.disabled) [oldValue.disabled, newValue.disabled] = [before.disabled, after.disabled];
      if (unlock && isLocked(before.lockedUntil, this.ctx.clock.now())) [oldValue.lockedUntil, newValue.lockedUntil] = [before.lockedUntil, null];
      if (passwordHash !== undefined) newValue.passwordChanged = true;
      this.ctx.audit.record({ ...auditActorOf(by), action: "user.change", target: name, oldValue, newValue, result: "ok" });
      return { disabledNow: after.disabled && !before.disabled };
    });
    if (outcome.disabledNow) this.sessions.endSessionsOf(name, "user-disabled");
    else if (passwordHash !== undefined) this.sessions.endSessionsOf(name, "password-changed");
    return this.get(name)!;
  }

  /**
   * Audit entries the users CLI queued while the server ran (the journal has one writer): recorded now.
   * Returns how many.
   */
  recordQueuedAudit(): number {
    const queued = this.ctx.store.takeQueuedAudit();
    for (const q of queued) this.ctx.audit.safe({ ...q.entry, reason: [q.entry.reason, `by the users CLI at ${iso(q.at)}`].filter(Boolean).join("; ") });
    return queued.length;
  }

  /** A refusal of a user change: recorded, then returned to be thrown. */
  private refuser(by: ChangedBy, target: string, requested: unknown) {
    return (code: UserRefusalCode, message: string): ScadaError => {
      this.ctx.audit.safe({ ...auditActorOf(by), action: "user.change", target, newValue: requested, result: "refused", resultReason: `${code}: ${message}` });
      return new ScadaError(code, message);
    };
  }
}
