import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import express from "express";
import { AUDIT_CSV_COLUMNS } from "../../src/audit/audit-csv.js";
import type { AuditRecord } from "../../src/audit/audit-record.js";
import { AuditTrail } from "../../src/audit/audit-trail.js";
import { roleCan } from "../../src/auth/permissions.js";
import { ManualClock } from "../../src/core/clock.js";
import { silentLogger } from "../../src/core/logger.js";
import { AUDIT_JOURNAL_FILE, AuditJournal } from "../../src/stores/audit-journal.js";
import type { AccessPolicy } from "../../src/server/access-policy.js";
import { auditRoutes } from "../../src/server/audit-routes.js";
import { errorHandler, notFoundHandler } from "../../src/server/http-errors.js";

/**
 * GET /api/audit and /api/audit/verify over real HTTP (port 0) on a real journal file. The routes are mounted
 * with the app's own error handlers and a policy that reads the role from a test header and asks the real
 * permission table (sessions are the auth service's, tested there).
 */
describe("GET /api/audit, GET /api/audit/verify (HTTP, real journal)", function () {
  this.timeout(30_000);
  const T0 = Date.UTC(2025, 6, 3, 8, 0, 0);
  const NOW = T0 + 3_600_000;
  let dir: string;
  let journal: AuditJournal;
  let trail: AuditTrail;
  let server: Server;
  let url: string;

  const policy: AccessPolicy = {
    check: (requirement, req) => {
      const role = req.header("x-test-role");
      if (!role) return { allowed: false, code: "SCADA_ERR_AUTH_REQUIRED", reason: "log in first" };
      if (requirement === "session" || roleCan(role, requirement)) return { allowed: true };
      return { allowed: false, code: "SCADA_ERR_AUTH_FORBIDDEN", reason: `role '${role}' lacks '${requirement}'` };
    },
  };
  const get = async (path: string, role = "qa") => {
    const res = await fetch(url + path, { headers: { "x-test-role": role } });
    const text = await res.text();
    const isJson = (res.headers.get("content-type") ?? "").includes("json");
    return { status: res.status, headers: res.headers, text, body: (isJson ? JSON.parse(text) : undefined) as Record<string, unknown> };
  };
  const records = (body: Record<string, unknown>) => body.records as AuditRecord[];
  const seqs = (body: Record<string, unknown>) => records(body).map((r) => r.sequence);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "audit-http-"));
    journal = AuditJournal.open(dir, { logger: silentLogger() });
    const clock = new ManualClock(T0);
    trail = new AuditTrail({ journal, clock, logger: silentLogger() });
    for (let i = 1; i <= 40; i++) {
      clock.set(T0 + i * 60_000);
      trail.record({
        user: ["alice", "bob", "carol", "dave"][i % 4]!,
        role: i % 4 === 3 ? "engineer" : "operator",
        clientAddress: "10.0.0.7",
        action: i === 30 ? "interlock.bypass" : i % 5 === 0 ? "alarm.ack" : "setpoint.write",
        target: i % 5 === 0 ? `HTR-ALM-${i}` : `zone${i % 3}.temp_sp`,
        oldValue: 800 + i,
        newValue: 801 + i,
        reason: i === 7 ? '=HYPERLINK("http://evil","click")' : `step ${i}`,
        result: i % 6 === 0 ? "refused" : "ok",
        ...(i === 30 ? { signature: { name: "Dave Engineer", meaning: "responsibility", time: T0 + i * 60_000 - 500 } } : {}),
      });
    }
    const app = express();
    app.use(auditRoutes(trail, policy, () => NOW));
    app.use(notFoundHandler);
    app.use(errorHandler(silentLogger()));
    server = app.listen(0, "127.0.0.1");
    await new Promise<void>((resolve) => server.once("listening", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    journal?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("needs audit:read: no session 401, an operator 403, QA / engineer / admin 200", async () => {
    assert.equal((await get("/api/audit", "")).status, 401);
    const op = await get("/api/audit", "operator");
    assert.equal(op.status, 403);
    assert.equal((op.body.error as { code: string }).code, "SCADA_ERR_AUTH_FORBIDDEN");
    assert.equal((await get("/api/audit/verify", "operator")).status, 403);
    for (const role of ["qa", "engineer", "admin"]) assert.equal((await get("/api/audit", role)).status, 200, role);
  });

  it("by default: every record up to 500, newest first, exactly as stored (hash, prevHash, signature where present)", async () => {
    const r = await get("/api/audit");
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("cache-control"), "no-store");
    assert.equal(r.body.count, 40);
    assert.equal(r.body.truncated, false);
    assert.deepEqual(
      seqs(r.body),
      Array.from({ length: 40 }, (_, i) => 40 - i),
    );
    const stored = readFileSync(join(dir, AUDIT_JOURNAL_FILE), "utf8").trim().split("\n").map((l) => JSON.parse(l) as AuditRecord);
    assert.deepEqual(records(r.body), stored.reverse(), "records as stored in the journal");
    const signed = records(r.body).find((x) => x.sequence === 30)!;
    assert.deepEqual(signed.signature, { name: "Dave Engineer", meaning: "responsibility", time: T0 + 30 * 60_000 - 500, hash: signed.hash });
    assert.ok(records(r.body).filter((x) => x.sequence !== 30).every((x) => !("signature" in x)));
  });

  it("filters: user, action, result, a part of the target; from / to as ISO, epoch ms or relative; limit and order", async () => {
    assert.deepEqual(seqs((await get("/api/audit?user=bob&order=asc")).body), [1, 5, 9, 13, 17, 21, 25, 29, 33, 37]);
    assert.deepEqual(seqs((await get("/api/audit?action=alarm.ack&order=asc")).body), [5, 10, 15, 20, 25, 35, 40]);
    assert.deepEqual(seqs((await get("/api/audit?action=interlock.bypass")).body), [30]);
    assert.deepEqual(seqs((await get("/api/audit?result=refused&order=asc")).body), [6, 12, 18, 24, 30, 36]);
    assert.deepEqual(seqs((await get("/api/audit?target=htr-alm-1&order=asc")).body), [10, 15]);
    const from = new Date(T0 + 10 * 60_000).toISOString();
    assert.deepEqual(seqs((await get(`/api/audit?from=${from}&to=${T0 + 12 * 60_000}&order=asc`)).body), [10, 11, 12]);
    assert.deepEqual(seqs((await get("/api/audit?from=-25m")).body), [40, 39, 38, 37, 36, 35]);
    const limited = await get("/api/audit?limit=3");
    assert.deepEqual(seqs(limited.body), [40, 39, 38]);
    assert.equal(limited.body.truncated, true);
    assert.deepEqual(seqs((await get("/api/audit?limit=2&order=asc&user=carol")).body), [2, 6]);
    assert.deepEqual(seqs((await get("/api/audit?user=nobody")).body), []);
    // Empty form fields mean "any".
    assert.equal((await get("/api/audit?from=&to=&user=&action=&result=&target=&limit=&order=&format=")).body.count, 40);
  });

  it("bad parameters: 400 with a clear message and nothing else", async () => {
    const cases: [string, RegExp][] = [
      ["action=bogus", /action: 'bogus' is not one of line\.command, setpoint\.write/],
      ["result=maybe", /result: 'maybe' is not one of ok, refused, failed/],
      ["limit=0", /limit must be an integer 1 … 10000/],
      ["limit=10001", /limit must be an integer 1 … 10000/],
      ["limit=12abc", /limit must be an integer/],
      ["limit=1.5", /limit must be an integer/],
      ["order=sideways", /order must be asc or desc/],
      ["format=xml", /format must be json or csv/],
      ["from=yesterday-ish", /from: 'yesterday-ish' is not a time/],
      [`from=${T0 + 60_000}&to=${T0}`, /to must not be before from/],
      ["user=a&user=b", /user: give it once/],
      ["users=bob", /unknown query parameter\(s\): users/],
    ];
    for (const [q, message] of cases) {
      const r = await get(`/api/audit?${q}`);
      assert.equal(r.status, 400, q);
      const error = r.body.error as { code: string; message: string };
      assert.equal(error.code, "SCADA_ERR_HTTP_BAD_REQUEST", q);
      assert.match(error.message, message, q);
    }
  });

  it("format=csv: the documented columns, an attachment, formulas neutralised", async () => {
    const r = await get("/api/audit?format=csv&order=asc&limit=10");
    assert.equal(r.status, 200);
    assert.match(r.headers.get("content-type") ?? "", /^text\/csv/);
    assert.match(r.headers.get("content-disposition") ?? "", /^attachment; filename="?audit-trail-[0-9TZ-]+\.csv"?$/);
    const lines = r.text.split("\r\n");
    assert.equal(lines[0], AUDIT_CSV_COLUMNS.join(","));
    assert.equal(lines.length, 12, "header, 10 rows, the final CRLF");
    assert.match(lines[7]!, /^7,/);
    assert.ok(lines[7]!.includes(`"'=HYPERLINK(""http://evil"",""click"")"`), lines[7]);
    const signed = (await get("/api/audit?format=csv&action=interlock.bypass")).text.split("\r\n")[1]!;
    assert.match(signed, /Dave Engineer \/ responsibility \/ 2025-07-03T08:29:59\.500Z/);
  });

  it("verify: ok with the count; after one record is altered in the file, the first broken record and why", async () => {
    const ok = await get("/api/audit/verify");
    assert.equal(ok.status, 200);
    assert.equal(ok.body.ok, true);
    assert.equal(ok.body.count, 40);
    assert.equal((ok.body.anchor as { state: string }).state, "unchecked");

    const path = join(dir, AUDIT_JOURNAL_FILE);
    const original = readFileSync(path, "utf8");
    try {
      writeFileSync(path, original.replace('"name":"Dave Engineer"', '"name":"Eve Engineer"'));
      const broken = await get("/api/audit/verify");
      assert.equal(broken.status, 200);
      assert.deepEqual(
        { ok: broken.body.ok, sequence: broken.body.sequence, line: broken.body.line, reason: broken.body.reason, count: broken.body.count },
        { ok: false, sequence: 30, line: 30, reason: "hash-mismatch", count: 29 },
      );
      assert.match(String(broken.body.detail), /signature/);
    } finally {
      writeFileSync(path, original);
    }
    assert.equal((await get("/api/audit/verify")).body.ok, true);
  });
});
