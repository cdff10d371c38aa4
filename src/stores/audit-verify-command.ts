/**
 * `htr-scada audit verify [--data-dir DIR]`: checks the audit journal file itself, with no server running
 * (an inspector's or an operator's check, or a cron job). Exit 0 with `audit chain OK: N records`, or
 * exit 1 naming the first broken record and why.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { AUDIT_JOURNAL_FILE, verifyJournalFile } from "./audit-journal.js";

/** Where the runtime keeps the audit journal under its data directory. */
export function auditJournalDir(dataDir: string): string {
  return join(dataDir, "audit");
}

export interface CommandOutput {
  log(line: string): void;
  error(line: string): void;
}

/** Verifies `<dataDir>/audit/audit-journal.jsonl`; returns the exit code. */
export function runAuditVerify(dataDir: string, out: CommandOutput): number {
  const path = join(auditJournalDir(dataDir), AUDIT_JOURNAL_FILE);
  if (!existsSync(path)) {
    out.error(`no audit journal at ${path}: nothing to verify (wrong --data-dir, or the journal was removed)`);
    return 1;
  }
  let v: ReturnType<typeof verifyJournalFile>;
  try {
    v = verifyJournalFile(path);
  } catch (err) {
    out.error(`cannot read ${path}: ${(err as Error).message}`);
    return 1;
  }
  if (v.ok) {
    out.log(`audit chain OK: ${v.count} records (${path})`);
    return 0;
  }
  out.error(`record ${v.sequence}: ${v.reason.replace(/-/g, " ")} — ${v.detail} (line ${v.line} of ${path})`);
  out.error(`audit chain BROKEN: records 1…${v.sequence - 1} verify; record ${v.sequence} and everything after it cannot be trusted`);
  return 1;
}
