import { Router } from "express";
import type { DeviceHealth } from "../drivers/driver-port.js";
import type { AccessPolicy } from "./access-policy.js";
import { requirePermission } from "./require-permission.js";

export interface HealthSource {
  devices(): readonly DeviceHealth[];
  now(): number;
}

/** `/healthz`: the process answers. `/readyz`: 200 only when every device is OK, else 503 with reasons. */
export function healthRoutes(source: HealthSource, policy: AccessPolicy): Router {
  const r = Router();
  r.get("/healthz", requirePermission(policy, "health:read"), (_req, res) => {
    res.json({ status: "alive" });
  });
  r.get("/readyz", requirePermission(policy, "health:read"), (_req, res) => {
    const now = source.now();
    const devices = source.devices().map((d) => ({
      id: d.deviceId,
      state: d.state,
      connected: d.connected,
      lastGoodAgeMs: d.lastGoodTs === null ? null : Math.max(0, now - d.lastGoodTs),
      reason: d.reason,
    }));
    const ready = devices.every((d) => d.state === "OK");
    const reasons = devices.filter((d) => d.state !== "OK").map((d) => `${d.id}: ${d.state} (${d.reason})`);
    res.status(ready ? 200 : 503).json({ ready, reasons, devices });
  });
  return r;
}
