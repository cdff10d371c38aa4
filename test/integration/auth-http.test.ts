import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { request as httpsRequest, createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Express } from "express";
import type { AuditRecord } from "../../src/audit/audit-record.js";
import { ManualClock } from "../../src/core/clock.js";
import { silentLogger } from "../../src/core/logger.js";
import { createRuntime } from "../../src/runtime.js";
import type { Runtime } from "../../src/runtime/runtime-options.js";
import { type ApiClient, TEST_ADMIN_PASSWORD, adminClient, apiClient } from "../helpers/api-client.js";
import { realConfigOnFreePorts } from "../helpers/test-config.js";
import { waitFor } from "../helpers/wait-for.js";
import { freePort } from "../helpers/free-port.js";

const MIN = 60_000;

interface RouteInfo {
  readonly method: string;
  readonly path: string;
}

/** Every route the app has, from express's router stack (nested routers included). */
function appRoutes(app: Express): RouteInfo[] {
  const out: RouteInfo[] = [];
  interface Layer {
    route?: { path: string | string[]; methods: Record<string, boolean> };
    handle?: { stack?: Layer[] };
  }
  const walk = (stack: Layer[]): void => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const path of paths) for (const m of Object.keys(layer.route.methods)) out.push({ method: m.toUpperCase(), path });
      } else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return out;
}

const PUBLIC = new Set(["GET /healthz", "GET /readyz", "POST /api/login"]);

async function errorCode(res: Response): Promise<string> {
  const body = (await res.json()) as { error?: { code: string; message: string } };
  return body.error?.code ?? `(no error: ${JSON.stringify(body)})`;
}

/** `htr-scada users …` as a real child process; stdin fed from `input`. */
function usersCli(args: string[], dataDir: string, input = ""): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ["--import=tsx", "src/main.ts", "users", ...args, "--data-dir", dataDir], {
      env: { ...process.env, LOG_LEVEL: "silent" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    proc.stdout.on("data", (d: Buffer) => (out += d.toString()));
    proc.stderr.on("data", (d: Buffer) => (err += d.toString()));
    proc.on("error", reject);
    proc.on("exit", (code) => resolve({ code, out, err }));
    proc.stdin.end(input);
  });
}

