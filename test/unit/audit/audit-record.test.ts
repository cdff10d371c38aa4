import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  type AuditEntry,
  type AuditRecord,
  auditRecordHash,
  canonicalJson,
  GENESIS_HASH,
  nextRecord,
  signRecord,
  verifyChain,
} from "../../../src/audit/audit-record.js";

const T0 = Date.UTC(2025, 0, 15, 8, 0, 0);

function entry(i: number): AuditEntry {
  return {
    user: i % 3 === 0 ? "alice" : "bob",
    role: "operator",
    clientAddress: "10.0.0.7",
    action: i % 2 === 0 ? "setpoint.write" : "alarm.ack",
    target: `zone${i % 5}.temp_sp`,
    oldValue: { value: i, unit: "degC" },
    newValue: { value: i + 1, unit: "degC" },
    reason: i % 4 === 0 ? null : `step ${i}`,
    result: "ok",
  };
}

function chain(n: number): AuditRecord[] {
  const out: AuditRecord[] = [];
  for (let i = 0; i < n; i++) out.push(nextRecord(out.at(-1) ?? null, entry(i), T0 + i * 1000));
  return out;
}

/** Replaces record k (1-based sequence) by `change(record)`. */
function tamper(records: AuditRecord[], k: number, change: (r: AuditRecord) => AuditRecord): AuditRecord[] {
  return records.map((r) => (r.sequence === k ? change(r) : r));
}

