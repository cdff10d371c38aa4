import type { AuditJournalPort, AuditJournalVerdict } from "../../src/audit/audit-journal-port.js";
import { type AuditEntry, type AuditRecord, nextRecord, verifyChain } from "../../src/audit/audit-record.js";

/**
 * An audit journal in memory, for unit tests of the audit trail and of its callers. `stored` is the array
 * itself: tests may tamper with it; `failNext` makes the next append throw (a full disk).
 */
export class MemoryAuditJournal implements AuditJournalPort {
  readonly stored: AuditRecord[] = [];
  /** The error the next append throws (then cleared). */
  failNext: Error | null = null;
  /** Set it to give the journal a writability probe (a closed journal, a full disk). */
  writable?: () => boolean;

  last(): AuditRecord | null {
    return this.stored.at(-1) ?? null;
  }

  append(entry: AuditEntry, now: number): AuditRecord {
    const record = nextRecord(this.last(), entry, now);
    if (this.failNext) {
      const err = this.failNext;
      this.failNext = null;
      throw err;
    }
    this.stored.push(record);
    return record;
  }

  *records(): Generator<AuditRecord> {
    yield* this.stored;
  }

  verify(): AuditJournalVerdict {
    return verifyChain(this.stored);
  }

  *verifySteps(): Generator<void, AuditJournalVerdict, void> {
    for (let i = 0; i < this.stored.length; i++) yield;
    return verifyChain(this.stored);
  }
}
