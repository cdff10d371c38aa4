/**
 * The SCADA heartbeat to the PLCs' watchdogs, the pure part (docs/plc-watchdog.md): which tag of which device
 * gets a count how often (devices.yaml `scadaHeartbeat`), and the next count. The count runs 1, 2, 3, … and
 * wraps to 0 at the tag type's modulus, so every write changes the PLC's value — the only thing its watchdog
 * looks at.
 */
import type { TagType } from "../tags/tag-schema.js";

/** What the targets are built from: devices.yaml's devices (structurally: control does not import config). */
export interface HeartbeatDeviceConfig {
  readonly id: string;
  readonly scadaHeartbeat?: { readonly tag: string; readonly periodMs: number; readonly timeoutMs: number } | undefined;
}

/** One device's heartbeat: where it goes, how often, and where the count wraps. */
export interface ScadaHeartbeatTarget {
  readonly device: string;
  readonly tag: string;
  readonly periodMs: number;
  /** What the PLC program is set to (for the log: how long a failing write leaves before the PLC trips), ms. */
  readonly timeoutMs: number;
  /** The count wraps to 0 here: the number of non-negative values of the tag's type. */
  readonly modulus: number;
}

/** Non-negative values each integer tag type holds (the count stays within them). */
const MODULUS: Readonly<Partial<Record<TagType, number>>> = {
  uint16: 2 ** 16,
  int16: 2 ** 15,
  uint32: 2 ** 32,
  int32: 2 ** 31,
};

/** The modulus of a heartbeat tag type; a type that cannot count (checked by the config) counts in 16 bits. */
export function heartbeatModulus(type: TagType): number {
  return MODULUS[type] ?? 2 ** 16;
}

/** The count after `count`: +1, wrapping to 0 at the modulus. */
export function nextHeartbeatCount(count: number, modulus: number): number {
  return (count + 1) % modulus;
}

/** Every device with a `scadaHeartbeat` whose tag the config defines (the config cross-check reports the rest). */
export function scadaHeartbeatTargets(
  devices: readonly HeartbeatDeviceConfig[],
  tags: readonly { readonly name: string; readonly type: TagType }[],
): ScadaHeartbeatTarget[] {
  const byName = new Map(tags.map((t) => [t.name, t]));
  const out: ScadaHeartbeatTarget[] = [];
  for (const d of devices) {
    const hb = d.scadaHeartbeat;
    const tag = hb === undefined ? undefined : byName.get(hb.tag);
    if (hb === undefined || tag === undefined) continue;
    out.push({ device: d.id, tag: hb.tag, periodMs: hb.periodMs, timeoutMs: hb.timeoutMs, modulus: heartbeatModulus(tag.type) });
  }
  return out;
}
