/**
 * Users, sessions and login failures in SQLite: `<dataDir>/scada.db`, WAL, so the `htr-scada users` CLI can
 * change users while the server runs (each opens its own connection; writers wait up to 5 s for each other).
 *
 * Tables (created on open, `PRAGMA user_version` 1):
 * - users(name PK, role, password_hash, disabled, created_at, updated_at, failed_count, locked_until)
 * - sessions(id_hash PK = sha256 of the cookie value, user, csrf_token, address, created_at, last_seen,
 *   expires_at, ended_at, end_reason): the cookie value itself is never stored
 * - login_failures(name, at, address): failed logins still counted towards a lockout (user names or not)
 * - login_lockouts(name PK, locked_until): locks of names that are not users (an unknown name locks like a
 *   real one, so a lockout does not tell which names exist)
 * - auth_audit_queue(seq, at, entry JSON): audit entries of the CLI, taken by the server
 *
 * Times are epoch ms. `synchronous = FULL`: a user change the CLI reported done survives a power cut.
 */
import { openScadaDb } from "./scada-db.js";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type Database from "better-sqlite3";
import type { AuditEntry } from "../audit/audit-record.js";
import { isRole } from "../auth/permissions.js";
import type { SessionRecord, UserPatch, UserRecord, UserStorePort } from "../auth/user-store-port.js";
import { ScadaError } from "../core/errors.js";

export const SCADA_DB_FILE = "scada.db";

