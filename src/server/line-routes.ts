import { Router } from "express";
import type { PackmlCommand } from "../control/packml-states.js";
import type { AccessPolicy } from "./access-policy.js";
import { type OperationRoutes, operationRoute } from "./operation-route.js";
import type { RecipeLoadOutcome } from "./recipe-routes.js";
import { requirePermission, requireSession } from "./require-permission.js";

export interface CommandOutcome {
  readonly accepted: boolean;
  /** Why it was refused (state does not allow it, permissive X missing, recipe not verified …). */
  readonly reason?: string;
  /** The PackML state after the command was taken (or unchanged when refused). */
  readonly state: string;
}

/** What the line routes and operations need from the line (the line service implements it). */
export interface LineControl {
  /** `GET /api/line`: PackML state, mode, stations, interlock status and first-out, the loaded recipe. */
  status(): unknown;
  command(cmd: { command: PackmlCommand; recipe?: string; by: string }): Promise<CommandOutcome>;
  /** A recipe load (the approved version, or `version` under the production rule), refused while the line runs. */
  loadRecipe(alloy: string, by: string, version?: number): Promise<RecipeLoadOutcome>;
  mode(): "Production" | "Maintenance" | "Manual";
  setMode(mode: "Production" | "Maintenance" | "Manual", by: string): { accepted: boolean; reason?: string; mode: string };
}

/** Commands run as operations (checked, audited); see operations.ts. */
export function lineRoutes(line: LineControl, policy: AccessPolicy, ops: OperationRoutes): Router {
  const r = Router();
  r.get("/api/line", requirePermission(policy, "line:read"), (_req, res) => {
    res.json(line.status());
  });
  // The runner checks the permission: Stop and Abort need only `line:stop`, the others `line:command`.
  r.post("/api/line/commands", requireSession(policy), operationRoute(ops.runner, ops.actorOf, "line.command", (req) => req.body));
  // Body: {"mode": "Production" | "Maintenance" | "Manual"} (line:mode; only in Stopped, Idle, Complete, Aborted).
  r.post("/api/line/mode", requireSession(policy), operationRoute(ops.runner, ops.actorOf, "line.mode", (req) => req.body));
  return r;
}