describe("auth over HTTP (deny by default, sessions, CSRF, lockout, users)", function () {
  this.timeout(60_000);
  let runtime: Runtime;
  let url: string;
  let dataDir: string;
  let admin: ApiClient;
  const authClock = new ManualClock(Date.UTC(2026, 0, 5, 6, 0, 0));
  /** Every audit record the runtime's trail writes. */
  const records: AuditRecord[] = [];

  before(async () => {
    const tc = await realConfigOnFreePorts();
    dataDir = mkdtempSync(join(tmpdir(), "auth-http-"));
    runtime = createRuntime(tc.config, {
      port: 0,
      host: "127.0.0.1",
      dataDir,
      sim: true,
      logger: silentLogger(),
      adminPassword: TEST_ADMIN_PASSWORD,
      auth: { clock: authClock },
      // A historian that cannot reach its InfluxDB: its routes exist (and spool), no influxd is started.
      influxUrl: `http://127.0.0.1:${await freePort()}/htr`,
    });
    runtime.audit.onRecord((r) => records.push(r));
    ({ url } = await runtime.start());
    admin = await adminClient(url);
  });
  after(async () => {
    await runtime?.stop();
  });

  describe("deny by default", () => {
    it("every protected route of the app (from its router stack) answers 401 SCADA_ERR_AUTH_REQUIRED without a session", async () => {
      const routes = appRoutes(runtime.app);
      const protectedRoutes = routes.filter((r) => !PUBLIC.has(`${r.method} ${r.path}`));
      for (const must of ["GET /metrics", "GET /api/tags", "POST /api/line/commands", "GET /api/history", "GET /api/users", "PATCH /api/users/:name", "GET /api/me", "POST /api/logout", "POST /api/sim/faults/:name"]) {
        assert.ok(routes.some((r) => `${r.method} ${r.path}` === must), `${must} is not in the router stack`);
      }
      assert.ok(protectedRoutes.length >= 25, `only ${protectedRoutes.length} routes found`);
      const wrong: string[] = [];
      for (const r of protectedRoutes) {
        const path = r.path.replace(/:[A-Za-z]+/g, "x");
        const res = await fetch(url + path, { method: r.method, headers: { "content-type": "application/json" }, ...(r.method === "GET" ? {} : { body: "{}" }) });
        const code = res.status === 401 ? await errorCode(res) : "";
        if (res.status !== 401 || code !== "SCADA_ERR_AUTH_REQUIRED") wrong.push(`${r.method} ${r.path}: ${res.status} ${code}`);
      }
      assert.deepEqual(wrong, []);
      // The refusals are in the audit trail: access.denied, target METHOD /path, the reason — one by one up to
      // 20 a minute per address (RefusalFloodGuard), the rest counted into a summary record when the minute ends.
      const denied = records.filter((r) => r.action === "access.denied" && r.user === "unauthenticated");
      assert.ok(denied.length >= 20, `${denied.length} access.denied records for ${protectedRoutes.length} routes`);
      const tags = denied.find((r) => r.target === "GET /metrics")!;
      assert.equal(tags.result, "refused");
      assert.match(tags.resultReason ?? "", /^SCADA_ERR_AUTH_REQUIRED: log in first/);
      assert.equal(tags.clientAddress, "127.0.0.1");
    });

    it("routes that do not exist and malformed bodies are 401 too (nothing is parsed before the session)", async () => {
      assert.equal((await fetch(`${url}/api/no-such-route`)).status, 401);
      assert.equal((await fetch(`${url}/metrics/x`)).status, 401);
      const malformed = await fetch(`${url}/api/line/commands`, { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" });
      assert.equal(malformed.status, 401);
      // A forged or expired cookie is no session.
      const forged = await fetch(`${url}/api/tags`, { headers: { cookie: `htr_session=${"A".repeat(43)}` } });
      assert.equal(forged.status, 401);
    });

    it("the probes stay public; outside /api the HMI's files need no session", async () => {
      assert.equal((await fetch(`${url}/healthz`)).status, 200);
      assert.ok([200, 503].includes((await fetch(`${url}/readyz`)).status));
      assert.notEqual((await fetch(`${url}/some-page`)).status, 401);
    });
  });

  describe("login, me, logout", () => {
    it("POST /api/login: the session JSON and an HttpOnly, SameSite=Strict, Path=/ cookie (not Secure over http)", async () => {
      const res = await fetch(`${url}/api/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ user: "admin", password: TEST_ADMIN_PASSWORD }) });
      assert.equal(res.status, 200);
      const body = (await res.json()) as Record<string, unknown>;
      assert.deepEqual(Object.keys(body).sort(), ["csrfToken", "expiresAt", "idleTimeoutMs", "permissions", "role", "user"]);
      assert.equal(body.user, "admin");
      assert.equal(body.role, "admin");
      assert.ok(Array.isArray(body.permissions) && body.permissions.includes("users:manage"));
      assert.match(String(body.csrfToken), /^[A-Za-z0-9_-]{43}$/);
      assert.equal(body.expiresAt, authClock.now() + 12 * 60 * MIN);
      assert.equal(body.idleTimeoutMs, 15 * MIN);
      const cookie = res.headers.get("set-cookie") ?? "";
      assert.match(cookie, /^htr_session=[A-Za-z0-9_-]{43}; /);
      assert.match(cookie, /; HttpOnly/);
      assert.match(cookie, /; SameSite=Strict/);
      assert.match(cookie, /; Path=\//);
      assert.doesNotMatch(cookie, /Secure/);
    });

    it("GET /api/me answers the same JSON as the login, with the session's CSRF token", async () => {
      const me = (await admin.getJson<Record<string, unknown>>("/api/me"));
      assert.deepEqual(Object.keys(me).sort(), ["csrfToken", "expiresAt", "idleTimeoutMs", "permissions", "role", "user"]);
      assert.equal(me.csrfToken, admin.csrfToken);
      assert.equal(me.user, "admin");
    });

    it("a wrong password and an unknown user: 401 SCADA_ERR_AUTH_LOGIN_FAILED, the same message; bad bodies 400", async () => {
      const attempt = (body: unknown) => fetch(`${url}/api/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      const wrong = await attempt({ user: "admin", password: "wrong-password-x" });
      const unknown = await attempt({ user: "nobody-here", password: "wrong-password-x" });
      assert.equal(wrong.status, 401);
      assert.equal(unknown.status, 401);
      assert.deepEqual(await wrong.json(), await unknown.json());
      assert.equal((await attempt({ user: "admin" })).status, 400);
      assert.equal((await attempt({ user: "admin", password: "x", extra: 1 })).status, 400);
    });

    it("logout needs the CSRF token, ends the session and clears the cookie", async () => {
      const c = await adminClient(url);
      const noCsrf = await c.request("/api/logout", { method: "POST", csrf: false });
      assert.equal(noCsrf.status, 403);
      assert.equal(await errorCode(noCsrf), "SCADA_ERR_AUTH_CSRF");
      const wrongCsrf = await c.request("/api/logout", { method: "POST", csrf: false, headers: { "x-csrf-token": admin.csrfToken } });
      assert.equal(await errorCode(wrongCsrf), "SCADA_ERR_AUTH_CSRF", "another session's token");
      const out = await c.post("/api/logout");
      assert.equal(out.status, 200);
      assert.match(out.headers.get("set-cookie") ?? "", /^htr_session=; .*Expires=Thu, 01 Jan 1970/);
      assert.equal((await c.get("/api/me")).status, 401);
    });

    it("the Secure flag is set when the request came over https", async () => {
      const dir = mkdtempSync(join(tmpdir(), "auth-tls-"));
      execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-days", "1", "-subj", "/CN=127.0.0.1"], {
        stdio: ["ignore", "ignore", "pipe"],
        // node-opcua leaves OPENSSL_CONF set to the string "undefined" in this process.
        env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== "OPENSSL_CONF")),
      });
      const server = createHttpsServer({ key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) }, runtime.app);
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      try {
        const { port } = server.address() as AddressInfo;
        const setCookie = await new Promise<string>((resolve, reject) => {
          const req = httpsRequest(
            { host: "127.0.0.1", port, path: "/api/login", method: "POST", rejectUnauthorized: false, headers: { "content-type": "application/json" } },
            (res) => {
              res.resume();
              resolve(String(res.headers["set-cookie"]?.[0] ?? `status ${res.statusCode}`));
            },
          );
          req.on("error", reject);
          req.end(JSON.stringify({ user: "admin", password: TEST_ADMIN_PASSWORD }));
        });
        assert.match(setCookie, /; Secure/);
        assert.match(setCookie, /; HttpOnly/);
      } finally {
        server.closeAllConnections();
        await new Promise((r) => server.close(r));
      }
    });
  });

  describe("permissions and CSRF on the routes", () => {
    let viewer: ApiClient;
    let qa: ApiClient;
    before(async () => {
      for (const [name, role] of [["v1", "viewer"], ["qa1", "qa"]] as const) {
        const r = await admin.post("/api/users", { name, role, password: `${role}-secret-pass-1` });
        assert.equal(r.status, 201, await r.text());
      }
      viewer = await apiClient(url, "v1", "viewer-secret-pass-1");
      qa = await apiClient(url, "qa1", "qa-secret-pass-1");
    });

    it("a role without the permission: 403 SCADA_ERR_AUTH_FORBIDDEN naming permission and role", async () => {
      const r = await viewer.post("/api/line/commands", { command: "reset" });
      assert.equal(r.status, 403);
      const body = (await r.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, "SCADA_ERR_AUTH_FORBIDDEN");
      assert.match(body.error.message, /'line:stop'.*'viewer'/);
      assert.equal((await viewer.get("/api/users")).status, 403);
      assert.equal((await viewer.get("/metrics")).status, 403);
      assert.equal((await viewer.get("/api/tags")).status, 200);
      assert.equal((await qa.get("/api/users")).status, 200);
      assert.equal((await qa.get("/metrics")).status, 200);
      assert.equal(await errorCode(await qa.post("/api/users", { name: "x2", role: "viewer", password: "long-enough-pass" })), "SCADA_ERR_AUTH_FORBIDDEN");
    });

    it("a state-changing request without the session's CSRF token: 403 SCADA_ERR_AUTH_CSRF, nothing done", async () => {
      for (const [method, path] of [["POST", "/api/line/commands"], ["POST", "/api/sim/faults/door-open"], ["PATCH", "/api/users/v1"], ["POST", "/api/users"], ["POST", "/api/alarms/AUTH-LOCKOUT/ack"]] as const) {
        const r = await admin.request(path, { method, csrf: false, headers: { "content-type": "application/json" }, body: JSON.stringify({ active: true }) });
        assert.equal(r.status, 403, `${method} ${path}`);
        assert.equal(await errorCode(r), "SCADA_ERR_AUTH_CSRF", `${method} ${path}`);
      }
      const faults = await admin.getJson<{ faults: { name: string; active: boolean }[] }>("/api/sim/faults");
      assert.equal(faults.faults.find((f) => f.name === "door-open")?.active, false);
      // GET needs no token.
      assert.equal((await admin.request("/api/line", { method: "GET", csrf: false })).status, 200);
    });
  });

  describe("users", () => {
    it("POST /api/users creates, PATCH changes; bad input 400/422; the last enabled admin is kept", async () => {
      const created = await admin.post("/api/users", { name: "op1", role: "operator", password: "operator-secret-1" });
      assert.equal(created.status, 201);
      const u = (await created.json()) as Record<string, unknown>;
      assert.deepEqual([u.name, u.role, u.disabled], ["op1", "operator", false]);
      assert.ok(!JSON.stringify(u).includes("argon2"));
      assert.equal((await admin.post("/api/users", { name: "op1", role: "operator", password: "operator-secret-1" })).status, 409);
      assert.equal(await errorCode(await admin.post("/api/users", { name: "op9", role: "operator", password: "short" })), "SCADA_ERR_USER_INVALID");
      assert.equal((await admin.post("/api/users", { name: "op9", role: "root", password: "long-enough-pass" })).status, 400);
      assert.equal((await admin.patch("/api/users/op1", {})).status, 400);
      assert.equal((await admin.patch("/api/users/nobody", { disabled: true })).status, 404);
      const last = await admin.patch("/api/users/admin", { disabled: true });
      assert.equal(last.status, 409);
      assert.equal(await errorCode(last), "SCADA_ERR_USER_LAST_ADMIN");
      assert.equal(await errorCode(await admin.patch("/api/users/admin", { role: "engineer" })), "SCADA_ERR_USER_LAST_ADMIN");
      const list = await admin.getJson<{ users: { name: string }[] }>("/api/users");
      assert.ok(list.users.some((x) => x.name === "op1"));
    });

    it("a disabled user's session ends at once; enabled again, the user logs in anew", async () => {
      await admin.post("/api/users", { name: "op2", role: "operator", password: "operator-secret-2" });
      const op2 = await apiClient(url, "op2", "operator-secret-2");
      assert.equal((await op2.get("/api/line")).status, 200);
      assert.equal((await admin.patch("/api/users/op2", { disabled: true })).status, 200);
      const after = await op2.get("/api/line");
      assert.equal(after.status, 401);
      assert.match(((await after.json()) as { error: { message: string } }).error.message, /user-disabled/);
      await assert.rejects(apiClient(url, "op2", "operator-secret-2"), /403.*SCADA_ERR_AUTH_DISABLED/);
      await admin.patch("/api/users/op2", { disabled: false });
      assert.equal((await (await apiClient(url, "op2", "operator-secret-2")).get("/api/line")).status, 200);
    });

    it("a new password ends the user's sessions", async () => {
      await admin.post("/api/users", { name: "op3", role: "operator", password: "operator-secret-3" });
      const op3 = await apiClient(url, "op3", "operator-secret-3");
      assert.equal((await admin.patch("/api/users/op3", { password: "operator-secret-3b" })).status, 200);
      assert.equal((await op3.get("/api/line")).status, 401);
      await apiClient(url, "op3", "operator-secret-3b");
    });
  });

  describe("lockout and the AUTH-LOCKOUT alarm", () => {
    const alarm = async () => (await admin.getJson<{ alarms: { id: string; state: string; value: unknown; ackedBy: string | null }[] }>("/api/alarms")).alarms.find((a) => a.id === "AUTH-LOCKOUT")!;

    it("5 failures lock the user (423 with lockedUntil and Retry-After, even with the right password); the alarm comes; enabling lifts both", async () => {
      await admin.post("/api/users", { name: "op5", role: "operator", password: "operator-secret-5" });
      assert.equal((await alarm()).state, "normal");
      const attempt = (password: string) => fetch(`${url}/api/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ user: "op5", password }) });
      for (let i = 0; i < 4; i++) assert.equal((await attempt("wrong-password-x")).status, 401, `attempt ${i + 1}`);
      const fifth = await attempt("wrong-password-x");
      assert.equal(fifth.status, 423);
      const body = (await fifth.json()) as { error: { code: string; details: { lockedUntil: number } } };
      assert.equal(body.error.code, "SCADA_ERR_AUTH_LOCKED");
      assert.equal(body.error.details.lockedUntil, authClock.now() + 15 * MIN);
      assert.equal(fifth.headers.get("retry-after"), String(15 * 60));
      assert.equal((await attempt("operator-secret-5")).status, 423);
      await waitFor("AUTH-LOCKOUT active", 3000, async () => (await alarm()).state === "unack-active");
      assert.equal((await alarm()).value, 1);
      const users = await admin.getJson<{ users: { name: string; lockedUntil: number | null }[] }>("/api/users");
      assert.equal(users.users.find((u) => u.name === "op5")?.lockedUntil, authClock.now() + 15 * MIN);
      // The alarm is acknowledged by the logged-in admin, named as `user (role)`.
      assert.equal((await admin.post("/api/alarms/AUTH-LOCKOUT/ack")).status, 200);
      const lockRecord = records.find((r) => r.action === "login.failed" && r.user === "op5" && r.resultReason?.startsWith("SCADA_ERR_AUTH_LOCKED: 5 failed logins"));
      assert.ok(lockRecord, "the lockout is in the audit trail");
      assert.equal(records.filter((r) => r.action === "login.failed" && r.user === "op5").length, 6);
      assert.equal((await alarm()).ackedBy, "admin (admin)");
      assert.equal((await admin.patch("/api/users/op5", { disabled: false })).status, 200);
      await waitFor("AUTH-LOCKOUT clear", 3000, async () => (await alarm()).state === "normal");
      assert.equal((await attempt("operator-secret-5")).status, 200);
    });

    it("a lock ends by itself after 15 min", async () => {
      await admin.post("/api/users", { name: "op6", role: "operator", password: "operator-secret-6" });
      const attempt = (password: string) => fetch(`${url}/api/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ user: "op6", password }) });
      for (let i = 0; i < 5; i++) await attempt("wrong-password-x");
      assert.equal((await attempt("operator-secret-6")).status, 423);
      // Keep the admin's session alive across the jump.
      authClock.advance(14 * MIN);
      assert.equal((await admin.get("/api/line")).status, 200);
      authClock.advance(MIN);
      assert.equal((await attempt("operator-secret-6")).status, 200);
    });
  });

  describe("session expiry (auth clock moved by hand)", () => {
    it("15 min without activity ends a session (401 naming idle-timeout); activity keeps it", async () => {
      const c = await adminClient(url);
      authClock.advance(14 * MIN);
      assert.equal((await c.get("/api/line")).status, 200);
      authClock.advance(14 * MIN);
      assert.equal((await c.get("/api/me")).status, 200, "activity 14 min ago");
      authClock.advance(MIN);
      const r = await c.get("/api/line");
      assert.equal(r.status, 401);
      assert.match(((await r.json()) as { error: { message: string } }).error.message, /idle-timeout/);
      admin = await adminClient(url);
    });

    it("the absolute lifetime (12 h) ends a session however active", async () => {
      const c = await adminClient(url);
      for (let t = 0; t < 12 * 60; t += 10) {
        assert.equal((await c.get("/api/line")).status, 200, `at ${t} min`);
        authClock.advance(10 * MIN);
      }
      const r = await c.get("/api/line");
      assert.equal(r.status, 401);
      assert.match(((await r.json()) as { error: { message: string } }).error.message, /expired/);
      admin = await adminClient(url);
    });
  });

  describe("security headers (helmet)", () => {
    it("CSP for the HMI (self, inline styles, ws/wss), nosniff, frame refusal; no X-Powered-By", async () => {
      const r = await fetch(`${url}/healthz`);
      const csp = r.headers.get("content-security-policy") ?? "";
      assert.match(csp, /default-src 'self'/);
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.match(csp, /style-src 'self' 'unsafe-inline'/);
      assert.match(csp, /connect-src 'self' ws: wss:/);
      assert.match(csp, /img-src 'self' data:/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.doesNotMatch(csp, /upgrade-insecure-requests/);
      assert.equal(r.headers.get("x-content-type-options"), "nosniff");
      assert.equal(r.headers.get("x-frame-options"), "SAMEORIGIN");
      assert.equal(r.headers.get("x-powered-by"), null);
      assert.ok(r.headers.get("cross-origin-opener-policy"));
    });
  });

  describe("htr-scada users (CLI) beside the running server", () => {
    it("add / list / passwd / disable / enable round trip; passwords from stdin, never argv", async function () {
      this.timeout(60_000);
      const add = await usersCli(["add", "cli1", "--role", "viewer", "--password-stdin"], dataDir, "cli-user-secret-1\n");
      assert.equal(add.code, 0, add.err);
      assert.match(add.out, /user 'cli1' added \(viewer\)/);
      const cli1 = await apiClient(url, "cli1", "cli-user-secret-1");
      assert.equal((await cli1.get("/api/tags")).status, 200);

      const list = await usersCli(["list"], dataDir);
      assert.equal(list.code, 0, list.err);
      assert.match(list.out, /^NAME\s+ROLE\s+STATE/m);
      // (Its session count is by the CLI's own clock, not the test's auth clock: not checked here.)
      assert.match(list.out, /^cli1\s+viewer\s+enabled\s+-\s+0\s/m);
      assert.ok(!list.out.includes("argon2"));

      const weak = await usersCli(["passwd", "cli1", "--password-stdin"], dataDir, "short\n");
      assert.equal(weak.code, 1);
      assert.match(weak.err, /SCADA_ERR_USER_INVALID: password must be at least 12 characters/);
      const passwd = await usersCli(["passwd", "cli1", "--password-stdin"], dataDir, "cli-user-secret-2\n");
      assert.equal(passwd.code, 0, passwd.err);
      assert.equal((await cli1.get("/api/tags")).status, 401, "a new password ends the session");
      const again = await apiClient(url, "cli1", "cli-user-secret-2");

      const disable = await usersCli(["disable", "cli1"], dataDir);
      assert.equal(disable.code, 0, disable.err);
      assert.equal((await again.get("/api/tags")).status, 401, "disabled by the CLI: the server's session ends");
      await assert.rejects(apiClient(url, "cli1", "cli-user-secret-2"), /SCADA_ERR_AUTH_DISABLED/);
      const enable = await usersCli(["enable", "cli1"], dataDir);
      assert.equal(enable.code, 0, enable.err);
      await apiClient(url, "cli1", "cli-user-secret-2");

      // The CLI's changes reach the audit trail through the server (the journal has one writer).
      runtime.auth.recordQueuedAudit();
      const cliChanges = records.filter((r) => r.action === "user.change" && r.result === "ok" && r.target === "cli1" && r.user.startsWith("cli:"));
      assert.deepEqual(cliChanges.map((r) => r.newValue), [{ role: "viewer", disabled: false }, { passwordChanged: true }, { disabled: true }, { disabled: false }]);

      const lastAdmin = await usersCli(["disable", "admin"], dataDir);
      assert.equal(lastAdmin.code, 1);
      assert.match(lastAdmin.err, /SCADA_ERR_USER_LAST_ADMIN/);
      const noTty = await usersCli(["add", "cli2", "--role", "viewer"], dataDir);
      assert.equal(noTty.code, 1);
      assert.match(noTty.err, /use --password-stdin/);
      const badRole = await usersCli(["add", "cli2", "--role", "root", "--password-stdin"], dataDir, "cli-user-secret-1\n");
      assert.equal(badRole.code, 1);
      assert.match(badRole.err, /unknown role 'root'/);
      // A wrong data directory is refused, naming the path; no empty user database is made there.
      const wrongDir = join(dataDir, "not-the-data-dir");
      const wrong = await usersCli(["list"], wrongDir);
      assert.equal(wrong.code, 1);
      assert.match(wrong.err, /SCADA_ERR_USER_DB_NOT_FOUND: no user database at .*not-the-data-dir\/scada\.db/);
      assert.equal(existsSync(join(wrongDir, "scada.db")), false);
    });
  });

  // (In a describe of its own: mocha runs a suite's own tests before its sub-suites, and this one must run last.)
  describe("audit trail", () => {
    it("no audit record holds a password or a session cookie", () => {
      const text = JSON.stringify(records);
      for (const secret of [TEST_ADMIN_PASSWORD, "operator-secret-1", "cli-user-secret-1", "cli-user-secret-2", admin.cookie.split("=")[1]!]) {
        assert.ok(!text.includes(secret), `'${secret}' in the audit trail`);
      }
      assert.ok(records.some((r) => r.action === "login" && r.user === "admin"), "login recorded");
      assert.ok(records.some((r) => r.action === "logout"), "logout recorded");
      assert.ok(records.some((r) => r.action === "user.change" && r.user === "admin" && r.target === "op1"), "user change recorded");
    });
  });
});
