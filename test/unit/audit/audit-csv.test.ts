import assert from "node:assert/strict";
import { AUDIT_CSV_COLUMNS, auditToCsv, csvField } from "../../../src/audit/audit-csv.js";
import { type AuditRecord, nextRecord } from "../../../src/audit/audit-record.js";

const T0 = Date.UTC(2025, 3, 2, 14, 30, 0, 123);

/** A small RFC 4180 reader, so the test checks what a spreadsheet would see rather than string shapes. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") row.push(field), (field = "");
    else if (c === "\r" && text[i + 1] === "\n") row.push(field), rows.push(row), (row = []), (field = ""), i++;
    else field += c;
  }
  assert.equal(field + row.join(""), "", "ends with CRLF");
  return rows;
}

describe("audit CSV export", () => {
  const first = nextRecord(
    null,
    { user: "alice", role: "operator", clientAddress: "10.0.0.7", action: "setpoint.write", target: "zone1.temp_sp", oldValue: 850, newValue: 900, reason: "ramp, per SOP-12", result: "ok" },
    T0,
  );
  const second = nextRecord(
    first,
    {
      user: "bob",
      role: "engineer",
      clientAddress: "::1",
      action: "recipe.load",
      target: "BiSb v3",
      oldValue: null,
      newValue: { z: 1, a: 'say "hi"' },
      reason: "line one\nline two",
      result: "refused",
      resultReason: "SCADA_ERR_RECIPE_LIMIT: zone 2 above limit",
      signature: { name: "Bob Jones", meaning: "approval", time: T0 + 1000 },
    },
    T0 + 2000,
  );
  const rows = parseCsv(auditToCsv([first, second]));

  it("has a header with the documented columns and one row per record", () => {
    assert.deepEqual(rows[0], [...AUDIT_CSV_COLUMNS]);
    assert.deepEqual(AUDIT_CSV_COLUMNS, [
      "sequence", "serverTime", "user", "role", "clientAddress", "action", "target", "oldValue", "newValue", "reason", "result", "resultReason", "signature", "hash",
    ]);
    assert.equal(rows.length, 3);
    assert.ok(rows.every((r) => r.length === AUDIT_CSV_COLUMNS.length));
  });

  it("writes each field; time as ISO, nulls empty, values as canonical JSON", () => {
    assert.deepEqual(rows[1], ["1", "2025-04-02T14:30:00.123Z", "alice", "operator", "10.0.0.7", "setpoint.write", "zone1.temp_sp", "850", "900", "ramp, per SOP-12", "ok", "", "", first.hash]);
    const r = rows[2]!;
    assert.equal(r[7], "");
    assert.equal(r[8], '{"a":"say \\"hi\\"","z":1}');
    assert.equal(r[9], "line one\nline two");
    assert.equal(r[11], "SCADA_ERR_RECIPE_LIMIT: zone 2 above limit");
    assert.equal(r[12], "Bob Jones / approval / 2025-04-02T14:30:01.123Z");
    assert.equal(r[13], second.hash);
  });

  it("quotes exactly the fields with a comma, a quote or a line break (RFC 4180)", () => {
    assert.equal(csvField("plain"), "plain");
    assert.equal(csvField("a,b"), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField("a\nb"), '"a\nb"');
    assert.equal(csvField("a\rb"), '"a\rb"');
    assert.equal(csvField(""), "");
    const text = auditToCsv([first]);
    assert.ok(text.includes('"ramp, per SOP-12"'));
    assert.ok(text.endsWith("\r\n"));
  });

  it("an empty trail is the header alone", () => {
    assert.equal(auditToCsv([]), `${AUDIT_CSV_COLUMNS.join(",")}\r\n`);
  });

  it("on request, defuses fields a spreadsheet would run as formulas; exact by default", () => {
    const evil: AuditRecord = { ...first, reason: '=HYPERLINK("http://x","y")', user: "@cmd" };
    assert.equal(parseCsv(auditToCsv([evil]))[1]![9], '=HYPERLINK("http://x","y")');
    const safe = parseCsv(auditToCsv([evil], { neutraliseFormulas: true }))[1]!;
    assert.equal(safe[9], `'=HYPERLINK("http://x","y")`);
    assert.equal(safe[2], "'@cmd");
    assert.equal(safe[3], "operator");
  });
});
