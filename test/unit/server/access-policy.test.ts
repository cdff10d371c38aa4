import assert from "node:assert/strict";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import type { AuditEntry } from "../../../src/audit/audit-record.js";
import type { SessionCheck } from "../../../src/auth/session-port.js";
import { ScadaError } from "../../../src/core/errors.js";
import { silentLogger } from "../../../src/core/logger.js";
import { sessionAccessPolicy } from "../../../src/server/access-policy.js";
import { errorHandler } from "../../../src/server/http-errors.js";
import { requestActor } from "../../../src/server/request-actor.js";
import { requirePermission, sessionGate } from "../../../src/server/require-permission.js";
import { sessionMiddleware } from "../../../src/server/session-middleware.js";

/** Sessions by cookie value: `htr_session=<43 chars>` → a role. */
const SESSIONS: Record<string, { role: "viewer" | "operator"; csrf: string }> = {
  ["v".repeat(43)]: { role: "viewer", csrf: "csrf-v" },
  ["o".repeat(43)]: { role: "operator", csrf: "csrf-o" },
};

describe("session access policy (deny by default, every refusal recorded)", () => {
  let server: Server;
  let url: string;
  let audit: AuditEntry[];
  let auditThrows = false;

  before(async () => {
    audit = [];
    const policy = sessionAccessPolicy({
      record: (e) => {
        if (auditThrows) throw new ScadaError("SCADA_ERR_AUDIT_WRITE_FAILED");
        audit.push(e);
      },
    }, silentLogger());
    const app = express();
    app.use(
      sessionMiddleware({
        sessionFromCookie: (cookie): SessionCheck => {
          const value = /htr_session=([^;]+)/.exec(cookie ?? "")?.[1] ?? "";
          const s = SESSIONS[value];
          if (!s) return { ok: false, reason: cookie ? "unknown session" : "no session cookie" };
          return {
            ok: true,
            session: { actor: { user: `${s.role}1`, role: s.role, address: "127.0.0.1", sessionId: `id-${s.role}` }, csrfToken: s.csrf, expiresAt: 0, idleTimeoutMs: 0, permissions: [] },
          };
        },
      }),
    );
    app.use(sessionGate(policy));
    app.use(express.json());
    app.get("/api/line", requirePermission(policy, "line:read"), (req, res) => res.json({ by: requestActor(req) }));
    app.post("/api/line/commands", requirePermission(policy, "line:command"), (req, res) => res.json({ by: requestActor(req) }));
    app.get("/healthz", (_req, res) => res.json({ ok: true }));
    app.use(errorHandler(silentLogger()));
    server = app.listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => {
    audit = [];
    auditThrows = false;
  });

  const as = (role: "viewer" | "operator" | null, csrf?: string): Record<string, string> => ({
    "content-type": "application/json",
    ...(role ? { cookie: `htr_session=${role[0]!.repeat(43)}` } : {}),
    ...(csrf ? { "x-csrf-token": csrf } : {}),
  });
  const call = async (method: string, path: string, headers: Record<string, string>) => {
    const r = await fetch(url + path, { method, headers, ...(method === "GET" ? {} : { body: "{}" }) });
    return { status: r.status, body: (await r.json()) as { error?: { code: string; message: string }; by?: string } };
  };

  it("no session: 401 SCADA_ERR_AUTH_REQUIRED, recorded as access.denied with target and reason", async () => {
    const r = await call("GET", "/api/line?x=1", as(null));
    assert.equal(r.status, 401);
    assert.equal(r.body.error?.code, "SCADA_ERR_AUTH_REQUIRED");
    assert.deepEqual(audit, [
      {
        user: "unauthenticated",
        role: "",
        clientAddress: "127.0.0.1",
        action: "access.denied",
        target: "GET /api/line",
        result: "refused",
        resultReason: "SCADA_ERR_AUTH_REQUIRED: log in first (no session cookie)",
      },
    ]);
  });

  it("missing permission: 403 SCADA_ERR_AUTH_FORBIDDEN naming permission and role, recorded with the user", async () => {
    const r = await call("POST", "/api/line/commands", as("viewer", "csrf-v"));
    assert.equal(r.status, 403);
    assert.equal(r.body.error?.code, "SCADA_ERR_AUTH_FORBIDDEN");
    assert.equal(r.body.error?.message, "permission 'line:command' is not granted to role 'viewer'");
    assert.equal(audit.length, 1);
    assert.deepEqual([audit[0]!.user, audit[0]!.role, audit[0]!.target, audit[0]!.resultReason], [
      "viewer1", "viewer", "POST /api/line/commands", "SCADA_ERR_AUTH_FORBIDDEN: permission 'line:command' is not granted to role 'viewer'",
    ]);
  });

  it("state-changing without (or with another session's) CSRF token: 403 SCADA_ERR_AUTH_CSRF, recorded", async () => {
    for (const headers of [as("operator"), as("operator", "csrf-v"), as("operator", "csrf-o-")]) {
      const r = await call("POST", "/api/line/commands", headers);
      assert.equal(r.status, 403);
      assert.equal(r.body.error?.code, "SCADA_ERR_AUTH_CSRF");
    }
    assert.deepEqual(audit.map((a) => a.resultReason?.split(":")[0]), ["SCADA_ERR_AUTH_CSRF", "SCADA_ERR_AUTH_CSRF", "SCADA_ERR_AUTH_CSRF"]);
  });

  it("allowed: goes on, records nothing, and requestActor names `user (role)`", async () => {
    assert.deepEqual(await call("POST", "/api/line/commands", as("operator", "csrf-o")), { status: 200, body: { by: "operator1 (operator)" } });
    assert.deepEqual(await call("GET", "/api/line", as("viewer")), { status: 200, body: { by: "viewer1 (viewer)" } });
    assert.deepEqual((await call("GET", "/healthz", as(null))).status, 200);
    assert.deepEqual(audit, []);
  });

  it("an audit trail that cannot record leaves a refusal a refusal", async () => {
    auditThrows = true;
    const r = await call("GET", "/api/line", as(null));
    assert.equal(r.status, 401);
  });
});
