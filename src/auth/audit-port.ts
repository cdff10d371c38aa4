import type { AuditEntry } from "../audit/audit-record.js";

/**
 * Where the auth service records logins, logouts, failed logins, lockouts, user changes and refused access:
 * the audit trail service (its `record` method), or a no-op until it is wired.
 */
export interface AuditPort {
  record(entry: AuditEntry): void;
}

export const noAudit: AuditPort = { record: () => {} };
