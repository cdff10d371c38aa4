import type { AuditEntry } from "../audit/audit-record.js";
import type { Logger } from "../core/logger.js";
import type { AuditPort } from "./audit-port.js";

/** How the auth service records: a change must be recorded to be made; a refusal is recorded if possible. */
export class AuthAudit {
  constructor(
    private readonly port: AuditPort,
    private readonly log: Logger | undefined,
  ) {}

  /** Records or throws (a change that cannot be recorded must not be made: called inside its transaction). */
  record(entry: AuditEntry): void {
    this.port.record(entry);
  }

  /** Records, and only logs when the audit trail cannot (a refusal stays a refusal). */
  safe(entry: AuditEntry): void {
    try {
      this.port.record(entry);
    } catch (err) {
      this.log?.error({ err, action: entry.action, user: entry.user }, "audit trail could not record");
    }
  }
}
