import { Router } from "express";
import type { AccessPolicy } from "./access-policy.js";
import { type OperationRoutes, bodyWith, operationRoute } from "./operation-route.js";
import { requirePermission, requireSession } from "./require-permission.js";

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

export function simRoutes(sim: SimControl, policy: AccessPolicy, ops: OperationRoutes): Router {
  const r = Router();
  r.get("/api/sim/faults", requirePermission(policy, "sim:read"), (_req, res) => {
    res.json({ faults: sim.faults() });
  });
  r.post("/api/sim/faults/:name", requireSession(policy), operationRoute(ops.runner, ops.actorOf, "sim.fault", (req) => bodyWith(req, { name: String(req.params.name) })));
  return r;
}
