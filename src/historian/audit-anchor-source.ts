/**
 * The historian as the audit journal's tail anchor: the newest `audit` points' sequence and hash
 * (auditRecordPoint writes them), read back through the event query.
 */
import type { ChainLink } from "../audit/audit-record.js";
import type { AuditAnchorSource } from "../audit/audit-trail.js";
import type { EventQuery, EventRow } from "./history-query.js";

/** How many of the newest audit points are compared with the journal. */
export const AUDIT_ANCHOR_POINTS = 100;

/** `events` is HistorianService.events (or any query of the `audit` measurement); rejects when it cannot answer. */
export function auditAnchorSource(events: (measurement: "audit", q: EventQuery) => Promise<EventRow[]>, now: () => number): AuditAnchorSource {
  return {
    async recentLinks(): Promise<ChainLink[]> {
      // The newest by time; a day ahead so a clock step back on this host does not hide the newest points.
      const rows = await events("audit", { fromMs: 0, toMs: now() + 86_400_000, limit: AUDIT_ANCHOR_POINTS, order: "desc" });
      const links: ChainLink[] = [];
      for (const r of rows) {
        const sequence = Number(r.values.sequence);
        const hash = r.values.hash;
        if (Number.isInteger(sequence) && sequence >= 1 && typeof hash === "string") links.push({ sequence, hash });
      }
      return links;
    },
  };
}
