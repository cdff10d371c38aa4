import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { SCADA_DB_FILE, SqliteUserStore } from "../../../src/stores/user-store.js";
import type { SessionRecord } from "../../../src/auth/user-store-port.js";

const T0 = Date.UTC(2026, 0, 5, 6, 0, 0);

describe("user store (SQLite)", () => {
  let dir: string;
  let store: SqliteUserStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "user-store-"));
    store = SqliteUserStore.open(dir);
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const session = (over: Partial<SessionRecord> = {}): SessionRecord => ({
    idHash: "a".repeat(64),
    user: "op1",
    csrfToken: "csrf",
    address: "127.0.0.1",
    createdAt: T0,
    lastSeen: T0,
    expiresAt: T0 + 3_600_000,
    endedAt: null,
    endReason: null,
    ...over,
  });

  it("creates <dataDir>/scada.db in WAL mode with its tables", () => {
    const db = new Database(join(dir, SCADA_DB_FILE), { readonly: true });
    try {
      assert.equal(db.pragma("journal_mode", { simple: true }), "wal");
      const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
      for (const t of ["users", "sessions", "login_failures", "login_lockouts", "auth_audit_queue"]) assert.ok(tables.includes(t), t);
      assert.equal(db.pragma("user_version", { simple: true }), 1);
    } finally {
      db.close();
    }
  });

  it("users: insert (name taken → false), get, list in name order, update", () => {
    assert.equal(store.countUsers(), 0);
    assert.equal(store.insertUser({ name: "op1", role: "operator", passwordHash: "$h1", now: T0 }), true);
    assert.equal(store.insertUser({ name: "op1", role: "admin", passwordHash: "$h2", now: T0 }), false);
    assert.equal(store.insertUser({ name: "adm", role: "admin", passwordHash: "$h3", now: T0 }), true);
    assert.equal(store.countUsers(), 2);
    assert.deepEqual(store.getUser("op1"), {
      name: "op1", role: "operator", passwordHash: "$h1", disabled: false, createdAt: T0, updatedAt: T0, failedCount: 0, lockedUntil: null,
    });
    assert.deepEqual(store.listUsers().map((u) => u.name), ["adm", "op1"]);
    assert.equal(store.updateUser("op1", { disabled: true, role: "viewer" }, T0 + 5), true);
    assert.deepEqual({ ...store.getUser("op1")!, passwordHash: "-" }, {
      name: "op1", role: "viewer", passwordHash: "-", disabled: true, createdAt: T0, updatedAt: T0 + 5, failedCount: 0, lockedUntil: null,
    });
    assert.equal(store.getUser("op1")!.passwordHash, "$h1", "a patch without a hash keeps it");
    assert.equal(store.updateUser("nobody", { disabled: true }, T0), false);
  });

  it("a role this program does not know is refused loudly, not guessed", () => {
    store.insertUser({ name: "x1", role: "viewer", passwordHash: "$h", now: T0 });
    const db = new Database(join(dir, SCADA_DB_FILE));
    db.prepare("UPDATE users SET role = 'superuser' WHERE name = 'x1'").run();
    db.close();
    assert.throws(() => store.getUser("x1"), /unknown role 'superuser'/);
  });

  it("sessions: insert, get, touch (never backwards), end once, open sessions per user", () => {
    store.insertSession(session());
    store.insertSession(session({ idHash: "b".repeat(64), user: "adm" }));
    assert.deepEqual(store.getSession("a".repeat(64)), session());
    store.touchSession("a".repeat(64), T0 + 1000);
    store.touchSession("a".repeat(64), T0 + 500);
    assert.equal(store.getSession("a".repeat(64))!.lastSeen, T0 + 1000);
    assert.deepEqual(store.openSessions("op1").map((s) => s.idHash), ["a".repeat(64)]);
    assert.equal(store.openSessions().length, 2);
    assert.equal(store.endSession("a".repeat(64), T0 + 2000, "logout"), true);
    assert.equal(store.endSession("a".repeat(64), T0 + 3000, "idle-timeout"), false);
    const ended = store.getSession("a".repeat(64))!;
    assert.equal(ended.endedAt, T0 + 2000);
    assert.equal(ended.endReason, "logout");
    assert.deepEqual(store.openSessions("op1"), []);
    store.touchSession("a".repeat(64), T0 + 9000);
    assert.equal(store.getSession("a".repeat(64))!.lastSeen, T0 + 1000, "an ended session is not touched");
  });

  it("login failures: counted within the window, per name; the user's failed count follows", () => {
    store.insertUser({ name: "op1", role: "operator", passwordHash: "$h", now: T0 });
    assert.deepEqual(store.addLoginFailure("op1", T0, "10.0.0.1", T0 - 1), [T0]);
    assert.deepEqual(store.addLoginFailure("op1", T0 + 10, "10.0.0.1", T0 - 1), [T0, T0 + 10]);
    assert.deepEqual(store.addLoginFailure("ghost", T0 + 20, "10.0.0.1", T0 - 1), [T0 + 20]);
    assert.equal(store.getUser("op1")!.failedCount, 2);
    // The window moves on: older failures no longer count (and are pruned).
    assert.deepEqual(store.addLoginFailure("op1", T0 + 30, "10.0.0.1", T0 + 5), [T0 + 10, T0 + 30]);
    store.clearLoginFailures("op1");
    assert.deepEqual(store.addLoginFailure("op1", T0 + 40, "10.0.0.1", T0 + 5), [T0 + 40]);
  });

  it("locks: users and unknown names alike; listed while they hold; cleared", () => {
    store.insertUser({ name: "op1", role: "operator", passwordHash: "$h", now: T0 });
    store.setLock("op1", T0 + 1000, 0);
    store.setLock("ghost", T0 + 2000, 0);
    assert.equal(store.lockedUntil("op1"), T0 + 1000);
    assert.equal(store.lockedUntil("ghost"), T0 + 2000);
    assert.equal(store.lockedUntil("nobody"), null);
    assert.deepEqual(store.lockedNames(T0), [
      { name: "op1", lockedUntil: T0 + 1000, knownUser: true },
      { name: "ghost", lockedUntil: T0 + 2000, knownUser: false },
    ]);
    assert.deepEqual(store.lockedNames(T0 + 1500).map((l) => l.name), ["ghost"]);
    store.setLock("ghost", null, 0);
    store.setLock("op1", null, 0);
    assert.deepEqual(store.lockedNames(T0), []);
    assert.equal(store.getUser("op1")!.lockedUntil, null);
  });

  it("a transaction rolls back everything when its function throws (nested ones included)", () => {
    assert.throws(() =>
      store.transaction(() => {
        store.insertUser({ name: "op1", role: "operator", passwordHash: "$h", now: T0 });
        store.setLock("ghost", T0 + 1000, 0);
        throw new Error("audit trail down");
      }),
    /audit trail down/);
    assert.equal(store.countUsers(), 0);
    assert.equal(store.lockedUntil("ghost"), null);
  });

  it("the audit queue hands each entry over once, in order", () => {
    const entry = (target: string) => ({ user: "cli:root", role: "cli", clientAddress: "local", action: "user.change" as const, target, result: "ok" as const });
    store.queueAudit(entry("a1"), T0);
    store.queueAudit(entry("a2"), T0 + 1);
    assert.deepEqual(store.takeQueuedAudit(), [{ entry: entry("a1"), at: T0 }, { entry: entry("a2"), at: T0 + 1 }]);
    assert.deepEqual(store.takeQueuedAudit(), []);
  });

  it("a second connection (the users CLI beside the server) sees changes at once", () => {
    const cli = SqliteUserStore.open(dir);
    try {
      cli.insertUser({ name: "op1", role: "operator", passwordHash: "$h", now: T0 });
      assert.equal(store.getUser("op1")?.role, "operator");
      store.insertSession(session());
      cli.endSession("a".repeat(64), T0 + 1, "user-disabled");
      assert.equal(store.getSession("a".repeat(64))!.endReason, "user-disabled");
    } finally {
      cli.close();
    }
  });

  it("refuses a database written by a newer version", () => {
    store.close();
    const db = new Database(join(dir, SCADA_DB_FILE));
    db.pragma("user_version = 99");
    db.close();
    assert.throws(() => SqliteUserStore.open(dir), /version 99, newer than this program knows/);
    store = SqliteUserStore.open(mkdtempSync(join(tmpdir(), "user-store-")));
  });
});
