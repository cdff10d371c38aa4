import { Router } from "express";
import type { AccessPolicy } from "./access-policy.js";
import { type OperationRoutes, bodyWith, operationRoute } from "./operation-route.js";
import { requirePermission, requireSession } from "./require-permission.js";

export type BypassOutcome =
  | { readonly ok: true; readonly bypass: unknown }
  | { readonly ok: false; readonly reason: string; readonly unknownInterlock?: boolean };

/** What the interlock routes and operations need from the interlocks (the interlock service implements it). */
export interface InterlockControl {
  /** `GET /api/interlocks`: the cause → effect matrix with live state, first-out, trips, bypasses, heartbeats. */
  status(): unknown;
  bypass(id: string, request: { minutes: number; reason: string; by: string }): BypassOutcome;
  /** Resets latched trips whose cause has cleared. */
  reset(by: string): unknown;
}

/** Resets and bypasses run as operations (checked, signed where needed, audited); see operations.ts. */
export function interlockRoutes(interlocks: InterlockControl, policy: AccessPolicy, ops: OperationRoutes): Router {
  const r = Router();
  r.get("/api/interlocks", requirePermission(policy, "interlocks:read"), (_req, res) => {
    res.json(interlocks.status());
  });
  r.post("/api/interlocks/reset", requireSession(policy), operationRoute(ops.runner, ops.actorOf, "interlock.reset", (req) => req.body ?? {}));
  // Body: {"minutes": 1..480, "reason": "…", "signature": {"password": "…", "meaning": "…"}} (e-signature).
  r.post(
    "/api/interlocks/:id/bypass",
    requireSession(policy),
    operationRoute(ops.runner, ops.actorOf, "interlock.bypass", (req) => bodyWith(req, { id: String(req.params.id) })),
  );
  return r;
}
