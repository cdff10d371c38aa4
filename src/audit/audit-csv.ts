/**
 * The audit trail as CSV (RFC 4180) for inspectors and spreadsheets (Part 11 §11.10(b): accurate and complete
 * copies in human-readable and electronic form).
 *
 * Old and new values are written as canonical JSON so a string "5" and a number 5 stay distinguishable; null
 * is an empty field. The hash is included so a printed copy can be matched against the journal.
 *
 * `neutraliseFormulas` prefixes a field that starts with = + - @ (or a tab / carriage return) with an
 * apostrophe, so a spreadsheet does not run a user-typed reason as a formula (CSV injection). It changes the
 * text, so it is off by default: the default copy is exact.
 */
import { type AuditRecord, canonicalJson } from "./audit-record.js";

export const AUDIT_CSV_COLUMNS = [
  "sequence",
  "serverTime",
  "user",
  "role",
  "clientAddress",
  "action",
  "target",
  "oldValue",
  "newValue",
  "reason",
  "result",
  "resultReason",
  "signature",
  "hash",
] as const;

/** One RFC 4180 field: quoted when it holds a comma, a quote or a line break; quotes doubled. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function json(value: unknown): string {
  return value === null || value === undefined ? "" : canonicalJson(value);
}

function row(r: AuditRecord): string[] {
  const sig = r.signature ? `${r.signature.name} / ${r.signature.meaning} / ${new Date(r.signature.time).toISOString()}` : "";
  return [
    String(r.sequence),
    new Date(r.serverTime).toISOString(),
    r.user,
    r.role,
    r.clientAddress,
    r.action,
    r.target,
    json(r.oldValue),
    json(r.newValue),
    r.reason ?? "",
    r.result,
    r.resultReason ?? "",
    sig,
    r.hash,
  ];
}

/** A header line and one line per record, each ended by CRLF. */
export function auditToCsv(records: Iterable<AuditRecord>, options: { neutraliseFormulas?: boolean } = {}): string {
  const guard = options.neutraliseFormulas ? (s: string) => (/^[=+\-@\t\r]/.test(s) ? `'${s}` : s) : (s: string) => s;
  const lines = [AUDIT_CSV_COLUMNS.join(",")];
  for (const r of records) lines.push(row(r).map((f) => csvField(guard(f))).join(","));
  return `${lines.join("\r\n")}\r\n`;
}
