import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { type AuditEntry, type AuditRecord, nextRecord } from "../../src/audit/audit-record.js";
import { AuditTrail } from "../../src/audit/audit-trail.js";
import { ManualClock, systemClock } from "../../src/core/clock.js";
import { ScadaError } from "../../src/core/errors.js";
import { silentLogger } from "../../src/core/logger.js";
import { AUDIT_JOURNAL_FILE, AuditJournal } from "../../src/stores/audit-journal.js";
import { spawnTsx } from "../helpers/child-process.js";
import { waitFor } from "../helpers/wait-for.js";

const T0 = Date.UTC(2025, 6, 2, 6, 0, 0);
const quiet = { logger: silentLogger() };

function entry(i: number, over: Partial<AuditEntry> = {}): AuditEntry {
  return { user: ["alice", "bob", "carol"][i % 3]!, role: "operator", clientAddress: "10.0.0.7", action: "setpoint.write", target: `zone${i % 4}.temp_sp`, oldValue: i, newValue: i + 1, result: "ok", ...over };
}

/** The audit trail over the real fsync'd journal file. */
describe("audit trail over the JSONL journal (real files)", function () {
  this.timeout(60_000);
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "audit-trail-"));
    path = join(dir, AUDIT_JOURNAL_FILE);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("records, queries and verifies through the file; a restarted trail continues the chain", async () => {
    const clock = new ManualClock(T0);
    let journal = AuditJournal.open(dir, quiet);
    let trail = new AuditTrail({ journal, clock, logger: silentLogger() });
    const heard: number[] = [];
    trail.onRecord((r) => heard.push(r.sequence));
    for (let i = 0; i < 50; i++) {
      clock.advance(1000);
      trail.record(entry(i, i === 25 ? { action: "recipe.load", target: "BiSb v3", signature: { name: "Bob Jones", meaning: "approval", time: clock.now() } } : {}));
    }
    assert.deepEqual(heard, Array.from({ length: 50 }, (_, i) => i + 1));
    assert.equal(readFileSync(path, "utf8").split("\n").length, 51, "one line per record, each ended");
    journal.close();

    journal = AuditJournal.open(dir, quiet);
    trail = new AuditTrail({ journal, clock, logger: silentLogger() });
    assert.equal(trail.record(entry(50)).sequence, 51);
    assert.deepEqual(await trail.verify(), { ok: true, count: 51, anchor: trail.anchorState() });

    const signed = (await trail.query({ action: "recipe.load" })).records;
    assert.equal(signed.length, 1);
    assert.deepEqual(signed[0]!.signature && { name: signed[0]!.signature.name, meaning: signed[0]!.signature.meaning }, { name: "Bob Jones", meaning: "approval" });
    const bobs = (await trail.query({ user: "bob", target: "ZONE1", fromMs: T0 + 10_000, order: "asc" })).records;
    assert.ok(bobs.length > 0 && bobs.every((r) => r.user === "bob" && r.target === "zone1.temp_sp" && r.serverTime >= T0 + 10_000));
    assert.deepEqual(
      (await trail.query({ limit: 3 })).records.map((r) => r.sequence),
      [51, 50, 49],
    );
    journal.close();
  });

  it("a record altered in the file: verify names it (sequence, line) and why; the records before it verified", async () => {
    const journal = AuditJournal.open(dir, quiet);
    const trail = new AuditTrail({ journal, clock: new ManualClock(T0), logger: silentLogger() });
    for (let i = 0; i < 20; i++) trail.record(entry(i));
    const lines = readFileSync(path, "utf8").split("\n");
    lines[11] = lines[11]!.replace('"user":"carol"', '"user":"carla"');
    writeFileSync(path, lines.join("\n"));
    const v = await trail.verify();
    assert.deepEqual(v.ok === false && [v.sequence, v.line, v.reason, v.count], [12, 12, "hash-mismatch", 11]);
    journal.close();
  });

  it("a closed journal (or any append failure): SCADA_ERR_AUDIT_WRITE_FAILED, not writable, nothing written", () => {
    const journal = AuditJournal.open(dir, quiet);
    const trail = new AuditTrail({ journal, clock: new ManualClock(T0), logger: silentLogger() });
    trail.record(entry(0));
    assert.equal(trail.writable(), true);
    journal.close();
    assert.equal(trail.writable(), false);
    assert.throws(
      () => trail.record(entry(1)),
      (e: unknown) => e instanceof ScadaError && e.code === "SCADA_ERR_AUDIT_WRITE_FAILED" && /closed/.test(e.message),
    );
    assert.equal(readFileSync(path, "utf8").split("\n").length, 2);
  });

  it("a truncated journal file shows against the historian's anchor (the chain alone cannot show it)", async () => {
    let journal = AuditJournal.open(dir, quiet);
    let trail = new AuditTrail({ journal, clock: new ManualClock(T0), logger: silentLogger() });
    const anchored: AuditRecord[] = [];
    trail.onRecord((r) => anchored.push(r));
    for (let i = 0; i < 10; i++) trail.record(entry(i));
    journal.close();
    // Someone cuts the last three records off the file.
    const lines = readFileSync(path, "utf8").split("\n");
    writeFileSync(path, `${lines.slice(0, 7).join("\n")}\n`);

    journal = AuditJournal.open(dir, quiet);
    trail = new AuditTrail({ journal, clock: new ManualClock(T0), logger: silentLogger() });
    const chain = journal.verify();
    assert.deepEqual(chain, { ok: true, count: 7 }, "the shortened chain verifies on its own");
    const a = await trail.checkAnchor({ recentLinks: async () => anchored.map((r) => ({ sequence: r.sequence, hash: r.hash })) });
    assert.deepEqual(a.state === "mismatch" && [a.sequence, a.journal?.sequence, a.historian.sequence], [8, 7, 10]);
    const v = await trail.verify();
    assert.deepEqual(v.ok === false && [v.sequence, v.reason], [8, "anchor-mismatch"]);
    journal.close();
  });

  it("a query and a verify over 50 000 records keep the event loop turning (a whole scan at once would block it ≈ 1 s)", async function () {
    this.timeout(120_000);
    let lines: string[] = [];
    let prev: AuditRecord | null = null;
    for (let i = 0; i < 50_000; i++) {
      prev = nextRecord(prev, entry(i, { newValue: { value: i, unit: "K", note: "x".repeat(i % 50) } }), T0 + i);
      lines.push(JSON.stringify(prev));
    }
    writeFileSync(path, `${lines.join("\n")}\n`);
    lines = [];
    const journal = AuditJournal.open(dir, quiet);
    const trail = new AuditTrail({ journal, clock: systemClock, logger: silentLogger() });
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    try {
      const t0 = performance.now();
      const found = await trail.query({ user: "bob", limit: 100 });
      const tQuery = performance.now() - t0;
      const v = await trail.verify();
      const tAll = performance.now() - t0;
      delay.disable();
      assert.equal(found.records.length, 100);
      assert.equal(found.truncated, true);
      assert.deepEqual(v, { ok: true, count: 50_000, anchor: trail.anchorState() });
      const p99 = delay.percentile(99) / 1e6;
      const max = delay.max / 1e6;
      console.log(`      50 000 records: query ${tQuery.toFixed(0)} ms, verify ${(tAll - tQuery).toFixed(0)} ms; event-loop delay p99 ${p99.toFixed(1)} ms, max ${max.toFixed(1)} ms`);
      assert.ok(p99 < 25, `event-loop delay p99 ${p99.toFixed(1)} ms`);
      assert.ok(max < 250, `the event loop stalled for ${max.toFixed(1)} ms`);
    } finally {
      delay.disable();
      journal.close();
    }
  });

  it("a child recording through the trail, killed with SIGKILL mid-append: the journal verifies and the chain continues", async () => {
    const mod = (p: string) => JSON.stringify(pathToFileURL(resolve(p)).href);
    const script = `
      const { AuditJournal } = await import(${mod("src/stores/audit-journal.ts")});
      const { AuditTrail } = await import(${mod("src/audit/audit-trail.ts")});
      const { silentLogger } = await import(${mod("src/core/logger.ts")});
      const journal = AuditJournal.open(${JSON.stringify(dir)}, { logger: silentLogger() });
      const trail = new AuditTrail({ journal, clock: { now: () => Date.now() }, logger: silentLogger() });
      for (let i = 0; ; i++) {
        trail.record({ user: "u" + (i % 5), role: "operator", clientAddress: "::1", action: "line.command", target: "line",
                       newValue: { command: "start", pad: "#".repeat(i % 700) }, result: "ok",
                       ...(i % 9 === 0 ? { signature: { name: "Signer " + i, meaning: "approval", time: Date.now() } } : {}) });
        if (i === 0) process.stdout.write("recording\\n");
      }`;
    const child = spawnTsx(["--input-type=module", "-e", script], { stdin: "ignore", name: "the recorder child" });
    const lines = () => (existsSync(path) ? readFileSync(path, "utf8").split("\n").length - 1 : 0);
    try {
      await child.waitForOutput("recording", 20_000);
      // killed while it appends: once it has written a good many records
      await waitFor("50 records in the journal", 20_000, () => lines() >= 50, { everyMs: 20, observe: lines });
    } finally {
      await child.kill("SIGKILL");
    }

    const journal = AuditJournal.open(dir, quiet);
    const trail = new AuditTrail({ journal, clock: systemClock, logger: silentLogger() });
    const v = await trail.verify();
    assert.equal(v.ok, true, JSON.stringify(v));
    const count = v.ok ? v.count : 0;
    assert.ok(count > 1, `count ${count}`);
    assert.equal(trail.record(entry(0)).sequence, count + 1);
    assert.deepEqual(journal.verify(), { ok: true, count: count + 1 });
    journal.close();
  });
});
