import type { DeviceHealth } from "./driver-port.js";

/**
 * Device health from the age of its last good data: OK up to 2× the reference period (the heartbeat's
 * update period), WARN up to 5×, DOWN beyond, or at once when the link is down.
 */
export function deviceHealth(
  deviceId: string,
  connected: boolean,
  lastGoodTs: number | null,
  now: number,
  referenceMs: number,
  linkReason: string,
): DeviceHealth {
  if (!connected) return { deviceId, state: "DOWN", connected, lastGoodTs, reason: linkReason || "not connected" };
  if (lastGoodTs === null) return { deviceId, state: "WARN", connected, lastGoodTs, reason: "connected, no data yet" };
  const age = now - lastGoodTs;
  if (age <= 2 * referenceMs) return { deviceId, state: "OK", connected, lastGoodTs, reason: "" };
  if (age <= 5 * referenceMs) return { deviceId, state: "WARN", connected, lastGoodTs, reason: `last good data ${age} ms ago` };
  return { deviceId, state: "DOWN", connected, lastGoodTs, reason: `no good data for ${age} ms` };
}
