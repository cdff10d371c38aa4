import type { AuditEntry } from "../audit/audit-record.js";
import type { Role } from "./permissions.js";

/** A user as stored. `passwordHash` is an argon2id PHC string; the password itself is never stored. */
export interface UserRecord {
  readonly name: string;
  readonly role: Role;
  readonly passwordHash: string;
  readonly disabled: boolean;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** Failed logins counted towards a lockout now (since the last success or lock). */
  readonly failedCount: number;
  /** End of the current or last lockout, epoch ms; null: never locked or unlocked since. */
  readonly lockedUntil: number | null;
}

/** A session as stored: keyed by the sha256 of the cookie value, which is never stored. */
export interface SessionRecord {
  readonly idHash: string;
  readonly user: string;
  readonly csrfToken: string;
  readonly address: string;
  readonly createdAt: number;
  readonly lastSeen: number;
  readonly expiresAt: number;
  readonly endedAt: number | null;
  readonly endReason: string | null;
}

export interface UserPatch {
  readonly role?: Role;
  readonly passwordHash?: string;
  readonly disabled?: boolean;
}

/**
 * What the auth service needs from its database (implemented over SQLite by src/stores/user-store.ts).
 * Every call is synchronous and atomic; `transaction` groups several into one.
 */
export interface UserStorePort {
  transaction<T>(fn: () => T): T;

  countUsers(): number;
  getUser(name: string): UserRecord | undefined;
  listUsers(): UserRecord[];
  /** false when the name is taken. */
  insertUser(user: { name: string; role: Role; passwordHash: string; now: number }): boolean;
  /** false when there is no such user. */
  updateUser(name: string, patch: UserPatch, now: number): boolean;

  /** Records a failed login of `name` (a user or not); returns the times still counted for the name, oldest first. */
  addLoginFailure(name: string, at: number, address: string, countFrom: number): number[];
  /** Forgets the name's counted failures (after a success, a lock or an unlock). */
  clearLoginFailures(name: string): void;
  /** The name's lock end (users and unknown names alike), null when none. */
  lockedUntil(name: string): number | null;
  /** Sets or clears (null) the name's lock, and the user's failed count. */
  setLock(name: string, lockedUntil: number | null, failedCount: number): void;
  /** Names locked at `now`, with whether they are users. */
  lockedNames(now: number): { name: string; lockedUntil: number; knownUser: boolean }[];

  insertSession(session: SessionRecord): void;
  getSession(idHash: string): SessionRecord | undefined;
  touchSession(idHash: string, lastSeen: number): void;
  /** false when it was already ended. */
  endSession(idHash: string, at: number, reason: string): boolean;
  /** Sessions not ended (some may have timed out without anyone looking yet). */
  openSessions(user?: string): SessionRecord[];

  /**
   * Audit entries written while the audit trail could not take them (the users CLI runs beside the server,
   * and the journal has one writer): the server takes them and records them.
   */
  queueAudit(entry: AuditEntry, at: number): void;
  takeQueuedAudit(): { entry: AuditEntry; at: number }[];

  close(): void;
}
