import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AuditRecord } from "../../src/audit/audit-record.js";
import { AuditTrail } from "../../src/audit/audit-trail.js";
import { systemClock } from "../../src/core/clock.js";
import { silentLogger } from "../../src/core/logger.js";
import { auditAnchorSource } from "../../src/historian/audit-anchor-source.js";
import { auditRecordPoint } from "../../src/historian/historian-measurements.js";
import { HistorianService } from "../../src/historian/historian-service.js";
import { AUDIT_JOURNAL_FILE, AuditJournal } from "../../src/stores/audit-journal.js";
import { influxCli, startTestInfluxd, type TestInfluxd } from "../helpers/influxd.js";
import { waitFor } from "../helpers/wait-for.js";

/**
 * Audit records reach a real influxd's `audit` measurement with their sequence and hash (read back with the
 * `influx` CLI, independently of the code), and the historian anchors the journal's tail.
 */
describe("audit trail → historian `audit` measurement (real influxd)", function () {
  this.timeout(90_000);
  let influxd: TestInfluxd;
  let dataDir: string;
  let historian: HistorianService;
  let journal: AuditJournal;
  let trail: AuditTrail;
  const written: AuditRecord[] = [];

  before(async () => {
    influxd = await startTestInfluxd();
    dataDir = mkdtempSync(join(tmpdir(), "audit-historian-"));
    historian = new HistorianService({
      tags: [],
      line: "htr-1",
      dataDir: join(dataDir, "historian"),
      influxUrl: `${influxd.url}/htr`,
      flushIntervalMs: 50,
      clock: systemClock,
      logger: silentLogger(),
    });
    await historian.start();
    await waitFor("historian online with its schema", 20_000, () => historian.status().online && historian.status().schemaReady, 50);
    journal = AuditJournal.open(join(dataDir, "audit"), { logger: silentLogger() });
    trail = new AuditTrail({ journal, clock: systemClock, logger: silentLogger() });
    trail.onRecord((r) => historian.write(auditRecordPoint(r, "htr-1")));
    trail.onRecord((r) => written.push(r));
  });
  after(async () => {
    await historian?.stop();
    journal?.close();
    await influxd?.cleanup();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const cli = (q: string): unknown => JSON.parse(influxCli(influxd, q, { database: "htr", format: "json", precision: "ms" }));
  interface CliResult {
    results: { series?: { columns: string[]; values: unknown[][] }[] }[];
  }
  const rowsOf = (r: unknown): Record<string, unknown>[] => {
    const s = (r as CliResult).results[0]?.series?.[0];
    return s ? s.values.map((v) => Object.fromEntries(s.columns.map((c, i) => [c, v[i]]))) : [];
  };

  it("each record is an `audit` point with its sequence and hash, read back with the influx CLI", async () => {
    trail.record({ user: "system", role: "system", clientAddress: "local", action: "config.load", target: "/plc-config", newValue: { tags: 120, sha256: "ab".repeat(32) }, result: "ok" });
    // Two records in the same millisecond of the same series must both be kept.
    trail.record({ user: "alice", role: "operator", clientAddress: "10.0.0.7", action: "alarm.ack", target: "HTR-ESTOP", result: "ok" });
    trail.record({ user: "alice", role: "operator", clientAddress: "10.0.0.7", action: "alarm.ack", target: "HTR-OVERTEMP", result: "ok" });
    trail.record({
      user: "bob",
      role: "engineer",
      clientAddress: "10.0.0.9",
      action: "interlock.bypass",
      target: "IL-07",
      reason: "sensor swap, WO-1234",
      newValue: { minutes: 30 },
      result: "ok",
      signature: { name: "bob", meaning: "responsibility", time: Date.now() },
    });
    await waitFor("4 audit points in influxd", 20_000, () => rowsOf(cli("SELECT count(sequence) FROM audit"))[0]?.count === 4, 100);

    const rows = rowsOf(cli('SELECT "sequence", "hash", "prevHash", "action", "user", "role", "result", "target", "signatureName", "signatureMeaning", "reason" FROM audit ORDER BY time ASC'));
    // Records of different series in the same millisecond share a time stamp: their order is the sequence's.
    rows.sort((a, b) => Number(a.sequence) - Number(b.sequence));
    assert.deepEqual(
      rows.map((r) => [r.sequence, r.hash, r.prevHash, r.action, r.user, r.target]),
      written.map((w) => [w.sequence, w.hash, w.prevHash, w.action, w.user, w.target]),
    );
    const signed = rows.find((r) => r.action === "interlock.bypass")!;
    assert.deepEqual([signed.signatureName, signed.signatureMeaning, signed.reason, signed.role, signed.result], ["bob", "responsibility", "sensor swap, WO-1234", "engineer", "ok"]);
    // The historian's own query sees them too, filtered by a tag.
    const acks = await historian.events("audit", { fromMs: 0, toMs: Date.now() + 60_000, where: { action: "alarm.ack" } });
    assert.deepEqual(
      acks.sort((a, b) => Number(a.values.sequence) - Number(b.values.sequence)).map((e) => e.values.target),
      ["HTR-ESTOP", "HTR-OVERTEMP"],
    );
  });

  it("the historian anchors the journal's tail: a match, then a truncated journal shows", async () => {
    const source = auditAnchorSource((m, q) => historian.events(m, q), () => Date.now());
    const a = await trail.checkAnchor(source);
    assert.deepEqual(a.state === "match" && [a.sequence, a.hash], [written.at(-1)!.sequence, written.at(-1)!.hash]);

    // The journal loses its last two records (cut off the file); a new trail on it is compared again.
    const path = join(dataDir, "audit", AUDIT_JOURNAL_FILE);
    const lines = readFileSync(path, "utf8").trim().split("\n");
    const copy = mkdtempSync(join(tmpdir(), "audit-truncated-"));
    try {
      writeFileSync(join(copy, AUDIT_JOURNAL_FILE), `${lines.slice(0, -2).join("\n")}\n`);
      const cut = AuditJournal.open(copy, { logger: silentLogger() });
      const cutTrail = new AuditTrail({ journal: cut, clock: systemClock, logger: silentLogger() });
      const m = await cutTrail.checkAnchor(source);
      cut.close();
      assert.equal(m.state, "mismatch");
      assert.deepEqual(m.state === "mismatch" && [m.sequence, m.journal?.sequence, m.historian.sequence], [lines.length - 1, lines.length - 2, lines.length]);
      assert.equal((await cutTrail.verify()).ok, false);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