describe("audit record chain", () => {
  it("a chain of 100 records verifies, numbered from 1, linked from the genesis hash", () => {
    const records = chain(100);
    assert.deepEqual(verifyChain(records), { ok: true, count: 100 });
    assert.deepEqual(
      records.map((r) => r.sequence),
      Array.from({ length: 100 }, (_, i) => i + 1),
    );
    assert.equal(records[0]!.prevHash, GENESIS_HASH);
    assert.equal(GENESIS_HASH, "0".repeat(64));
    for (let i = 1; i < 100; i++) assert.equal(records[i]!.prevHash, records[i - 1]!.hash);
    assert.deepEqual(verifyChain([]), { ok: true, count: 0 });
  });

  it("hash = sha256(prevHash + newline + canonical content without hash and signature)", () => {
    const r = chain(2)[1]!;
    const { hash, signature: _sig, ...content } = r;
    const expected = createHash("sha256").update(`${r.prevHash}\n${canonicalJson(content)}`).digest("hex");
    assert.equal(hash, expected);
    assert.match(hash, /^[0-9a-f]{64}$/);
  });

  it("fills defaults: null values, reason and resultReason; the time is the one passed", () => {
    const r = nextRecord(null, { user: "system", role: "system", clientAddress: "", action: "config.load", target: "plc-config", result: "ok" }, 42);
    assert.equal(r.serverTime, 42);
    assert.equal(r.oldValue, null);
    assert.equal(r.newValue, null);
    assert.equal(r.reason, null);
    assert.equal(r.resultReason, null);
    assert.equal(r.signature, undefined);
  });

  it("stores values as they read back from JSON, so the hash covers what is stored", () => {
    const r = nextRecord(null, { ...entry(0), newValue: { at: new Date(T0), gone: undefined, n: NaN } }, T0);
    assert.deepEqual(r.newValue, { at: new Date(T0).toISOString(), n: null });
    const reread = JSON.parse(JSON.stringify(r)) as AuditRecord;
    assert.deepEqual(verifyChain([reread]), { ok: true, count: 1 });
    assert.throws(() => nextRecord(null, { ...entry(0), newValue: 1n }, T0), TypeError);
    assert.throws(() => nextRecord(null, entry(0), NaN), /epoch ms/);
  });

  describe("names the first broken record and why", () => {
    const records = chain(100);
    const k = 37;

    const fieldChanges: [string, (r: AuditRecord) => AuditRecord][] = [
      ["serverTime", (r) => ({ ...r, serverTime: r.serverTime + 1 })],
      ["user", (r) => ({ ...r, user: "mallory" })],
      ["role", (r) => ({ ...r, role: "admin" })],
      ["clientAddress", (r) => ({ ...r, clientAddress: "10.0.0.8" })],
      ["action", (r) => ({ ...r, action: "logout" })],
      ["target", (r) => ({ ...r, target: "zone9.temp_sp" })],
      ["oldValue", (r) => ({ ...r, oldValue: { value: 1, unit: "degC" } })],
      ["newValue (nested)", (r) => ({ ...r, newValue: { value: 999, unit: "degC" } })],
      ["reason", (r) => ({ ...r, reason: "nothing to see" })],
      ["result", (r) => ({ ...r, result: "refused" })],
      ["resultReason", (r) => ({ ...r, resultReason: "x" })],
    ];
    for (const [field, change] of fieldChanges) {
      it(`changing ${field} of record k → hash-mismatch at k`, () => {
        const v = verifyChain(tamper(records, k, change));
        assert.equal(v.ok, false);
        assert.deepEqual(v.ok === false && [v.sequence, v.reason], [k, "hash-mismatch"]);
      });
    }

    it("changing the sequence of record k → sequence-gap at k", () => {
      const v = verifyChain(tamper(records, k, (r) => ({ ...r, sequence: 1000 })));
      assert.deepEqual(v.ok === false && [v.sequence, v.reason], [k, "sequence-gap"]);
    });

    it("changing the prevHash of record k → prev-hash-mismatch at k", () => {
      const v = verifyChain(tamper(records, k, (r) => ({ ...r, prevHash: "f".repeat(64) })));
      assert.deepEqual(v.ok === false && [v.sequence, v.reason], [k, "prev-hash-mismatch"]);
    });

    it("changing the hash of record k → hash-mismatch at k", () => {
      const v = verifyChain(tamper(records, k, (r) => ({ ...r, hash: "a".repeat(64) })));
      assert.deepEqual(v.ok === false && [v.sequence, v.reason], [k, "hash-mismatch"]);
    });

    it("deleting record k → sequence-gap at k", () => {
      const v = verifyChain(records.filter((r) => r.sequence !== k));
      assert.deepEqual(v.ok === false && [v.sequence, v.reason], [k, "sequence-gap"]);
      assert.match(v.ok === false ? v.detail : "", new RegExp(`expected ${k}, found ${k + 1}`));
    });

    it("deleting the first record → sequence-gap at 1", () => {
      const v = verifyChain(records.slice(1));
      assert.deepEqual(v.ok === false && [v.sequence, v.reason], [1, "sequence-gap"]);
    });

    it("swapping records k and k+1 → sequence-gap at k", () => {
      const swapped = [...records];
      [swapped[k - 1], swapped[k]] = [swapped[k]!, swapped[k - 1]!];
      const v = verifyChain(swapped);
      assert.deepEqual(v.ok === false && [v.sequence, v.reason], [k, "sequence-gap"]);
    });

    it("swapping records k and k+1 and renumbering them → prev-hash-mismatch at k", () => {
      const a = records[k - 1]!;
      const b = records[k]!;
      const swapped = [...records.slice(0, k - 1), { ...b, sequence: k }, { ...a, sequence: k + 1 }, ...records.slice(k + 1)];
      const v = verifyChain(swapped);
      assert.deepEqual(v.ok === false && [v.sequence, v.reason], [k, "prev-hash-mismatch"]);
    });

    it("duplicating record k → sequence-duplicate at k+1", () => {
      const dup = [...records.slice(0, k), records[k - 1]!, ...records.slice(k)];
      const v = verifyChain(dup);
      assert.deepEqual(v.ok === false && [v.sequence, v.reason], [k + 1, "sequence-duplicate"]);
    });

    it("re-hashing a tampered record k without fixing its successors → prev-hash-mismatch at k+1", () => {
      const rehashed = tamper(records, k, (r) => {
        const changed = { ...r, newValue: { value: 999, unit: "degC" } };
        return { ...changed, hash: auditRecordHash(changed) };
      });
      const v = verifyChain(rehashed);
      assert.deepEqual(v.ok === false && [v.sequence, v.reason], [k + 1, "prev-hash-mismatch"]);
    });

    it("only the first break is named when several records are broken", () => {
      let broken = tamper(records, 80, (r) => ({ ...r, user: "x" }));
      broken = tamper(broken, 20, (r) => ({ ...r, user: "y" }));
      const v = verifyChain(broken.filter((r) => r.sequence !== 50));
      assert.deepEqual(v.ok === false && [v.sequence, v.reason], [20, "hash-mismatch"]);
    });

    it("an extra key or a wrong type → malformed at k", () => {
      const extra = verifyChain(tamper(records, k, (r) => ({ ...r, note: "added" }) as AuditRecord));
      assert.deepEqual(extra.ok === false && [extra.sequence, extra.reason], [k, "malformed"]);
      const wrong = verifyChain(tamper(records, k, (r) => ({ ...r, result: "maybe" }) as unknown as AuditRecord));
      assert.deepEqual(wrong.ok === false && [wrong.sequence, wrong.reason], [k, "malformed"]);
      assert.match(wrong.ok === false ? wrong.detail : "", /result/);
    });

    it("the untouched chain still verifies (the tests above did not mutate it)", () => {
      assert.deepEqual(verifyChain(records), { ok: true, count: 100 });
    });
  });

  it("verifies a part of a chain from a known link", () => {
    const records = chain(10);
    const anchor = records[3]!;
    assert.deepEqual(verifyChain(records.slice(4), anchor), { ok: true, count: 6 });
    const v = verifyChain(records.slice(5), anchor);
    assert.deepEqual(v.ok === false && [v.sequence, v.reason], [5, "sequence-gap"]);
  });

  describe("electronic signature (bound into the hash)", () => {
    const by = { name: "Alice Smith", meaning: "approval", time: T0 + 5 };
    const k = 5;
    /** A chain of n whose record k was signed as it was made. */
    function signedChain(n: number): AuditRecord[] {
      const out: AuditRecord[] = [];
      for (let i = 0; i < n; i++) out.push(nextRecord(out.at(-1) ?? null, i + 1 === k ? { ...entry(i), signature: by } : entry(i), T0 + i * 1000));
      return out;
    }

    it("signed as it is made: the signature carries the record's hash, and the hash covers the name, meaning and time", () => {
      const records = signedChain(10);
      const r = records[k - 1]!;
      assert.deepEqual(r.signature, { ...by, hash: r.hash });
      assert.equal(auditRecordHash(r), r.hash);
      const unsigned = chain(10)[k - 1]!;
      assert.notEqual(r.hash, unsigned.hash, "the signature is part of the hashed content");
      const { hash: _h, signature: _s, ...rest } = r;
      const expected = createHash("sha256")
        .update(`${r.prevHash}\n${canonicalJson({ ...rest, signature: { name: by.name, meaning: by.meaning, time: by.time } })}`)
        .digest("hex");
      assert.equal(r.hash, expected);
      assert.deepEqual(verifyChain(records), { ok: true, count: 10 });
    });

    it("signRecord re-hashes an unchained record with its signature", () => {
      const r = chain(1)[0]!;
      const signed = signRecord(r, by);
      assert.notEqual(signed.hash, r.hash);
      assert.equal(signed.signature?.hash, signed.hash);
      assert.equal(auditRecordHash(signed), signed.hash);
      assert.deepEqual(verifyChain([signed]), { ok: true, count: 1 });
    });

    const signatureChanges: [string, (s: NonNullable<AuditRecord["signature"]>) => NonNullable<AuditRecord["signature"]>][] = [
      ["the signer's name", (s) => ({ ...s, name: "Mallory" })],
      ["the meaning", (s) => ({ ...s, meaning: "review" })],
      ["the signing time", (s) => ({ ...s, time: s.time + 60_000 })],
    ];
    for (const [what, change] of signatureChanges) {
      it(`changing ${what} of record k → hash-mismatch at k`, () => {
        const v = verifyChain(tamper(signedChain(10), k, (r) => ({ ...r, signature: change(r.signature!) })));
        assert.deepEqual(v.ok === false && [v.sequence, v.reason], [k, "hash-mismatch"]);
        assert.match(v.ok === false ? v.detail : "", /signature/);
      });
    }

    it("removing the signature of record k → hash-mismatch at k", () => {
      const v = verifyChain(
        tamper(signedChain(10), k, (r) => {
          const { signature: _s, ...rest } = r;
          return rest;
        }),
      );
      assert.deepEqual(v.ok === false && [v.sequence, v.reason], [k, "hash-mismatch"]);
    });

    it("changing the signer and re-hashing record k (signature hash too) → prev-hash-mismatch at k+1", () => {
      const v = verifyChain(
        tamper(signedChain(10), k, (r) => {
          const changed = { ...r, signature: { ...r.signature!, name: "Mallory" } };
          const hash = auditRecordHash(changed);
          return { ...changed, hash, signature: { ...changed.signature, hash } };
        }),
      );
      assert.deepEqual(v.ok === false && [v.sequence, v.reason], [k + 1, "prev-hash-mismatch"]);
    });

    it("a signature added after the record was chained on → prev-hash-mismatch at the successor", () => {
      const records = chain(10);
      const v = verifyChain(tamper(records, 3, (r) => signRecord(r, by)));
      assert.deepEqual(v.ok === false && [v.sequence, v.reason], [4, "prev-hash-mismatch"]);
    });

    it("moved onto another record → signature-unbound at that record", () => {
      const records = signedChain(10);
      const moved = records.map((r) => (r.sequence === 8 ? { ...r, signature: records[k - 1]!.signature! } : r));
      const v = verifyChain(moved);
      assert.deepEqual(v.ok === false && [v.sequence, v.reason], [8, "signature-unbound"]);
    });

    it("kept while the record is altered and re-hashed → signature-unbound (before the successor breaks)", () => {
      const records = signedChain(10);
      const changed = { ...records[k - 1]!, target: "other" };
      const rehashed = { ...changed, hash: auditRecordHash(changed) };
      const v = verifyChain(tamper(records, k, () => rehashed));
      assert.deepEqual(v.ok === false && [v.sequence, v.reason], [k, "signature-unbound"]);
    });

    it("refuses a second signature, an empty name or meaning, a time that is not epoch ms", () => {
      const r = chain(1)[0]!;
      assert.throws(() => signRecord(signRecord(r, by), by), /already signed/);
      assert.throws(() => signRecord(r, { ...by, name: "" }), /name/);
      assert.throws(() => signRecord(r, { ...by, meaning: "" }), /meaning/);
      assert.throws(() => signRecord(r, { ...by, time: NaN }), /epoch ms/);
    });
  });

  it("refuses an entry that would not read back (unknown action or result, a non-string field)", () => {
    assert.throws(() => nextRecord(null, { ...entry(1), action: "bogus" as never }, T0), /audit entry refused: action/);
    assert.throws(() => nextRecord(null, { ...entry(1), result: "maybe" as never }, T0), /audit entry refused: result/);
    assert.throws(() => nextRecord(null, { ...entry(1), user: 7 as never }, T0), /audit entry refused: user/);
  });

  describe("canonical serialisation", () => {
    it("does not depend on key order, at any depth", () => {
      const a = { b: 1, a: { y: [1, { q: 1, p: 2 }], x: "s" }, c: null };
      const b = { c: null, a: { x: "s", y: [1, { p: 2, q: 1 }] }, b: 1 };
      assert.equal(canonicalJson(a), canonicalJson(b));
      assert.equal(canonicalJson(a), '{"a":{"x":"s","y":[1,{"p":2,"q":1}]},"b":1,"c":null}');
    });

    it("a record rebuilt with its keys in another order has the same hash", () => {
      const r = chain(3)[2]!;
      const reversed = Object.fromEntries(Object.entries(r).reverse()) as unknown as AuditRecord;
      assert.deepEqual(Object.keys(reversed)[0], "hash");
      assert.equal(auditRecordHash(reversed), r.hash);
      const valueKeysSwapped = { ...r, newValue: { unit: "degC", value: 3 } };
      assert.equal(auditRecordHash(valueKeysSwapped), r.hash);
    });

    it("keeps array order (it is meaningful) and refuses what JSON cannot hold", () => {
      assert.notEqual(canonicalJson([1, 2]), canonicalJson([2, 1]));
      for (const bad of [NaN, Infinity, undefined, 1n, () => 1, [undefined]]) assert.throws(() => canonicalJson(bad), TypeError, String(bad));
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      assert.throws(() => canonicalJson(cyclic), /cyclic/);
    });
  });
});
