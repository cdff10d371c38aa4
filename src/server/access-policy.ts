import type { Request } from "express";
import type { AuditPort } from "../auth/audit-port.js";
import { csrfTokenMatches } from "../auth/session-cookie.js";
import { type Permission, roleCan } from "../auth/permissions.js";
import { CSRF_HEADER } from "../auth/session-port.js";
import type { Logger } from "../core/logger.js";
import { type FloodSummary, RefusalFloodGuard } from "./refusal-flood-guard.js";
import { clientAddress, noSessionReason, requestSession } from "./session-middleware.js";

export type { Permission };

/** What a route asks for: a permission of the table, or just a live session (`session`: logout, me). */
export type Requirement = Permission | "session";

export type AccessRefusalCode = "SCADA_ERR_AUTH_REQUIRED" | "SCADA_ERR_AUTH_FORBIDDEN" | "SCADA_ERR_AUTH_CSRF";

export type AccessVerdict = { readonly allowed: true } | { readonly allowed: false; readonly code: AccessRefusalCode; readonly reason: string };

/** Decides whether a request may go on; a refusal names its code and reason. */
export interface AccessPolicy {
  check(requirement: Requirement, req: Request): AccessVerdict;
}

const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** The method and path of a request, without its query (what a refusal record names as its target). */
export function requestTarget(req: Request): string {
  return `${req.method} ${req.originalUrl.split("?")[0]}`;
}

/**
 * Deny by default, from the request's session (session-middleware.ts) and the permission table:
 * - no live session → SCADA_ERR_AUTH_REQUIRED (401);
 * - the role lacks the permission → SCADA_ERR_AUTH_FORBIDDEN (403), naming permission and role;
 * - POST / PUT / PATCH / DELETE without the session's CSRF token in `x-csrf-token` → SCADA_ERR_AUTH_CSRF (403).
 * Every refusal is recorded as `access.denied` (target `METHOD /path`). An audit trail that cannot record
 * does not turn a refusal into anything else. Refusals without a session are recorded one by one up to a
 * rate per client address, then counted into one summary record per minute (RefusalFloodGuard).
 */
export function sessionAccessPolicy(audit: AuditPort, logger?: Logger, now: () => number = Date.now): AccessPolicy {
  const flood = new RefusalFloodGuard();
  const write = (entry: Parameters<AuditPort["record"]>[0]): void => {
    try {
      audit.record(entry);
    } catch (err) {
      logger?.error({ err, target: entry.target }, "audit trail could not record a refused request");
    }
  };
  const writeSummary = (s: FloodSummary): void =>
    write({
      user: "unauthenticated",
      role: "",
      clientAddress: s.address,
      action: "access.denied",
      target: "requests without a session (flood summary)",
      newValue: { suppressed: s.suppressed, from: new Date(s.from).toISOString(), to: new Date(s.to).toISOString() },
      result: "refused",
      resultReason: `SCADA_ERR_AUTH_REQUIRED: ${s.suppressed} further refusals from ${s.address} not recorded one by one`,
    });
  // Windows that end while nobody knocks are summarised too.
  setInterval(() => flood.expire(now()).forEach(writeSummary), 60_000).unref();
  const refuse = (req: Request, code: AccessRefusalCode, reason: string): AccessVerdict => {
    const actor = requestSession(req)?.actor;
    const address = clientAddress(req);
    if (!actor) {
      const { record, summaries } = flood.take(address, now());
      for (const s of summaries) writeSummary(s);
      if (!record) return { allowed: false, code, reason };
    }
    write({
      user: actor?.user ?? "unauthenticated",
      role: actor?.role ?? "",
      clientAddress: address,
      action: "access.denied",
      target: requestTarget(req),
      result: "refused",
      resultReason: `${code}: ${reason}`,
    });
    return { allowed: false, code, reason };
  };
  return {
    check(requirement, req) {
      const session = requestSession(req);
      if (!session) return refuse(req, "SCADA_ERR_AUTH_REQUIRED", `log in first (${noSessionReason(req) ?? "no session"})`);
      const { role } = session.actor;
      if (requirement !== "session" && !roleCan(role, requirement)) {
        return refuse(req, "SCADA_ERR_AUTH_FORBIDDEN", `permission '${requirement}' is not granted to role '${role}'`);
      }
      if (STATE_CHANGING.has(req.method) && !csrfTokenMatches(req.get(CSRF_HEADER), session.csrfToken)) {
        return refuse(req, "SCADA_ERR_AUTH_CSRF", `${req.method} needs this session's CSRF token in the ${CSRF_HEADER} header`);
      }
      return { allowed: true };
    },
  };
}
