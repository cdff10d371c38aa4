import type { AuditEntry } from "../audit/audit-record.js";

/** Who makes a user change, as the audit record names them (a logged-in admin, the CLI, the system). */
export interface ChangedBy {
  readonly user: string;
  readonly role: string;
  readonly address: string;
}

export const SYSTEM_ACTOR: ChangedBy = { user: "system", role: "system", address: "local" };

/** The audit entry's actor fields for a change made by `by`. */
export function auditActorOf(by: ChangedBy): Pick<AuditEntry, "user" | "role" | "clientAddress"> {
  return { user: by.user, role: by.role, clientAddress: by.address };
}
