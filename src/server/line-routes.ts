import { Router } from "express";
import { z } from "zod";
import { ScadaError } from "../core/errors.js";
import { PACKML_COMMANDS, type PackmlCommand } from "../control/packml-states.js";
import type { AccessPolicy } from "./access-policy.js";
import { parseBody } from "./parse-body.js";
import { requestActor } from "./request-actor.js";
import { requirePermission } from "./require-permission.js";

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

const commandBody = z.strictObject({
  command: z.enum(PACKML_COMMANDS),
  recipe: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, "must be a recipe name such as BiSb").optional(),
});
const bypassBody = z.strictObject({
  minutes: z.number().int().min(1).max(480),
  reason: z.string().trim().min(3, "a reason is required").max(500),
});

export function lineRoutes(line: LineControl, policy: AccessPolicy): Router {
  const r = Router();
  r.get("/api/line", requirePermission(policy, "line:read"), (_req, res) => {
    res.json(line.status());
  });
  r.post("/api/line/commands", requirePermission(policy, "line:command"), async (req, res) => {
    const body = parseBody(commandBody, req.body, 'Body must be {"command": "reset|start|stop|hold|unhold|suspend|unsuspend|abort|clear", "recipe"?: "BiSb"}');
    const outcome = await line.command({ ...body, by: requestActor(req) });
    if (!outcome.accepted) {
      throw new ScadaError("SCADA_ERR_LINE_COMMAND_REFUSED", `${body.command} refused: ${outcome.reason ?? "not allowed"}`, { state: outcome.state });
    }
    res.json(outcome);
  });
  r.get("/api/interlocks", requirePermission(policy, "interlocks:read"), (_req, res) => {
    res.json(line.interlocks());
  });
  r.post("/api/interlocks/reset", requirePermission(policy, "interlocks:reset"), (req, res) => {
    res.json(line.resetInterlocks(requestActor(req)));
  });
  r.post("/api/interlocks/:id/bypass", requirePermission(policy, "interlocks:bypass"), (req, res) => {
    const body = parseBody(bypassBody, req.body, 'Body must be {"minutes": 1..480, "reason": "…"}');
    const id = String(req.params.id);
    const outcome = line.bypass(id, { ...body, by: requestActor(req) });
    if (!outcome.ok) {
      throw new ScadaError(outcome.unknownInterlock ? "SCADA_ERR_INTERLOCK_UNKNOWN" : "SCADA_ERR_INTERLOCK_BYPASS_REFUSED", `${id}: ${outcome.reason}`);
    }
    res.json(outcome.bypass);
  });
  return r;
}
