import type { DeviceConfig } from "../config/device-schema.js";
import type { TagConfig } from "../tags/tag-schema.js";

/**
 * Per device, the period that proves its unchanged values current. OPC UA pushes by exception: a value that
 * does not change is not sent again, but the heartbeat's publishes show the subscription alive, so an OPC UA
 * device with a heartbeat tag is stale only after its heartbeat period (the tag table takes the larger of this
 * and the tag's own update period). Modbus polls every value: no entry.
 */
export function stalenessReferenceByDevice(devices: readonly DeviceConfig[], tags: readonly TagConfig[]): Map<string, number> {
  const names = new Set(tags.map((t) => t.name));
  const out = new Map<string, number>();
  for (const d of devices) if (d.protocol === "opcua" && names.has(d.heartbeatTag)) out.set(d.id, d.heartbeatPeriodMs);
  return out;
}
