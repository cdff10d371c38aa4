import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AuditEntry } from "../../../src/audit/audit-record.js";
import { AuthService } from "../../../src/auth/auth-service.js";
import { SYSTEM_ACTOR } from "../../../src/auth/changed-by.js";
import { csrfTokenMatches, sessionCookieValue, sessionIdOf } from "../../../src/auth/session-cookie.js";
import { ManualClock } from "../../../src/core/clock.js";
import { ScadaError } from "../../../src/core/errors.js";
import { argon2PasswordHasher } from "../../../src/stores/argon2-password-hasher.js";
import { SqliteUserStore } from "../../../src/stores/user-store.js";

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 5, 6, 0, 0);
const ADMIN_PW = "first-run-secret-2026";
const OP_PW = "operator-password-1";
const BY = { user: "admin", role: "admin", address: "10.0.0.9" };

describe("auth service", function () {
  this.timeout(20_000);
  let dir: string;
  let store: SqliteUserStore;
  let clock: ManualClock;
  let audit: AuditEntry[];
  let auditDown: boolean;
  let auth: AuthService;
  let ended: { id: string; reason: string }[];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "auth-service-"));
    store = SqliteUserStore.open(dir);
    clock = new ManualClock(T0);
    audit = [];
    auditDown = false;
    ended = [];
    auth = new AuthService({
      store,
      clock,
      hasher: argon2PasswordHasher,
      audit: {
        record: (e) => {
          if (auditDown) throw new ScadaError("SCADA_ERR_AUDIT_WRITE_FAILED");
          audit.push(e);
        },
      },
    });
    auth.onSessionEnded((id, reason) => ended.push({ id, reason }));
    await auth.ensureAdmin(ADMIN_PW);
    await auth.add(BY, { name: "op1", role: "operator", password: OP_PW });
    audit = [];
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const cookieOf = (value: string) => `other=1; htr_session=${value}; x=y`;
  const login = async (name = "op1", password = OP_PW) => {
    const r = await auth.login(name, password, "10.0.0.1");
    if (!r.ok) throw new Error(`${r.code}: ${r.message}`);
    return r;
  };

  describe("first run", () => {
    it("creates admin with the given password once; never a default", async () => {
      const fresh = new AuthService({ store: SqliteUserStore.open(mkdtempSync(join(tmpdir(), "auth-first-"))), clock, hasher: argon2PasswordHasher, audit: { record: () => {} } });
      const first = await fresh.ensureAdmin();
      assert.equal(first.created, true);
      const generated = first.created ? first.generatedPassword : null;
      assert.ok(generated && generated.length >= 20);
      assert.equal((await fresh.login("admin", generated, "local")).ok, true);
      assert.deepEqual(await fresh.ensureAdmin(), { created: false });
      assert.deepEqual(await auth.ensureAdmin("whatever-else-pw"), { created: false });
      assert.equal((await auth.login("admin", ADMIN_PW, "local")).ok, true);
    });

    it("a weak SCADA_ADMIN_PASSWORD stops the first run with the policy's message", async () => {
      const fresh = new AuthService({ store: SqliteUserStore.open(mkdtempSync(join(tmpdir(), "auth-first-"))), clock, hasher: argon2PasswordHasher, audit: { record: () => {} } });
      await assert.rejects(fresh.ensureAdmin("short"), /SCADA_ADMIN_PASSWORD: password must be at least 12 characters long \(it has 5\)/);
      assert.deepEqual(fresh.list(), []);
    });
  });

  describe("login", () => {
    it("opens a session: a random cookie, its sha256 as the id, a CSRF token; recorded", async () => {
      const r = await login();
      assert.match(r.cookieValue, /^[A-Za-z0-9_-]{43}$/);
      assert.equal(r.session.actor.sessionId, sessionIdOf(r.cookieValue));
      assert.deepEqual(r.session.actor, { user: "op1", role: "operator", address: "10.0.0.1", sessionId: sessionIdOf(r.cookieValue) });
      assert.equal(r.session.expiresAt, T0 + 12 * 60 * MIN);
      assert.equal(r.session.idleTimeoutMs, 15 * MIN);
      assert.ok(r.session.permissions.includes("line:stop"));
      assert.ok(!r.session.permissions.includes("users:manage"));
      assert.equal(audit.length, 1);
      assert.equal(audit[0]!.action, "login");
      assert.equal(audit[0]!.user, "op1");
      assert.equal(audit[0]!.result, "ok");
    });

    it("neither the cookie value nor a password is stored or recorded", async () => {
      const r = await login();
      store.close();
      const bytes = readdirSync(dir).map((f) => readFileSync(join(dir, f)).toString("latin1")).join("");
      assert.ok(!bytes.includes(r.cookieValue), "cookie value in the database");
      assert.ok(!bytes.includes(OP_PW) && !bytes.includes(ADMIN_PW), "password in the database");
      assert.ok(bytes.includes(sessionIdOf(r.cookieValue)));
      const recorded = JSON.stringify(audit);
      assert.ok(!recorded.includes(r.cookieValue) && !recorded.includes(OP_PW));
      store = SqliteUserStore.open(dir);
    });

    it("unknown user and wrong password get the same answer; the record says which", async () => {
      const wrong = await auth.login("op1", "not-the-password", "10.0.0.1");
      const unknown = await auth.login("nobody", "not-the-password", "10.0.0.1");
      assert.deepEqual(wrong, { ok: false, code: "SCADA_ERR_AUTH_LOGIN_FAILED", message: "unknown user or wrong password" });
      assert.deepEqual(unknown, wrong);
      assert.deepEqual(audit.map((a) => [a.action, a.user, a.result, a.resultReason]), [
        ["login.failed", "op1", "refused", "SCADA_ERR_AUTH_LOGIN_FAILED: wrong login"],
        ["login.failed", "nobody", "refused", "SCADA_ERR_AUTH_LOGIN_FAILED: unknown user"],
      ]);
    });

    it("a disabled user is told so only with the right password", async () => {
      await auth.disable(BY, "op1");
      const wrong = await auth.login("op1", "not-the-password", "x");
      assert.equal(!wrong.ok && wrong.code, "SCADA_ERR_AUTH_LOGIN_FAILED");
      const r = await auth.login("op1", OP_PW, "x");
      assert.equal(r.ok, false);
      assert.equal(!r.ok && r.code, "SCADA_ERR_AUTH_DISABLED");
    });

    it("a login that cannot be recorded does not happen", async () => {
      auditDown = true;
      await assert.rejects(auth.login("op1", OP_PW, "x"), /SCADA_ERR_AUDIT_WRITE_FAILED|audit/i);
      assert.equal(store.openSessions().length, 0);
    });
  });

  describe("lockout", () => {
    it("5 failures within 15 min lock the user for 15 min, even against the right password; then unlocked", async () => {
      for (let i = 0; i < 4; i++) {
        const r = await auth.login("op1", "wrong-password-x", "10.0.0.1");
        assert.equal(!r.ok && r.code, "SCADA_ERR_AUTH_LOGIN_FAILED", `attempt ${i + 1}`);
        clock.advance(MIN);
      }
      assert.equal(auth.get("op1")!.failedCount, 4);
      const fifth = await auth.login("op1", "wrong-password-x", "10.0.0.1");
      assert.deepEqual(fifth, {
        ok: false,
        code: "SCADA_ERR_AUTH_LOCKED",
        message: `too many failed logins: locked until ${new Date(T0 + 19 * MIN).toISOString()}`,
        lockedUntil: T0 + 19 * MIN,
        lockedForMs: 15 * MIN,
      });
      assert.deepEqual(auth.lockedUsers(), [{ name: "op1", lockedUntil: T0 + 19 * MIN, knownUser: true }]);
      assert.equal(auth.get("op1")!.lockedUntil, T0 + 19 * MIN);
      clock.advance(15 * MIN - 1);
      const whileLocked = await auth.login("op1", OP_PW, "10.0.0.1");
      assert.equal(!whileLocked.ok && whileLocked.code, "SCADA_ERR_AUTH_LOCKED");
      assert.equal(audit.filter((a) => a.resultReason?.startsWith("SCADA_ERR_AUTH_LOCKED")).length, 2);
      clock.advance(1);
      assert.deepEqual(auth.lockedUsers(), []);
      assert.equal((await auth.login("op1", OP_PW, "10.0.0.1")).ok, true);
      assert.equal(auth.get("op1")!.failedCount, 0);
      assert.equal(auth.get("op1")!.lockedUntil, null);
    });

    it("failures spread over more than 15 min do not lock; a success starts the count again", async () => {
      for (let i = 0; i < 6; i++) {
        const r = await auth.login("op1", "wrong-password-x", "10.0.0.1");
        assert.equal(!r.ok && r.code, "SCADA_ERR_AUTH_LOGIN_FAILED");
        clock.advance(4 * MIN);
      }
      await login();
      for (let i = 0; i < 4; i++) await auth.login("op1", "wrong-password-x", "10.0.0.1");
      assert.equal(auth.lockedUsers().length, 0);
    });

    it("an unknown name locks like a user (a lockout does not tell which names exist)", async () => {
      let last;
      for (let i = 0; i < 5; i++) last = await auth.login("ghost", "wrong-password-x", "10.0.0.1");
      assert.equal(last && !last.ok && last.code, "SCADA_ERR_AUTH_LOCKED");
      assert.deepEqual(auth.lockedUsers(), [{ name: "ghost", lockedUntil: T0 + 15 * MIN, knownUser: false }]);
    });

    it("e-signature passwords count towards the lockout", async () => {
      for (let i = 0; i < 5; i++) assert.equal((await auth.verifyPassword("op1", "wrong-password-x", "x")).ok, false);
      assert.deepEqual(await auth.verifyPassword("op1", OP_PW, "x"), { ok: false, reason: `too many failed logins: locked until ${new Date(T0 + 15 * MIN).toISOString()}` });
    });

    it("enabling a user lifts the lockout", async () => {
      for (let i = 0; i < 5; i++) await auth.login("op1", "wrong-password-x", "10.0.0.1");
      assert.equal(auth.lockedUsers().length, 1);
      await auth.enable(BY, "op1");
      assert.equal(auth.lockedUsers().length, 0);
      assert.equal((await auth.login("op1", OP_PW, "x")).ok, true);
    });
  });

  describe("sessions", () => {
    it("the cookie names the session; activity extends the idle timeout; 15 min idle ends it", async () => {
      const r = await login();
      const id = r.session.actor.sessionId;
      clock.advance(10 * MIN);
      const c = auth.sessionFromCookie(cookieOf(r.cookieValue), "10.0.0.2", true);
      assert.equal(c.ok && c.session.actor.address, "10.0.0.2");
      clock.advance(10 * MIN);
      assert.equal(auth.check(id).ok, true, "touched 10 min ago");
      clock.advance(5 * MIN);
      assert.deepEqual(auth.check(id), { ok: false, reason: "session ended: idle-timeout" });
      assert.deepEqual(ended, [{ id, reason: "idle-timeout" }]);
      assert.equal(audit.at(-1)!.action, "logout");
      assert.equal(audit.at(-1)!.reason, "idle-timeout");
      assert.deepEqual(auth.sessionFromCookie(cookieOf(r.cookieValue), "x", true), { ok: false, reason: "session ended: idle-timeout" });
    });

    it("a check without touch does not extend the idle timeout", async () => {
      const r = await login();
      clock.advance(14 * MIN);
      assert.equal(auth.sessionFromCookie(cookieOf(r.cookieValue), "x", false).ok, true);
      clock.advance(MIN);
      assert.equal(auth.sessionFromCookie(cookieOf(r.cookieValue), "x", false).ok, false);
    });

    it("the absolute lifetime ends a session however active", async () => {
      const r = await login();
      for (let t = 0; t < 12 * 60; t += 10) {
        assert.equal(auth.sessionFromCookie(cookieOf(r.cookieValue), "x", true).ok, true, `at ${t} min`);
        clock.advance(10 * MIN);
      }
      assert.deepEqual(auth.sessionFromCookie(cookieOf(r.cookieValue), "x", true), { ok: false, reason: "session ended: expired" });
    });

    it("a missing, malformed or unknown cookie is no session", () => {
      assert.deepEqual(auth.sessionFromCookie(undefined, "x", true), { ok: false, reason: "no session cookie" });
      assert.deepEqual(auth.sessionFromCookie("htr_session=short", "x", true), { ok: false, reason: "no session cookie" });
      assert.deepEqual(auth.sessionFromCookie(`htr_session=${"A".repeat(43)}`, "x", true), { ok: false, reason: "unknown session" });
      assert.equal(sessionCookieValue(`a=b; htr_session=${"B".repeat(43)}`), "B".repeat(43));
    });

    it("logout ends the session once and tells the listeners", async () => {
      const r = await login();
      assert.equal(auth.logout(r.session.actor.sessionId, "10.0.0.1"), true);
      assert.equal(auth.logout(r.session.actor.sessionId, "10.0.0.1"), false);
      assert.deepEqual(ended, [{ id: r.session.actor.sessionId, reason: "logout" }]);
      assert.equal(auth.check(r.session.actor.sessionId).ok, false);
    });

    it("sweep ends timed-out sessions nobody asked about", async () => {
      await login();
      await login("admin", ADMIN_PW);
      clock.advance(16 * MIN);
      assert.equal(auth.sweep(), 2);
      assert.deepEqual(ended.map((e) => e.reason), ["idle-timeout", "idle-timeout"]);
      assert.equal(auth.sweep(), 0);
    });

    it("CSRF tokens compare in constant time, exactly", () => {
      assert.equal(csrfTokenMatches("abc", "abc"), true);
      assert.equal(csrfTokenMatches("abd", "abc"), false);
      assert.equal(csrfTokenMatches("ab", "abc"), false);
      assert.equal(csrfTokenMatches(undefined, "abc"), false);
    });
  });

  describe("users", () => {
    it("disabling a user ends its sessions at once", async () => {
      const a = await login();
      const b = await login();
      await auth.disable(BY, "op1");
      assert.deepEqual(ended.map((e) => e.reason), ["user-disabled", "user-disabled"]);
      assert.equal(auth.check(a.session.actor.sessionId).ok, false);
      assert.equal(auth.check(b.session.actor.sessionId).ok, false);
      const change = audit.find((e) => e.action === "user.change")!;
      assert.deepEqual([change.user, change.target, change.oldValue, change.newValue], ["admin", "op1", { disabled: false }, { disabled: true }]);
    });

    it("a new password ends the user's sessions; the old one no longer works; it is never recorded", async () => {
      const a = await login();
      await auth.passwd(BY, "op1", "a-brand-new-password");
      assert.deepEqual(ended.map((e) => e.reason), ["password-changed"]);
      assert.equal(auth.check(a.session.actor.sessionId).ok, false);
      assert.equal((await auth.login("op1", OP_PW, "x")).ok, false);
      assert.equal((await auth.login("op1", "a-brand-new-password", "x")).ok, true);
      assert.ok(!JSON.stringify(audit).includes("a-brand-new-password"));
      await assert.rejects(auth.passwd(BY, "op1", "short"), /at least 12 characters/);
    });

    it("a role change takes effect on the next request, without ending the session", async () => {
      const a = await login();
      await auth.setRole(BY, "op1", "viewer");
      const c = auth.check(a.session.actor.sessionId);
      assert.equal(c.ok && c.session.actor.role, "viewer");
      assert.equal(c.ok && c.session.permissions.includes("line:command"), false);
      assert.deepEqual(ended, []);
    });

    it("the last enabled admin can be neither disabled nor demoted; with a second admin it can", async () => {
      await assert.rejects(auth.disable(BY, "admin"), (e: ScadaError) => e.code === "SCADA_ERR_USER_LAST_ADMIN");
      await assert.rejects(auth.setRole(BY, "admin", "engineer"), (e: ScadaError) => e.code === "SCADA_ERR_USER_LAST_ADMIN");
      assert.equal(audit.filter((a) => a.action === "user.change" && a.result === "refused").length, 2);
      await auth.add(BY, { name: "admin2", role: "admin", password: "second-admin-password" });
      await auth.disable(BY, "admin");
      await assert.rejects(auth.disable(BY, "admin2"), (e: ScadaError) => e.code === "SCADA_ERR_USER_LAST_ADMIN");
    });

    it("refuses bad names, roles, passwords and taken names, recording each refusal", async () => {
      const codes: string[] = [];
      for (const u of [
        { name: "Bad Name", role: "viewer", password: "long-enough-password" },
        { name: "v1", role: "root", password: "long-enough-password" },
        { name: "v1", role: "viewer", password: "short" },
        { name: "op1", role: "viewer", password: "long-enough-password" },
      ]) {
        await auth.add(BY, u).then(
          () => codes.push("ok"),
          (e: ScadaError) => codes.push(e.code),
        );
      }
      assert.deepEqual(codes, ["SCADA_ERR_USER_INVALID", "SCADA_ERR_USER_INVALID", "SCADA_ERR_USER_INVALID", "SCADA_ERR_USER_EXISTS"]);
      assert.deepEqual(audit.map((a) => a.result), ["refused", "refused", "refused", "refused"]);
      await assert.rejects(auth.update(BY, "nobody", { disabled: true }), (e: ScadaError) => e.code === "SCADA_ERR_USER_UNKNOWN");
      await assert.rejects(auth.update(BY, "op1", {}), (e: ScadaError) => e.code === "SCADA_ERR_USER_INVALID");
    });

    it("a user change that cannot be recorded is not made", async () => {
      auditDown = true;
      await assert.rejects(auth.add(BY, { name: "v1", role: "viewer", password: "long-enough-password" }));
      await assert.rejects(auth.disable(BY, "op1"));
      auditDown = false;
      assert.equal(auth.get("v1"), undefined);
      assert.equal(auth.get("op1")!.disabled, false);
    });

    it("lists users without hashes, with live session counts", async () => {
      await login();
      const list = auth.list();
      assert.deepEqual(list.map((u) => [u.name, u.role, u.disabled, u.sessions]), [["admin", "admin", false, 0], ["op1", "operator", false, 1]]);
      assert.ok(!JSON.stringify(list).includes("argon2"));
    });

    it("the CLI's queued audit entries are recorded by the server", () => {
      store.queueAudit({ ...{ user: "cli:root", role: "cli", clientAddress: "local" }, action: "user.change", target: "op1", result: "ok" }, T0 - 5000);
      assert.equal(auth.recordQueuedAudit(), 1);
      assert.equal(audit.at(-1)!.user, "cli:root");
      assert.match(audit.at(-1)!.reason ?? "", /by the users CLI at 2026-01-05T05:59:55/);
      assert.equal(auth.recordQueuedAudit(), 0);
      assert.equal(SYSTEM_ACTOR.user, "system");
    });
  });
});
