import assert from "node:assert/strict";
import { nextRecord } from "../../../src/audit/audit-record.js";
import { AUDIT_VALUE_MAX_CHARS, auditRecordPoint } from "../../../src/historian/historian-measurements.js";
import { encodePoint } from "../../../src/historian/historian-point.js";

const T0 = Date.UTC(2025, 5, 1, 12, 0, 0, 250);

describe("historian: the `audit` point of an audit record", () => {
  const first = nextRecord(null, { user: "alice", role: "operator", clientAddress: "10.0.0.7", action: "setpoint.write", target: "zone1.temp_sp", oldValue: 850, newValue: { value: 900, unit: "K" }, reason: "per SOP-12", result: "ok" }, T0);
  const signed = nextRecord(
    first,
    {
      user: "bob",
      role: "engineer",
      clientAddress: "::1",
      action: "interlock.bypass",
      target: "IL-07",
      result: "refused",
      resultReason: "SCADA_ERR_INTERLOCK_BYPASS_REFUSED: not while heating",
      signature: { name: "Bob Jones", meaning: "responsibility", time: T0 + 900 },
    },
    T0 + 1000,
  );

  it("tags action, result, user, role (and line); fields sequence, hash, prevHash, target, values as canonical JSON, reason, client address", () => {
    const p = auditRecordPoint(first, "htr-1");
    assert.equal(p.measurement, "audit");
    assert.equal(p.timeMs, T0);
    assert.deepEqual(p.tags, { line: "htr-1", action: "setpoint.write", result: "ok", user: "alice", role: "operator" });
    assert.deepEqual(p.fields, {
      sequence: 1,
      hash: first.hash,
      prevHash: first.prevHash,
      target: "zone1.temp_sp",
      clientAddress: "10.0.0.7",
      oldValue: "850",
      newValue: '{"unit":"K","value":900}',
      reason: "per SOP-12",
    });
  });

  it("a signed, refused record carries the signature's name, meaning and time and the refusal; null values are left out", () => {
    const p = auditRecordPoint(signed, "htr-1");
    assert.deepEqual(p.fields, {
      sequence: 2,
      hash: signed.hash,
      prevHash: first.hash,
      target: "IL-07",
      clientAddress: "::1",
      resultReason: "SCADA_ERR_INTERLOCK_BYPASS_REFUSED: not while heating",
      signatureName: "Bob Jones",
      signatureMeaning: "responsibility",
      signatureTime: T0 + 900,
    });
    const line = encodePoint(p)!;
    assert.match(line, /^audit,action=interlock\.bypass,line=htr-1,result=refused,role=engineer,user=bob /);
    assert.match(line, / sequence=2,/);
    assert.match(line, new RegExp(`hash="${signed.hash}"`));
  });

  it("a huge value is cut (InfluxDB refuses string fields over 64 KiB), saying where the whole one is", () => {
    const big = nextRecord(null, { user: "u", role: "admin", clientAddress: "::1", action: "config.load", target: "/etc/plc", newValue: { blob: "x".repeat(100_000) }, result: "ok" }, T0);
    const v = String(auditRecordPoint(big, "l").fields.newValue);
    assert.ok(v.length < AUDIT_VALUE_MAX_CHARS + 100);
    assert.match(v, /… \(100011 chars; whole in the audit journal\)$/);
  });
});
