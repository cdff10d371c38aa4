import { Router } from "express";
import { auditToCsv } from "../audit/audit-csv.js";
import { AUDIT_ACTIONS, AUDIT_RESULTS, type AuditAction, type AuditResult } from "../audit/audit-record.js";
import type { AuditQuery, AuditQueryResult, AuditVerifyResult } from "../audit/audit-trail.js";
import { ScadaError } from "../core/errors.js";
import type { AccessPolicy } from "./access-policy.js";
import { parseTime } from "./alarm-routes.js";
import { requirePermission } from "./require-permission.js";

/** What the audit routes need from the audit trail. */
export interface AuditControl {
  query(q: AuditQuery): Promise<AuditQueryResult>;
  verify(): Promise<AuditVerifyResult>;
}

export const AUDIT_MAX_LIMIT = 10_000;
export const AUDIT_DEFAULT_LIMIT = 500;
const PARAMS = new Set(["from", "to", "user", "action", "result", "target", "limit", "order", "format"]);

function bad(message: string): ScadaError {
  return new ScadaError("SCADA_ERR_HTTP_BAD_REQUEST", message);
}

/**
 * `GET /api/audit` — the audit trail, filtered: from, to (epoch ms, ISO 8601, -15m / -2h / now; default: all),
 * user (exact), action (one of AUDIT_ACTIONS), result (ok | refused | failed), target (a part of it, any case),
 * limit (1 … 10000, default 500), order (desc: newest first, the default; asc: oldest first),
 * format=csv (RFC 4180, formulas neutralised). JSON: `{ records, count, truncated }`, each record exactly as
 * stored (signature included where present), so a copy can be checked against its hash.
 *
 * `GET /api/audit/verify` — the whole journal's chain checked now, with the tail anchor's verdict:
 * `{ ok: true, count, anchor }` or `{ ok: false, sequence, reason, detail, … }`.
 */
export function auditRoutes(audit: AuditControl, policy: AccessPolicy, now: () => number): Router {
  const r = Router();

  r.get("/api/audit", requirePermission(policy, "audit:read"), async (req, res) => {
    const query = req.query as Record<string, unknown>;
    const unknown = Object.keys(query).filter((k) => !PARAMS.has(k));
    if (unknown.length > 0) throw bad(`unknown query parameter(s): ${unknown.join(", ")} (known: ${[...PARAMS].join(", ")})`);
    const param = (name: string, max = 256): string | undefined => {
      const v = query[name];
      if (v === undefined) return undefined;
      if (typeof v !== "string") throw bad(`${name}: give it once, as text`);
      if (v.length > max) throw bad(`${name}: at most ${max} characters`);
      return v === "" ? undefined : v; // an empty form field means "any"
    };
    const t = now();
    const fromMs = parseTime(param("from"), t, -Infinity, "from");
    const toMs = parseTime(param("to"), t, Infinity, "to");
    if (toMs < fromMs) throw bad("to must not be before from");

    const action = param("action");
    if (action !== undefined && !(AUDIT_ACTIONS as readonly string[]).includes(action)) throw bad(`action: '${action}' is not one of ${AUDIT_ACTIONS.join(", ")}`);
    const result = param("result");
    if (result !== undefined && !(AUDIT_RESULTS as readonly string[]).includes(result)) throw bad(`result: '${result}' is not one of ${AUDIT_RESULTS.join(", ")}`);
    const limitText = param("limit") ?? String(AUDIT_DEFAULT_LIMIT);
    const limit = /^\d+$/.test(limitText) ? Number(limitText) : NaN;
    if (!Number.isInteger(limit) || limit < 1 || limit > AUDIT_MAX_LIMIT) throw bad(`limit must be an integer 1 … ${AUDIT_MAX_LIMIT}`);
    const order = param("order") ?? "desc";
    if (order !== "asc" && order !== "desc") throw bad("order must be asc or desc");
    const format = param("format") ?? "json";
    if (format !== "json" && format !== "csv") throw bad("format must be json or csv");
    const user = param("user");
    const target = param("target");

    const q: AuditQuery = {
      fromMs,
      toMs,
      limit,
      order,
      ...(user !== undefined ? { user } : {}),
      ...(action !== undefined ? { action: action as AuditAction } : {}),
      ...(result !== undefined ? { result: result as AuditResult } : {}),
      ...(target !== undefined ? { target } : {}),
    };
    const found = await audit.query(q);
    res.set("cache-control", "no-store");
    if (format === "csv") {
      res
        .type("text/csv")
        .attachment(`audit-trail-${new Date(t).toISOString().replace(/[:.]/g, "-")}.csv`)
        .send(auditToCsv(found.records, { neutraliseFormulas: true }));
      return;
    }
    res.json({ records: found.records, count: found.records.length, truncated: found.truncated });
  });

  r.get("/api/audit/verify", requirePermission(policy, "audit:read"), async (_req, res) => {
    res.set("cache-control", "no-store");
    res.json(await audit.verify());
  });
  return r;
}
