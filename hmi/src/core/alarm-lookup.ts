import type { AlarmJson, AlarmLimitJson, AlarmsJson } from "../../../src/server/socket-contract.js";

export const PRIORITIES = ["critical", "high", "medium", "low"] as const;
export type Priority = (typeof PRIORITIES)[number];

/** Alarm states that need the operator (ISA-18.2): active, or returned but not yet acknowledged. */
export const STANDING = new Set(["unack-active", "ack-active", "rtn-unack"]);

export function priorityRank(p: string): number {
  const i = (PRIORITIES as readonly string[]).indexOf(p);
  return i < 0 ? PRIORITIES.length : i;
}

/** Standing alarms, most important first: priority, then unacknowledged, then newest. */
export function standingAlarms(a: AlarmsJson | null): AlarmJson[] {
  if (!a) return [];
  return a.alarms
    .filter((x) => STANDING.has(x.state))
    .sort((x, y) => {
      const p = priorityRank(x.priority) - priorityRank(y.priority);
      if (p !== 0) return p;
      const ux = x.state === "ack-active" ? 1 : 0;
      const uy = y.state === "ack-active" ? 1 : 0;
      if (ux !== uy) return ux - uy;
      return Number(y.since ?? 0) - Number(x.since ?? 0);
    });
}

/** The highest priority among the standing alarms that watch `tag` (or belong to `station`). */
export function alarmPriorityFor(a: AlarmsJson | null, match: { tag?: string; station?: string }): Priority | null {
  let best: Priority | null = null;
  for (const x of standingAlarms(a)) {
    if (match.tag !== undefined && x.tag !== match.tag) continue;
    if (match.station !== undefined && x.station !== match.station) continue;
    if (best === null || priorityRank(x.priority) < priorityRank(best)) best = x.priority as Priority;
  }
  return best;
}

/** Analog alarm limits on a tag (for the indicators' marks). */
export function alarmLimits(a: AlarmsJson | null, tag: string): AlarmLimitJson[] {
  if (!a) return [];
  const out: AlarmLimitJson[] = [];
  for (const x of a.alarms) {
    if (x.tag === tag && x.limit && typeof x.limit.value === "number") out.push(x.limit);
  }
  return out;
}
