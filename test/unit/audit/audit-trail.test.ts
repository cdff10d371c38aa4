import assert from "node:assert/strict";
import { type AuditEntry, type AuditRecord, auditRecordHash } from "../../../src/audit/audit-record.js";
import { AuditTrail } from "../../../src/audit/audit-trail.js";
import { ManualClock } from "../../../src/core/clock.js";
import { ScadaError } from "../../../src/core/errors.js";
import type { Logger } from "../../../src/core/logger.js";
import { MemoryAuditJournal } from "../../helpers/memory-audit-journal.js";

const T0 = Date.UTC(2025, 4, 6, 7, 0, 0);

function entry(over: Partial<AuditEntry> = {}): AuditEntry {
  return { user: "alice", role: "operator", clientAddress: "10.0.0.7", action: "setpoint.write", target: "zone1.temp_sp", oldValue: 850, newValue: 900, result: "ok", ...over };
}

interface Logged {
  level: string;
  obj: unknown;
  msg: string | undefined;
}

function recordingLogger(into: Logged[]): Logger {
  const at =
    (level: string) =>
    (obj: object | string, msg?: string): void =>
      void into.push({ level, obj, msg });
  const logger: Logger = { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error"), child: () => logger };
  return logger;
}

describe("audit trail (service over a journal port)", () => {
  let journal: MemoryAuditJournal;
  let clock: ManualClock;
  let logged: Logged[];
  let trail: AuditTrail;
  beforeEach(() => {
    journal = new MemoryAuditJournal();
    clock = new ManualClock(T0);
    logged = [];
    trail = new AuditTrail({ journal, clock, logger: recordingLogger(logged) });
  });

  describe("record", () => {
    it("appends records in sequence with the clock's time and returns what was stored", () => {
      const a = trail.record(entry());
      clock.advance(250);
      const b = trail.record(entry({ user: "bob", action: "alarm.ack", target: "HTR-ESTOP" }));
      assert.deepEqual([a.sequence, b.sequence], [1, 2]);
      assert.deepEqual([a.serverTime, b.serverTime], [T0, T0 + 250]);
      assert.equal(b.prevHash, a.hash);
      assert.deepEqual(journal.stored, [a, b]);
      assert.deepEqual(trail.last(), b);
      assert.deepEqual(trail.status(), { lastSequence: 2, lastHash: b.hash, writeFailures: 0, writable: true, anchor: trail.anchorState() });
    });

    it("hands each record to the listeners after it is stored, in order; unsubscribing stops it", () => {
      const seen: [string, number, number][] = [];
      const off = trail.onRecord((r) => seen.push(["a", r.sequence, journal.stored.length]));
      trail.onRecord((r) => seen.push(["b", r.sequence, journal.stored.length]));
      trail.record(entry());
      trail.record(entry());
      off();
      trail.record(entry());
      assert.deepEqual(seen, [
        ["a", 1, 1],
        ["b", 1, 1],
        ["a", 2, 2],
        ["b", 2, 2],
        ["b", 3, 3],
      ]);
    });

    it("a listener that records queues its record behind the one being delivered (every listener sees sequence order)", () => {
      const seenByB: number[] = [];
      trail.onRecord((r) => {
        if (r.sequence === 1) trail.record(entry({ action: "access.denied", result: "refused" }));
      });
      trail.onRecord((r) => seenByB.push(r.sequence));
      const first = trail.record(entry());
      assert.equal(first.sequence, 1);
      assert.deepEqual(seenByB, [1, 2]);
    });

    it("a failing listener is logged; the record stands and the other listeners still get it", () => {
      const seen: number[] = [];
      trail.onRecord(() => {
        throw new Error("historian queue exploded");
      });
      trail.onRecord((r) => seen.push(r.sequence));
      assert.equal(trail.record(entry()).sequence, 1);
      assert.deepEqual(seen, [1]);
      assert.ok(logged.some((l) => l.level === "error" && /listener failed/.test(l.msg ?? "")));
    });

    it("a journal that cannot write (disk full) → SCADA_ERR_AUDIT_WRITE_FAILED, nothing stored, no listener told, logged; the next record continues", () => {
      const seen: number[] = [];
      trail.onRecord((r) => seen.push(r.sequence));
      trail.record(entry());
      journal.failNext = Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
      assert.throws(
        () => trail.record(entry({ action: "line.command", target: "line", newValue: { command: "start" }, user: "carol" })),
        (e: unknown) => e instanceof ScadaError && e.code === "SCADA_ERR_AUDIT_WRITE_FAILED" && e.status === 503 && /ENOSPC/.test(e.message) && /line\.command line by carol/.test(e.message),
      );
      assert.equal(journal.stored.length, 1);
      assert.deepEqual(seen, [1]);
      const err = logged.find((l) => l.level === "error");
      assert.ok(err, "logged");
      assert.match(JSON.stringify(err.obj), /"user":"carol"/, "the log keeps who did what");
      assert.equal(trail.status().writeFailures, 1);
      assert.equal(trail.writable(), false, "not writable after a failed append (a journal without a probe)");
      assert.equal(trail.record(entry()).sequence, 2);
      assert.equal(trail.writable(), true, "writable again once an append succeeded");
    });

    it("writable() is the journal's own answer when it has one (a closed journal, a full disk)", () => {
      let room = true;
      journal.writable = () => room;
      assert.equal(trail.writable(), true);
      room = false;
      assert.equal(trail.writable(), false);
      assert.equal(trail.status().writable, false);
    });

    it("an entry that would not read back is a caller's bug: TypeError, nothing stored", () => {
      assert.throws(() => trail.record(entry({ action: "made.up" as never })), TypeError);
      assert.equal(journal.stored.length, 0);
      assert.equal(trail.status().writeFailures, 0);
    });
  });

  describe("query", () => {
    const users = ["alice", "bob", "carol"];
    beforeEach(() => {
      // 30 records, one a second: users in turn; actions in blocks of 10; every 4th refused.
      for (let i = 0; i < 30; i++) {
        clock.set(T0 + i * 1000);
        trail.record(
          entry({
            user: users[i % 3]!,
            action: (["setpoint.write", "alarm.ack", "recipe.load"] as const)[Math.floor(i / 10)]!,
            target: i % 2 === 0 ? `Zone${i % 5}.Temp_SP` : `alarm-${i}`,
            result: i % 4 === 0 ? "refused" : "ok",
          }),
        );
      }
    });
    const seqs = (records: readonly AuditRecord[]) => records.map((r) => r.sequence);

    it("without a filter: the newest first, up to 500", async () => {
      const { records, truncated } = await trail.query();
      assert.deepEqual(
        seqs(records),
        Array.from({ length: 30 }, (_, i) => 30 - i),
      );
      assert.equal(truncated, false);
    });

    it("by time, both ends inclusive", async () => {
      assert.deepEqual(seqs((await trail.query({ fromMs: T0 + 5000, toMs: T0 + 8000, order: "asc" })).records), [6, 7, 8, 9]);
      assert.deepEqual((await trail.query({ fromMs: T0 + 30_000 })).records, []);
    });

    it("by user, action, result and a part of the target (case-insensitive), combined", async () => {
      assert.ok((await trail.query({ user: "bob" })).records.every((r) => r.user === "bob"));
      assert.equal((await trail.query({ user: "bob" })).records.length, 10);
      assert.equal((await trail.query({ user: "Bob" })).records.length, 0, "the user is matched exactly");
      assert.deepEqual(seqs((await trail.query({ action: "alarm.ack", order: "asc" })).records), [11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
      assert.deepEqual(seqs((await trail.query({ result: "refused", order: "asc" })).records), [1, 5, 9, 13, 17, 21, 25, 29]);
      assert.deepEqual(seqs((await trail.query({ target: "zone1.temp", order: "asc" })).records), [7, 17, 27]);
      assert.deepEqual(seqs((await trail.query({ target: "ALARM-1", order: "asc" })).records), [2, 12, 14, 16, 18, 20]);
      assert.deepEqual(seqs((await trail.query({ action: "recipe.load", user: "carol", result: "ok", toMs: T0 + 27_000, order: "asc" })).records), [24, 27]);
    });

    it("limit: desc keeps the newest, asc the oldest; truncated says more matched", async () => {
      const desc = await trail.query({ user: "alice", limit: 3 });
      assert.deepEqual(seqs(desc.records), [28, 25, 22]);
      assert.equal(desc.truncated, true);
      const asc = await trail.query({ user: "alice", limit: 3, order: "asc" });
      assert.deepEqual(seqs(asc.records), [1, 4, 7]);
      assert.equal(asc.truncated, true);
      assert.equal((await trail.query({ user: "alice", limit: 10 })).truncated, false);
      await assert.rejects(() => trail.query({ limit: 0 }), /limit/);
      await assert.rejects(() => trail.query({ limit: 1.5 }), /limit/);
    });

    it("query and verify give the event loop a turn every scanSlice records", async () => {
      let pauses = 0;
      const sliced = new AuditTrail({ journal, clock, logger: recordingLogger(logged), scanSlice: 4, pause: async () => void (pauses += 1) });
      assert.equal((await sliced.query({ user: "bob" })).records.length, 10);
      assert.equal(pauses, 7, "30 records, a turn every 4");
      pauses = 0;
      assert.equal((await sliced.verify()).ok, true);
      assert.equal(pauses, 7);
    });

    it("a journal it cannot read → SCADA_ERR_AUDIT_JOURNAL_DAMAGED naming the cause", async () => {
      journal.records = function* () {
        yield journal.stored[0]!;
        throw new Error("/var/audit/audit-journal.jsonl:2: not JSON");
      };
      await assert.rejects(
        () => trail.query(),
        (e: unknown) => e instanceof ScadaError && e.code === "SCADA_ERR_AUDIT_JOURNAL_DAMAGED" && /jsonl:2: not JSON/.test(e.message),
      );
    });
  });

  describe("verify", () => {
    beforeEach(() => {
      for (let i = 0; i < 20; i++) {
        clock.set(T0 + i * 1000);
        trail.record(entry({ newValue: i, ...(i === 11 ? { action: "recipe.load", signature: { name: "Bob Jones", meaning: "approval", time: T0 + i * 1000 } } : {}) }));
      }
    });

    it("an intact chain: ok with the count", async () => {
      assert.deepEqual(await trail.verify(), { ok: true, count: 20, anchor: trail.anchorState() });
      assert.equal(trail.anchorState().state, "unchecked");
    });

    it("an altered record: the first broken sequence and why, with how many verified before it", async () => {
      journal.stored[6] = { ...journal.stored[6]!, newValue: 999 };
      const v = await trail.verify();
      assert.equal(v.ok, false);
      assert.deepEqual(v.ok === false && [v.sequence, v.reason, v.count], [7, "hash-mismatch", 6]);
    });

    it("an altered signer → hash-mismatch at the signed record", async () => {
      const r = journal.stored[11]!;
      journal.stored[11] = { ...r, signature: { ...r.signature!, name: "Mallory" } };
      const v = await trail.verify();
      assert.deepEqual(v.ok === false && [v.sequence, v.reason], [12, "hash-mismatch"]);
    });
  });

  describe("tail anchoring against the historian", () => {
    let records: AuditRecord[];
    beforeEach(() => {
      records = [];
      for (let i = 0; i < 10; i++) records.push(trail.record(entry({ newValue: i })));
    });
    const links = (...seqs: number[]) => ({ recentLinks: async () => seqs.map((s) => ({ sequence: s, hash: records[s - 1]!.hash })) });

    it("the historian's newest records match the journal → match", async () => {
      const a = await trail.checkAnchor(links(8, 9, 10));
      assert.deepEqual(a.state === "match" && [a.sequence, a.hash], [10, records[9]!.hash]);
      assert.equal((await trail.verify()).ok, true);
    });

    it("a historian behind the journal (points still queued or spooled) is a match", async () => {
      const a = await trail.checkAnchor(links(6, 7));
      assert.equal(a.state, "match");
      assert.match(a.detail, /records 8…10 not in the historian yet/);
    });

    it("a truncated journal (the historian holds later records) → mismatch, logged as an error and shown by verify", async () => {
      const more = [...records];
      let prev = records[9]!;
      for (let i = 0; i < 3; i++) {
        const r = { ...prev, sequence: prev.sequence + 1, prevHash: prev.hash, hash: "" };
        prev = { ...r, hash: auditRecordHash(r) };
        more.push(prev);
      }
      const a = await trail.checkAnchor({ recentLinks: async () => more.slice(-4).map((r) => ({ sequence: r.sequence, hash: r.hash })) });
      assert.equal(a.state, "mismatch");
      assert.deepEqual(a.state === "mismatch" && [a.sequence, a.journal?.sequence, a.historian.sequence], [11, 10, 13]);
      assert.match(a.detail, /ends at record 10 but the historian holds record 13/);
      assert.ok(logged.some((l) => l.level === "error" && /TAIL MISMATCH/.test(l.msg ?? "")));
      const v = await trail.verify();
      assert.deepEqual(v.ok === false && [v.sequence, v.reason, v.count], [11, "anchor-mismatch", 10]);
    });

    it("a re-hashed tail (chain intact, hashes differ from the historian's) → mismatch at the first differing record", async () => {
      // Rewrite records 7…10 (a new value) and re-hash them: the chain itself still verifies.
      for (let s = 7; s <= 10; s++) {
        const prevHash = journal.stored[s - 2]!.hash;
        const r = { ...journal.stored[s - 1]!, prevHash, newValue: 0, hash: "" };
        journal.stored[s - 1] = { ...r, hash: auditRecordHash(r) };
      }
      assert.equal(journal.verify().ok, true, "a re-hashed tail verifies as a chain");
      const a = await trail.checkAnchor(links(5, 6, 7, 8, 9, 10));
      assert.deepEqual(a.state === "mismatch" && a.sequence, 7);
      assert.match(a.detail, /record 7 has hash .* in the journal but .* in the historian/);
      const v = await trail.verify();
      assert.deepEqual(v.ok === false && [v.sequence, v.reason], [7, "anchor-mismatch"]);
    });

    it("a historian with no audit points → no-anchor (a warning when the journal had records before this start)", async () => {
      const restarted = new AuditTrail({ journal, clock, logger: recordingLogger(logged) });
      const a = await restarted.checkAnchor({ recentLinks: async () => [] });
      assert.equal(a.state, "no-anchor");
      assert.ok(logged.some((l) => l.level === "warn" && /not anchored/.test(l.msg ?? "")));
      assert.equal((await restarted.verify()).ok, true);
    });

    it("a historian that cannot answer → unavailable (checked again later)", async () => {
      const a = await trail.checkAnchor({ recentLinks: async () => Promise.reject(new Error("connect ECONNREFUSED")) });
      assert.equal(a.state, "unavailable");
      assert.match(a.detail, /ECONNREFUSED/);
      assert.equal((await trail.verify()).ok, true);
      assert.equal((await trail.checkAnchor(links(10))).state, "match");
    });
  });
});
