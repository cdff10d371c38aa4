import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { type AuditEntry, type AuditRecord, auditRecordHash, verifyChain } from "../../../src/audit/audit-record.js";
import { type Logger, silentLogger } from "../../../src/core/logger.js";
import { AUDIT_JOURNAL_FILE, AuditJournal, verifyJournalFile } from "../../../src/stores/audit-journal.js";
import { spawnTsx } from "../../helpers/child-process.js";
import { waitFor } from "../../helpers/wait-for.js";

const T0 = Date.UTC(2025, 2, 1, 6, 0, 0);
const quiet = { logger: silentLogger() };

function entry(i: number, over: Partial<AuditEntry> = {}): AuditEntry {
  return { user: "alice", role: "operator", clientAddress: "10.0.0.7", action: "setpoint.write", target: "zone1.temp_sp", oldValue: i, newValue: i + 1, reason: `step ${i}`, result: "ok", ...over };
}

function lines(path: string): string[] {
  return readFileSync(path, "utf8").split("\n").slice(0, -1);
}

describe("audit journal", function () {
  this.timeout(30_000);
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "audit-"));
    path = join(dir, AUDIT_JOURNAL_FILE);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("appends 1000 records; a reopened journal continues the chain", () => {
    let j = AuditJournal.open(dir, quiet);
    assert.deepEqual(j.openReport, { created: true, lastSequence: 0, tornTail: null });
    assert.equal(j.last(), null);
    for (let i = 0; i < 1000; i++) assert.equal(j.append(entry(i), T0 + i).sequence, i + 1);
    const last = j.last()!;
    j.close();
    assert.throws(() => j.append(entry(0), T0), /closed/);

    j = AuditJournal.open(dir, quiet);
    assert.deepEqual(j.openReport, { created: false, lastSequence: 1000, tornTail: null });
    assert.deepEqual(j.last(), last);
    const next = j.append(entry(1000), T0 + 1000);
    assert.equal(next.sequence, 1001);
    assert.equal(next.prevHash, last.hash);
    assert.deepEqual(verifyJournalFile(path), { ok: true, count: 1001 });
    assert.deepEqual(verifyChain(j.read()), { ok: true, count: 1001 });
    assert.equal(lines(path).length, 1001);
    j.close();
  });

  it("an empty existing file is a fresh journal", () => {
    writeFileSync(path, "");
    const j = AuditJournal.open(dir, quiet);
    assert.deepEqual(j.openReport, { created: false, lastSequence: 0, tornTail: null });
    assert.equal(j.append(entry(0), T0).sequence, 1);
    j.close();
  });

  it("a torn last line (crash mid-write) is reported, cut off, logged, and the chain continues", () => {
    let j = AuditJournal.open(dir, quiet);
    for (let i = 0; i < 10; i++) j.append(entry(i), T0 + i);
    const whole = `${JSON.stringify({ ...j.last()!, sequence: 11 })}`;
    j.close();
    const sizeBefore = statSync(path).size;
    const half = whole.slice(0, Math.floor(whole.length / 2));
    appendFileSync(path, half);
    const before = verifyJournalFile(path);
    assert.deepEqual(before.ok === false && [before.sequence, before.line, before.reason], [11, 11, "torn-tail"]);

    const warnings: unknown[] = [];
    const logger: Logger = { debug() {}, info() {}, warn: (obj) => void warnings.push(obj), error() {}, child: () => logger };
    j = AuditJournal.open(dir, { logger });
    assert.equal(j.openReport.tornTail, half);
    assert.equal(j.openReport.lastSequence, 10);
    assert.equal(warnings.length, 1);
    assert.equal(statSync(path).size, sizeBefore);
    assert.equal(j.append(entry(10), T0 + 10).sequence, 11);
    j.close();
    assert.deepEqual(verifyJournalFile(path), { ok: true, count: 11 });
  });

  it("a file holding only a torn line opens empty and reports it", () => {
    writeFileSync(path, '{"sequence":1,"serverTi');
    const j = AuditJournal.open(dir, quiet);
    assert.deepEqual(j.openReport, { created: false, lastSequence: 0, tornTail: '{"sequence":1,"serverTi' });
    assert.equal(j.append(entry(0), T0).sequence, 1);
    j.close();
    assert.deepEqual(verifyJournalFile(path), { ok: true, count: 1 });
  });

  it("finds the last record when it is longer than the first read window", () => {
    let j = AuditJournal.open(dir, quiet);
    j.append(entry(0), T0);
    const big = j.append(entry(1, { action: "recipe.load", newValue: { blob: "x".repeat(200_000) } }), T0 + 1);
    j.close();
    appendFileSync(path, '{"torn":');
    j = AuditJournal.open(dir, quiet);
    assert.deepEqual(j.last(), big);
    assert.equal(j.openReport.tornTail, '{"torn":');
    j.close();
    assert.deepEqual(verifyJournalFile(path), { ok: true, count: 2 });
  });

  it("refuses to continue from a last record that does not match its hash", () => {
    const j = AuditJournal.open(dir, quiet);
    for (let i = 0; i < 3; i++) j.append(entry(i), T0 + i);
    j.close();
    writeFileSync(path, readFileSync(path, "utf8").replace(/"user":"alice"(?=[^\n]*\n$)/, '"user":"mallory"'));
    assert.throws(() => AuditJournal.open(dir, quiet), /last record 3 does not match its hash/);
  });

  it("a child killed with SIGKILL while appending leaves a journal that verifies and continues", async () => {
    const mod = pathToFileURL(resolve("src/stores/audit-journal.ts")).href;
    const script = `
      const { AuditJournal } = await import(${JSON.stringify(mod)});
      const { silentLogger } = await import(${JSON.stringify(pathToFileURL(resolve("src/core/logger.ts")).href)});
      const j = AuditJournal.open(${JSON.stringify(dir)}, { logger: silentLogger() });
      for (let i = 0; ; i++) {
        j.append({ user: "u" + (i % 7), role: "operator", clientAddress: "::1", action: "line.command", target: "line",
                   newValue: { command: "start", pad: "#".repeat(i % 500) }, result: "ok" }, Date.now());
        if (i === 0) process.stdout.write("appending\\n");
      }`;
    const child = spawnTsx(["--input-type=module", "-e", script], { stdin: "ignore", name: "the appender child" });
    const appended = () => lines(path).length;
    try {
      await child.waitForOutput("appending", 20_000);
      // killed while it appends: once it has written a good many records
      await waitFor("50 records in the journal", 20_000, () => appended() >= 50, { everyMs: 20, observe: appended });
    } finally {
      await child.kill("SIGKILL");
    }

    const j = AuditJournal.open(dir, quiet);
    const v = verifyJournalFile(path);
    assert.equal(v.ok, true, JSON.stringify(v));
    const count = v.ok ? v.count : 0;
    assert.ok(count >= 1, `count ${count}`);
    assert.equal(j.last()!.sequence, count);
    assert.equal(j.append(entry(0), Date.now()).sequence, count + 1);
    j.close();
    assert.deepEqual(verifyJournalFile(path), { ok: true, count: count + 1 });
  });

  describe("read with a filter", () => {
    let j: AuditJournal;
    const users = ["alice", "bob", "carol"];
    const actions = ["setpoint.write", "alarm.ack", "login"] as const;
    let all: AuditRecord[];
    beforeEach(() => {
      j = AuditJournal.open(dir, quiet);
      for (let i = 0; i < 30; i++) j.append(entry(i, { user: users[i % 3]!, action: actions[Math.floor(i / 10)]! }), T0 + i * 1000);
      all = j.read();
    });
    afterEach(() => j.close());

    it("without a filter returns everything, oldest first", () => {
      assert.equal(all.length, 30);
      assert.deepEqual(
        all.map((r) => r.sequence),
        Array.from({ length: 30 }, (_, i) => i + 1),
      );
      assert.deepEqual(all.at(-1), j.last());
    });

    it("by time (both ends inclusive)", () => {
      const got = j.read({ fromMs: T0 + 5000, toMs: T0 + 9000 });
      assert.deepEqual(
        got.map((r) => r.sequence),
        [6, 7, 8, 9, 10],
      );
      assert.equal(j.read({ fromMs: T0 + 29_001 }).length, 0);
    });

    it("by user, by action, and combined", () => {
      assert.ok(j.read({ user: "bob" }).every((r) => r.user === "bob"));
      assert.equal(j.read({ user: "bob" }).length, 10);
      assert.deepEqual(
        j.read({ action: "alarm.ack" }).map((r) => r.sequence),
        [11, 12, 13, 14, 15, 16, 17, 18, 19, 20],
      );
      assert.deepEqual(
        j.read({ action: "alarm.ack", user: "carol", toMs: T0 + 16_000 }).map((r) => r.sequence),
        [12, 15],
      );
      assert.deepEqual(j.read({ user: "nobody" }), []);
    });

    it("limit keeps the most recent matches, oldest first", () => {
      assert.deepEqual(
        j.read({ user: "alice", limit: 3 }).map((r) => r.sequence),
        [22, 25, 28],
      );
      assert.deepEqual(j.read({ limit: 0 }), []);
      assert.equal(j.read({ limit: 100 }).length, 30);
    });

    it("sees records appended after the journal was opened", () => {
      j.append(entry(99, { user: "dave" }), T0 + 99_000);
      assert.deepEqual(
        j.read({ user: "dave" }).map((r) => r.sequence),
        [31],
      );
    });
  });

  describe("verifyJournalFile names the first tampered line", () => {
    beforeEach(() => {
      const j = AuditJournal.open(dir, quiet);
      for (let i = 0; i < 50; i++) j.append(entry(i), T0 + i);
      j.close();
    });
    const edit = (change: (ls: string[]) => string[]) => writeFileSync(path, `${change(lines(path)).join("\n")}\n`);

    it("an edited value → hash-mismatch at that line", () => {
      edit((ls) => ls.map((l, i) => (i === 19 ? l.replace('"newValue":20', '"newValue":21') : l)));
      assert.deepEqual(verifyJournalFile(path), { ok: false, sequence: 20, line: 20, reason: "hash-mismatch", detail: "content does not match its hash: altered after it was written" });
    });

    it("a deleted line → sequence-gap at that line", () => {
      edit((ls) => ls.filter((_, i) => i !== 29));
      const v = verifyJournalFile(path);
      assert.deepEqual(v.ok === false && [v.sequence, v.line, v.reason], [30, 30, "sequence-gap"]);
    });

    it("a line that is not JSON, or not a record → malformed at that line", () => {
      edit((ls) => ls.map((l, i) => (i === 9 ? l.slice(0, -3) : l)));
      const v = verifyJournalFile(path);
      assert.deepEqual(v.ok === false && [v.sequence, v.line, v.reason], [10, 10, "malformed"]);
      edit((ls) => ls.map((l, i) => (i === 9 ? "{}" : l)));
      const w = verifyJournalFile(path);
      assert.deepEqual(w.ok === false && [w.sequence, w.line, w.reason], [10, 10, "malformed"]);
    });

    it("a record edited and re-hashed → prev-hash-mismatch on the next line", () => {
      edit((ls) =>
        ls.map((l, i) => {
          if (i !== 39) return l;
          const r = { ...(JSON.parse(l) as AuditRecord), user: "mallory" };
          return JSON.stringify({ ...r, hash: auditRecordHash(r) });
        }),
      );
      const v = verifyJournalFile(path);
      assert.deepEqual(v.ok === false && [v.sequence, v.line, v.reason], [41, 41, "prev-hash-mismatch"]);
    });
  });
});
