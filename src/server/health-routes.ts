import { Router } from "express";
import type { DeviceHealth } from "../drivers/driver-port.js";

export interface HealthSource {
  devices(): readonly DeviceHealth[];
  now(): number;
  /** The historian: not ready while it cannot write (history then spools to disk). */
  historian?(): { readonly online: boolean; readonly mode: string; readonly target: string; readonly spoolFraction: number; readonly lastError: string | null };
}

/**
 * `/healthz`: the process answers. `/readyz`: 200 only when every device is OK, else 503 with reasons.
 * Both are public (orchestrator probes log in nowhere); they show states and reasons, never values.
 */
export function healthRoutes(source: HealthSource): Router {
  const r = Router();
  r.get("/healthz", (_req, res) => {
    res.json({ status: "alive" });
  });
  r.get("/readyz", (_req, res) => {
    const now = source.now();
    const devices = source.devices().map((d) => ({
      id: d.deviceId,
      state: d.state,
      connected: d.connected,
      lastGoodAgeMs: d.lastGoodTs === null ? null : Math.max(0, now - d.lastGoodTs),
      reason: d.reason,
    }));
    const historian = source.historian?.();
    const reasons = devices.filter((d) => d.state !== "OK").map((d) => `${d.id}: ${d.state} (${d.reason})`);
    if (historian && !historian.online) {
      reasons.push(`historian: DOWN (${historian.mode}, ${historian.target}${historian.lastError ? `: ${historian.lastError}` : ""}; spool ${(historian.spoolFraction * 100).toFixed(1)} % full)`);
    }
    const ready = reasons.length === 0;
    res.status(ready ? 200 : 503).json({ ready, reasons, devices, ...(historian ? { historian } : {}) });
  });
  return r;
}