const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS users (
  name TEXT PRIMARY KEY,
  role TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  failed_count INTEGER NOT NULL DEFAULT 0,
  locked_until INTEGER
) STRICT;
CREATE TABLE IF NOT EXISTS sessions (
  id_hash TEXT PRIMARY KEY,
  user TEXT NOT NULL,
  csrf_token TEXT NOT NULL,
  address TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  ended_at INTEGER,
  end_reason TEXT
) STRICT;
CREATE INDEX IF NOT EXISTS sessions_open ON sessions(user) WHERE ended_at IS NULL;
CREATE TABLE IF NOT EXISTS login_failures (
  name TEXT NOT NULL,
  at INTEGER NOT NULL,
  address TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS login_failures_name ON login_failures(name, at);
CREATE TABLE IF NOT EXISTS login_lockouts (
  name TEXT PRIMARY KEY,
  locked_until INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS auth_audit_queue (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  entry TEXT NOT NULL
) STRICT;
`;

/** Ended sessions are kept this long (who was logged in when), then deleted. */
const ENDED_SESSION_KEEP_MS = 90 * 86_400_000;

interface UserRow {
  name: string;
  role: string;
  password_hash: string;
  disabled: number;
  created_at: number;
  updated_at: number;
  failed_count: number;
  locked_until: number | null;
}

interface SessionRow {
  id_hash: string;
  user: string;
  csrf_token: string;
  address: string;
  created_at: number;
  last_seen: number;
  expires_at: number;
  ended_at: number | null;
  end_reason: string | null;
}

function toUser(r: UserRow): UserRecord {
  // A role this program does not know (a newer version wrote it) is refused loudly, never guessed.
  if (!isRole(r.role)) throw new Error(`users table: user '${r.name}' has unknown role '${r.role}'`);
  return {
    name: r.name,
    role: r.role,
    passwordHash: r.password_hash,
    disabled: r.disabled !== 0,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    failedCount: r.failed_count,
    lockedUntil: r.locked_until,
  };
}

function toSession(r: SessionRow): SessionRecord {
  return {
    idHash: r.id_hash,
    user: r.user,
    csrfToken: r.csrf_token,
    address: r.address,
    createdAt: r.created_at,
    lastSeen: r.last_seen,
    expiresAt: r.expires_at,
    endedAt: r.ended_at,
    endReason: r.end_reason,
  };
}

export class SqliteUserStore implements UserStorePort {
  private readonly db: Database.Database;
  private readonly stmt;

  /** Opens (creating if needed) `<dataDir>/scada.db`. */
  static open(dataDir: string): SqliteUserStore {
    mkdirSync(dataDir, { recursive: true });
    return new SqliteUserStore(join(dataDir, SCADA_DB_FILE));
  }

  /**
   * Opens the user database a SCADA already made (the users CLI): a wrong --data-dir is refused, naming the
   * path, instead of silently creating an empty database there.
   */
  static openExisting(dataDir: string): SqliteUserStore {
    const file = join(dataDir, SCADA_DB_FILE);
    if (!existsSync(file)) {
      throw new ScadaError("SCADA_ERR_USER_DB_NOT_FOUND", `no user database at ${file}: start the SCADA once with this data directory (htr-scada start), or give the right --data-dir / SCADA_DATA_DIR`);
    }
    return new SqliteUserStore(file);
  }

  constructor(file: string) {
    this.db = openScadaDb(file);
    const version = this.db.pragma("user_version", { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      this.db.close();
      throw new Error(`${file}: user tables are version ${version}, newer than this program knows (${SCHEMA_VERSION})`);
    }
    this.db.exec(SCHEMA);
    if (version < SCHEMA_VERSION) this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
    const db = this.db;
    this.stmt = {
      countUsers: db.prepare<[], { n: number }>("SELECT count(*) AS n FROM users"),
      getUser: db.prepare<[string], UserRow>("SELECT * FROM users WHERE name = ?"),
      listUsers: db.prepare<[], UserRow>("SELECT * FROM users ORDER BY name"),
      insertUser: db.prepare<[string, string, string, number, number]>(
        "INSERT OR IGNORE INTO users (name, role, password_hash, disabled, created_at, updated_at) VALUES (?, ?, ?, 0, ?, ?)",
      ),
      updateUser: db.prepare<{ name: string; role: string | null; hash: string | null; disabled: number | null; now: number }>(
        "UPDATE users SET role = coalesce(@role, role), password_hash = coalesce(@hash, password_hash), " +
          "disabled = coalesce(@disabled, disabled), updated_at = @now WHERE name = @name",
      ),
      addFailure: db.prepare<[string, number, string]>("INSERT INTO login_failures (name, at, address) VALUES (?, ?, ?)"),
      failuresFrom: db.prepare<[string, number], { at: number }>("SELECT at FROM login_failures WHERE name = ? AND at > ? ORDER BY at"),
      pruneFailures: db.prepare<[number]>("DELETE FROM login_failures WHERE at <= ?"),
      clearFailures: db.prepare<[string]>("DELETE FROM login_failures WHERE name = ?"),
      setUserLock: db.prepare<[number | null, number, string]>("UPDATE users SET locked_until = ?, failed_count = ? WHERE name = ?"),
      setNameLock: db.prepare<[string, number]>("INSERT OR REPLACE INTO login_lockouts (name, locked_until) VALUES (?, ?)"),
      clearNameLock: db.prepare<[string]>("DELETE FROM login_lockouts WHERE name = ?"),
      nameLock: db.prepare<[string], { locked_until: number }>("SELECT locked_until FROM login_lockouts WHERE name = ?"),
      lockedUsers: db.prepare<[number], { name: string; locked_until: number }>("SELECT name, locked_until FROM users WHERE locked_until > ? ORDER BY name"),
      lockedNames: db.prepare<[number], { name: string; locked_until: number }>("SELECT name, locked_until FROM login_lockouts WHERE locked_until > ? ORDER BY name"),
      pruneNameLocks: db.prepare<[number]>("DELETE FROM login_lockouts WHERE locked_until <= ?"),
      insertSession: db.prepare<SessionRow>(
        "INSERT INTO sessions (id_hash, user, csrf_token, address, created_at, last_seen, expires_at, ended_at, end_reason) " +
          "VALUES (@id_hash, @user, @csrf_token, @address, @created_at, @last_seen, @expires_at, @ended_at, @end_reason)",
      ),
      getSession: db.prepare<[string], SessionRow>("SELECT * FROM sessions WHERE id_hash = ?"),
      touchSession: db.prepare<[number, string]>("UPDATE sessions SET last_seen = max(last_seen, ?) WHERE id_hash = ? AND ended_at IS NULL"),
      endSession: db.prepare<[number, string, string]>("UPDATE sessions SET ended_at = ?, end_reason = ? WHERE id_hash = ? AND ended_at IS NULL"),
      openSessions: db.prepare<[], SessionRow>("SELECT * FROM sessions WHERE ended_at IS NULL ORDER BY created_at"),
      openSessionsOf: db.prepare<[string], SessionRow>("SELECT * FROM sessions WHERE ended_at IS NULL AND user = ? ORDER BY created_at"),
      pruneSessions: db.prepare<[number]>("DELETE FROM sessions WHERE ended_at IS NOT NULL AND ended_at < ?"),
      queueAudit: db.prepare<[number, string]>("INSERT INTO auth_audit_queue (at, entry) VALUES (?, ?)"),
      queuedAudit: db.prepare<[], { seq: number; at: number; entry: string }>("SELECT seq, at, entry FROM auth_audit_queue ORDER BY seq"),
      clearAudit: db.prepare<[number]>("DELETE FROM auth_audit_queue WHERE seq <= ?"),
    };
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  countUsers(): number {
    return this.stmt.countUsers.get()?.n ?? 0;
  }

  getUser(name: string): UserRecord | undefined {
    const r = this.stmt.getUser.get(name);
    return r ? toUser(r) : undefined;
  }

  listUsers(): UserRecord[] {
    return this.stmt.listUsers.all().map(toUser);
  }

  insertUser(u: { name: string; role: string; passwordHash: string; now: number }): boolean {
    return this.stmt.insertUser.run(u.name, u.role, u.passwordHash, u.now, u.now).changes === 1;
  }

  updateUser(name: string, patch: UserPatch, now: number): boolean {
    const disabled = patch.disabled === undefined ? null : patch.disabled ? 1 : 0;
    return this.stmt.updateUser.run({ name, role: patch.role ?? null, hash: patch.passwordHash ?? null, disabled, now }).changes === 1;
  }

  addLoginFailure(name: string, at: number, address: string, countFrom: number): number[] {
    return this.transaction(() => {
      this.stmt.pruneFailures.run(countFrom);
      this.stmt.addFailure.run(name, at, address);
      const times = this.stmt.failuresFrom.all(name, countFrom).map((r) => r.at);
      this.stmt.setUserLock.run(this.getUser(name)?.lockedUntil ?? null, times.length, name);
      return times;
    });
  }

  clearLoginFailures(name: string): void {
    this.stmt.clearFailures.run(name);
  }

  lockedUntil(name: string): number | null {
    const user = this.stmt.getUser.get(name);
    if (user) return user.locked_until;
    return this.stmt.nameLock.get(name)?.locked_until ?? null;
  }

  setLock(name: string, lockedUntil: number | null, failedCount: number): void {
    this.transaction(() => {
      if (this.stmt.setUserLock.run(lockedUntil, failedCount, name).changes === 1) return;
      if (lockedUntil === null) this.stmt.clearNameLock.run(name);
      else {
        // Locks of other names that ended long ago go (the table only grows with guessed names).
        this.stmt.pruneNameLocks.run(lockedUntil - 30 * 86_400_000);
        this.stmt.setNameLock.run(name, lockedUntil);
      }
    });
  }

  lockedNames(now: number): { name: string; lockedUntil: number; knownUser: boolean }[] {
    return [
      ...this.stmt.lockedUsers.all(now).map((r) => ({ name: r.name, lockedUntil: r.locked_until, knownUser: true })),
      ...this.stmt.lockedNames.all(now).map((r) => ({ name: r.name, lockedUntil: r.locked_until, knownUser: false })),
    ];
  }

  insertSession(s: SessionRecord): void {
    this.stmt.pruneSessions.run(s.createdAt - ENDED_SESSION_KEEP_MS);
    this.stmt.insertSession.run({
      id_hash: s.idHash,
      user: s.user,
      csrf_token: s.csrfToken,
      address: s.address,
      created_at: s.createdAt,
      last_seen: s.lastSeen,
      expires_at: s.expiresAt,
      ended_at: s.endedAt,
      end_reason: s.endReason,
    });
  }

  getSession(idHash: string): SessionRecord | undefined {
    const r = this.stmt.getSession.get(idHash);
    return r ? toSession(r) : undefined;
  }

  touchSession(idHash: string, lastSeen: number): void {
    this.stmt.touchSession.run(lastSeen, idHash);
  }

  endSession(idHash: string, at: number, reason: string): boolean {
    return this.stmt.endSession.run(at, reason, idHash).changes === 1;
  }

  openSessions(user?: string): SessionRecord[] {
    return (user === undefined ? this.stmt.openSessions.all() : this.stmt.openSessionsOf.all(user)).map(toSession);
  }

  queueAudit(entry: AuditEntry, at: number): void {
    this.stmt.queueAudit.run(at, JSON.stringify(entry));
  }

  takeQueuedAudit(): { entry: AuditEntry; at: number }[] {
    return this.transaction(() => {
      const rows = this.stmt.queuedAudit.all();
      const last = rows.at(-1);
      if (last) this.stmt.clearAudit.run(last.seq);
      return rows.map((r) => ({ entry: JSON.parse(r.entry) as AuditEntry, at: r.at }));
    });
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
