import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { AuditTrail } from "../../src/audit/audit-trail.js";
import { ManualClock } from "../../src/core/clock.js";
import { silentLogger } from "../../src/core/logger.js";
import { AUDIT_JOURNAL_FILE, AuditJournal } from "../../src/stores/audit-journal.js";
import { auditJournalDir } from "../../src/stores/audit-verify-command.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** `htr-scada audit verify --data-dir DIR` as an operator runs it: the real entry point, in a child process. */
function auditVerify(dataDir: string): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, ["--import=tsx", "src/main.ts", "audit", "verify", "--data-dir", dataDir], { cwd: root, encoding: "utf8", timeout: 60_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe("htr-scada audit verify (CLI, on the journal file)", function () {
  this.timeout(120_000);
  let dataDir: string;
  let path: string;
  const T0 = Date.UTC(2025, 6, 1, 6, 0, 0);

  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), "audit-cli-"));
    const journal = AuditJournal.open(auditJournalDir(dataDir), { logger: silentLogger() });
    const clock = new ManualClock(T0);
    const trail = new AuditTrail({ journal, clock, logger: silentLogger() });
    for (let i = 1; i <= 30; i++) {
      clock.advance(1000);
      trail.record({
        user: i % 2 ? "alice" : "bob",
        role: "operator",
        clientAddress: "10.0.0.7",
        action: i === 20 ? "interlock.bypass" : "setpoint.write",
        target: `zone${i % 4}.temp_sp`,
        oldValue: 800 + i,
        newValue: 801 + i,
        reason: `step ${i}`,
        result: "ok",
        ...(i === 20 ? { signature: { name: "Bob Jones", meaning: "responsibility", time: clock.now() } } : {}),
      });
    }
    journal.close();
    path = join(auditJournalDir(dataDir), AUDIT_JOURNAL_FILE);
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  /** Runs `check` on a copy of the journal with one byte changed at `offset` of line `line`, then restores it. */
  function withFlippedByte(line: number, find: (text: string) => number, to: string, check: () => void): void {
    const original = readFileSync(path);
    try {
      const lines = original.toString("utf8").split("\n");
      const text = lines[line - 1]!;
      const at = find(text);
      assert.ok(at >= 0, "byte to flip found");
      assert.notEqual(text[at], to);
      lines[line - 1] = text.slice(0, at) + to + text.slice(at + 1);
      const changed = Buffer.from(lines.join("\n"), "utf8");
      assert.equal(changed.length, original.length, "one byte changed, none added");
      assert.equal(changed.filter((b, i) => b !== original[i]).length, 1, "exactly one byte differs");
      writeFileSync(path, changed);
      check();
    } finally {
      writeFileSync(path, original);
    }
  }

  it("an intact journal: 'audit chain OK: 30 records', exit 0", () => {
    const r = auditVerify(dataDir);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /^audit chain OK: 30 records \(/m);
  });

  it("one byte of record 17's value flipped: names record 17, hash mismatch, exit 1", () => {
    withFlippedByte(17, (t) => t.indexOf('"newValue":818') + '"newValue":81'.length, "9", () => {
      const r = auditVerify(dataDir);
      assert.equal(r.status, 1, r.out);
      assert.match(r.out, /^record 17: hash mismatch — content does not match its hash/m);
      assert.match(r.out, /line 17 of /);
      assert.doesNotMatch(r.out, /audit chain OK/);
    });
  });

  it("one byte of the signer's name flipped (record 20): names record 20, hash mismatch, exit 1", () => {
    withFlippedByte(20, (t) => t.indexOf('"name":"Bob Jones"') + '"name":"'.length, "R", () => {
      const r = auditVerify(dataDir);
      assert.equal(r.status, 1, r.out);
      assert.match(r.out, /^record 20: hash mismatch — content or signature \(signer, meaning, time\) does not match its hash/m);
    });
  });

  it("one byte that breaks the JSON of record 5: names record 5, malformed, exit 1", () => {
    withFlippedByte(5, (t) => t.indexOf("{"), "[", () => {
      const r = auditVerify(dataDir);
      assert.equal(r.status, 1, r.out);
      assert.match(r.out, /^record 5: malformed/m);
    });
  });

  it("the journal restored verifies again; a data directory without a journal: exit 1, said so", () => {
    assert.equal(auditVerify(dataDir).status, 0);
    const empty = mkdtempSync(join(tmpdir(), "audit-cli-empty-"));
    try {
      const r = auditVerify(empty);
      assert.equal(r.status, 1);
      assert.match(r.out, /no audit journal at .*audit-journal\.jsonl/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
