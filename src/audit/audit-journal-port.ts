/**
 * What the audit trail needs from where its records are kept (the fsync'd JSONL journal in
 * src/stores/audit-journal.ts, or an in-memory one in tests). Defined here so the audit area depends on no
 * store (ARCHITECTURE.md: audit is pure; stores implement its ports).
 */
import type { AuditEntry, AuditRecord, ChainBreakReason } from "./audit-record.js";

/** The whole stored chain checked from the genesis: how many records, or the first broken one and why. */
export type AuditJournalVerdict =
  | { readonly ok: true; readonly count: number }
  | {
      readonly ok: false;
      /** The sequence expected where the chain stops being trustworthy. */
      readonly sequence: number;
      /** Line of the journal file, when the store has lines. */
      readonly line?: number;
      readonly reason: ChainBreakReason | "torn-tail";
      readonly detail: string;
    };

export interface AuditJournalPort {
  /** The last record written (null: an empty journal). */
  last(): AuditRecord | null;
  /**
   * Makes the record that follows the last one (`nextRecord`), stores it durably and returns it — or throws,
   * having stored nothing (a full disk, a closed journal, an entry that would not read back).
   */
  append(entry: AuditEntry, now: number): AuditRecord;
  /** Every stored record, oldest first, read lazily (the caller may pause between records). Throws on a record it cannot read (a damaged store). */
  records(): Iterable<AuditRecord>;
  /**
   * Checks the stored chain from the genesis (reads what is stored, not what it remembers), one record per
   * step: the caller runs it to the end and may give the event loop a turn between steps.
   */
  verifySteps(): Iterator<void, AuditJournalVerdict, void>;
  /** Whether an append can be expected to succeed now (open, room on the disk); absent: unknown. */
  writable?(): boolean;
}
