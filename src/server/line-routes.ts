import { Router } from "express";
import type { PackmlCommand } from "../control/packml-states.js";
import type { AccessPolicy } from "./access-policy.js";
import { type OperationRoutes, bodyWith, operationRoute } from "./operation-route.js";
import { requirePermission, requireSession } from "./require-permission.js";

export interface CommandOutcome {
  readonly accepted: boolean;
  /** Why it was refused (state does not allow it, permissive X missing, recipe not verified …). */
  readonly reason?: string;
  /** The PackML state after the command was taken (or unchanged when refused). */
  readonly state: string;
}

export type BypassOutcome =
  | { readonly ok: true; readonly bypass: unknown }
  | { readonly ok: false; readonly reason: string; readonly unknownInterlock?: boolean };

/** What the line routes need from the control service. */
export interface LineControl {
  /** `GET /api/line`: PackML state, mode, stations, interlock status and first-out, the loaded recipe. */
  status(): unknown;
  command(cmd: { command: PackmlCommand; recipe?: string; by: string }): Promise<CommandOutcome>;
  interlocks(): unknown;
  bypass(id: string, request: { minutes: number; reason: string; by: string }): BypassOutcome;
  resetInterlocks(by: string): unknown;
}

/** Commands, resets and bypasses run as operations (checked, signed where needed, audited); see operations.ts. */
export function lineRoutes(line: LineControl, policy: AccessPolicy, ops: OperationRoutes): Router {
  const r = Router();
  r.get("/api/line", requirePermission(policy, "line:read"), (_req, res) => {
    res.json(line.status());
  });
  // The runner checks the permission: Stop and Abort need only `line:stop`, the others `line:command`.
  r.post("/api/line/commands", requireSession(policy), operationRoute(ops.runner, ops.actorOf, "line.command", (req) => req.body));
  r.get("/api/interlocks", requirePermission(policy, "interlocks:read"), (_req, res) => {
    res.json(line.interlocks());
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
