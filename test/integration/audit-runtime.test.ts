import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { configDigest } from "../../src/config/config-digest.js";
import { silentLogger } from "../../src/core/logger.js";
import { createRuntime } from "../../src/runtime.js";
import type { Runtime } from "../../src/runtime/runtime-options.js";
import { AUDIT_JOURNAL_FILE } from "../../src/stores/audit-journal.js";
import { runAuditVerify } from "../../src/stores/audit-verify-command.js";
import { adminClient, newUserClient, TEST_ADMIN_PASSWORD } from "../helpers/api-client.js";
import { startTestInfluxd, type TestInfluxd } from "../helpers/influxd.js";
import { type TestConfig, realConfigOnFreePorts } from "../helpers/test-config.js";
import { waitFor } from "../helpers/wait-for.js";

/**
 * The runtime's audit trail: a config.load record on every start (journal under <dataDir>/audit), mirrored
 * to the historian, and the journal's tail compared with the historian on the next start — a journal cut
 * short between two starts shows.
 */
describe("runtime: audit trail wiring (config.load, historian mirror, tail anchor on start)", function () {
  this.timeout(120_000);
  let tc: TestConfig;
  let influxd: TestInfluxd;
  let dataDir: string;
  const running: Runtime[] = [];
  const urls = new Map<Runtime, string>();

  before(async () => {
    tc = await realConfigOnFreePorts();
    influxd = await startTestInfluxd();
    dataDir = mkdtempSync(join(tmpdir(), "audit-runtime-"));
  });
  after(async () => {
    for (const r of running.splice(0)) await r.stop();
    await influxd?.cleanup();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    if (tc) rmSync(tc.dir, { recursive: true, force: true });
  });

  /** A runtime on the PLC-less test config (drivers keep retrying in the background) and the test influxd. */
  async function startRuntime(): Promise<Runtime> {
    const rt = createRuntime(tc.config, {
      port: 0,
      host: "127.0.0.1",
      dataDir,
      sim: false,
      influxUrl: `${influxd.url}/htr`,
      historianTuning: { flushIntervalMs: 50 },
      adminPassword: TEST_ADMIN_PASSWORD,
      logger: silentLogger(),
    });
    running.push(rt);
    urls.set(rt, (await rt.start()).url);
    return rt;
  }
  async function stopRuntime(rt: Runtime): Promise<void> {
    await rt.stop();
    running.splice(running.indexOf(rt), 1);
  }
  const auditPointCount = async (rt: Runtime) => (await rt.historian!.events("audit", { fromMs: 0, toMs: Date.now() + 60_000, limit: 10_000 })).length;

  it("each start records config.load (counts and the config digest) and mirrors it to the historian; the next start finds the tail anchored", async () => {
    const first = await startRuntime();
    const loads = (await first.audit.query({ action: "config.load" })).records;
    assert.equal(loads.length, 1);
    const load = loads[0]!;
    assert.deepEqual([load.user, load.target, load.result], ["system", tc.dir, "ok"]);
    const digest = configDigest(tc.dir);
    assert.deepEqual(load.newValue, {
      line: tc.config.line.id,
      devices: tc.config.devices.length,
      tags: tc.config.tags.length,
      interlocks: tc.config.interlocks.interlocks.length,
      alarms: tc.config.alarms?.alarms.length ?? 0,
      recipes: first.recipes.list().length,
      sha256: digest.sha256,
      files: digest.files,
    });
    // The first start on an empty historian: nothing to compare with yet (or, if it answered late, no point).
    assert.notEqual(first.audit.anchorState().state, "mismatch");
    const lastSeq = first.audit.last()!.sequence;
    await waitFor("the audit points in the historian", 20_000, async () => (await auditPointCount(first)) >= lastSeq, 100);
    await stopRuntime(first);

    const second = await startRuntime();
    await waitFor("the tail anchor checked", 20_000, () => second.audit.anchorState().state !== "unchecked" && second.audit.anchorState().state !== "unavailable", 100);
    const a = second.audit.anchorState();
    assert.deepEqual(a.state === "match" && a.sequence, lastSeq, JSON.stringify(a));
    assert.equal((await second.audit.query({ action: "config.load" })).records.length, 2);
    assert.equal((await second.audit.verify()).ok, true);
    const lastSeq2 = second.audit.last()!.sequence;
    await waitFor("the second start's points in the historian", 20_000, async () => (await auditPointCount(second)) >= lastSeq2, 100);
    await stopRuntime(second);

    const out: string[] = [];
    assert.equal(runAuditVerify(dataDir, { log: (l) => out.push(l), error: (l) => out.push(l) }), 0, out.join("\n"));
    assert.match(out[0]!, new RegExp(`^audit chain OK: ${lastSeq2} records`));
  });

  it("a journal cut short between two starts: the chain still verifies, the tail anchor shows it (verify says anchor-mismatch)", async () => {
    const path = join(dataDir, "audit", AUDIT_JOURNAL_FILE);
    const lines = readFileSync(path, "utf8").trim().split("\n");
    assert.ok(lines.length >= 2);
    writeFileSync(path, `${lines.slice(0, -1).join("\n")}\n`);

    const third = await startRuntime();
    await waitFor("the tail anchor checked", 20_000, () => !["unchecked", "unavailable"].includes(third.audit.anchorState().state), 100);
    const a = third.audit.anchorState();
    assert.equal(a.state, "mismatch", JSON.stringify(a));
    assert.deepEqual(a.state === "mismatch" && [a.sequence, a.journal?.sequence, a.historian.sequence], [lines.length, lines.length - 1, lines.length]);
    const v = await third.audit.verify();
    assert.deepEqual(v.ok === false && [v.reason, v.sequence], ["anchor-mismatch", lines.length]);
  });

  it("over HTTP with a login: GET /api/audit shows the logins, refusals and config loads; an operator is refused (and that is recorded); /verify shows the anchor mismatch", async () => {
    const rt = running.at(-1)!;
    const url = urls.get(rt)!;
    const admin = await adminClient(url);
    const operator = await newUserClient(admin, "op-audit", "operator");
    const refused = await operator.get("/api/audit");
    assert.equal(refused.status, 403);

    const body = await admin.getJson<{ records: { sequence: number; action: string; user: string; target: string; result: string }[]; count: number }>("/api/audit?limit=50");
    assert.equal(body.count, body.records.length);
    const seqs = body.records.map((r) => r.sequence);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => b - a), "newest first");
    assert.ok(body.records.some((r) => r.action === "login" && r.user === "admin" && r.result === "ok"));
    assert.ok(body.records.some((r) => r.action === "user.change" && r.target.includes("op-audit")));
    assert.ok(body.records.some((r) => r.action === "access.denied" && r.user === "op-audit" && r.target === "GET /api/audit" && r.result === "refused"));
    // Three starts, but the second start's config.load was the record cut off the journal.
    assert.equal((await admin.getJson<{ records: unknown[] }>("/api/audit?action=config.load")).records.length, 2);
    assert.equal((await admin.get("/api/audit?action=made.up")).status, 400);
    const csv = await admin.get("/api/audit?format=csv&action=login");
    assert.match(csv.headers.get("content-type") ?? "", /^text\/csv/);

    const v = await admin.getJson<{ ok: boolean; reason: string; anchor: { state: string } }>("/api/audit/verify");
    assert.deepEqual([v.ok, v.reason, v.anchor.state], [false, "anchor-mismatch", "mismatch"]);
  });

  it("the AUDIT-TRAIL-FAULT alarm: active for the tail mismatch; after a byte of an old record is altered, the next start finds the broken chain too", async () => {
    const rt = running.at(-1)!;
    const fault = () => rt.alarms.get("AUDIT-TRAIL-FAULT") as { state: string; value?: unknown } | undefined;
    await waitFor("AUDIT-TRAIL-FAULT active (tail mismatch)", 5000, () => fault()?.state === "unack-active" && fault()?.value === 1, 50);
    await stopRuntime(rt);

    const path = join(dataDir, "audit", AUDIT_JOURNAL_FILE);
    const text = readFileSync(path, "utf8");
    const at = text.indexOf('"sequence":3,');
    assert.ok(at > 0);
    const i = text.indexOf('"clientAddress":"', at) + '"clientAddress":"'.length;
    writeFileSync(path, text.slice(0, i) + (text[i] === "1" ? "2" : "1") + text.slice(i + 1));

    const next = await startRuntime();
    await waitFor("the chain verified at start", 20_000, async () => (await next.audit.verify()).ok === false, 200);
    const v = await next.audit.verify();
    assert.deepEqual(v.ok === false && [v.sequence, v.reason], [3, "hash-mismatch"]);
    const alarm = () => next.alarms.get("AUDIT-TRAIL-FAULT") as { state: string; value?: unknown } | undefined;
    // Two faults now: the broken chain (found by the start's verification) and the tail that still does not match.
    await waitFor("AUDIT-TRAIL-FAULT active with both faults", 10_000, () => alarm()?.state === "unack-active" && alarm()?.value === 2, 50);
  });
});
