import { Router } from "express";
import { z } from "zod";
import { parseBody } from "./parse-body.js";
import type { AccessPolicy } from "./access-policy.js";
import { requirePermission } from "./require-permission.js";

export interface FaultInfo {
  readonly name: string;
  readonly description: string;
  readonly active: boolean;
}

/** What the fault routes need from the virtual plant (served only when running with it). */
export interface SimControl {
  faults(): FaultInfo[];
  /** Throws ScadaError SCADA_ERR_SIM_FAULT_UNKNOWN for an unknown name. */
  setFault(name: string, active: boolean): FaultInfo;
}

const faultBody = z.strictObject({ active: z.boolean() });

export function simRoutes(sim: SimControl, policy: AccessPolicy): Router {
  const r = Router();
  r.get("/api/sim/faults", requirePermission(policy, "sim:read"), (_req, res) => {
    res.json({ faults: sim.faults() });
  });
  r.post("/api/sim/faults/:name", requirePermission(policy, "sim:control"), (req, res) => {
    const body = parseBody(faultBody, req.body, 'Body must be {"active": true|false}');
    res.json(sim.setFault(String(req.params.name), body.active));
  });
  return r;
}
