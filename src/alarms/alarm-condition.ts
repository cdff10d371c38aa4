import type { Quality, QualityStatus } from "../core/tag-value.js";
import type { AlarmTagInput } from "./alarm-input.js";
import type { AlarmRecord } from "./alarm-record.js";
import { isHighLevel } from "./alarm-schema.js";

function statusOf(q: QualityStatus | Quality): QualityStatus {
  return typeof q === "string" ? q : q.status;
}

/**
 * Updates a tag alarm's condition (`cond`, with hysteresis, before the delays) from a new value of its tag.
 * Values that are not Good neither raise nor clear a value alarm: the last decision holds. `now` stamps the
 * rate sample's arrival; `targets` are the recipe targets (deviation alarms).
 */
export function applyTagInput(r: AlarmRecord, input: AlarmTagInput, now: number, targets: Readonly<Record<string, number>>): void {
  const def = r.def;
  const good = statusOf(input.quality) === "Good";
  r.value = input.value;
  if (def.kind === "quality") {
    r.cond = !good;
    return;
  }
  // Not Good (or no value): neither raise nor clear — the last decision holds.
  if (!good || input.value === null) return;
  r.lastGood = input.value;
  const v = input.value;
  switch (def.kind) {
    case "analog": {
      if (typeof v !== "number") break;
      if (isHighLevel(def.level)) r.cond = r.cond ? !(v < def.limit - def.deadband) : v > def.limit;
      else r.cond = r.cond ? !(v > def.limit + def.deadband) : v < def.limit;
      break;
    }
    case "deviation":
      r.cond = deviationCondition(r, typeof v === "number" ? v : null, targets);
      break;
    case "rate": {
      if (typeof v !== "number") break;
      const prev = r.sample;
      if (prev && input.sourceTs <= prev.ts) break; // out of order or repeated: no rate from it
      if (prev) r.cond = Math.abs(v - prev.value) / ((input.sourceTs - prev.ts) / 1000) > def.maxRatePerS;
      r.sample = { value: v, ts: input.sourceTs };
      r.sampleAt = now;
      break;
    }
    case "discrete": {
      const want = def.alarmValue;
      r.cond = typeof want === "boolean" && typeof v === "number" ? (v !== 0) === want : v === want;
      break;
    }
    default:
      break;
  }
}

/** A deviation alarm's condition for value `v` (null: no Good value yet) against the recipe target of its tag. */
export function deviationCondition(r: AlarmRecord, v: number | null, targets: Readonly<Record<string, number>>): boolean {
  const def = r.def;
  if (def.kind !== "deviation") return false;
  const target = targets[def.tag];
  if (target === undefined) return false; // no target (no recipe running): no deviation alarm
  if (v === null) return r.cond; // no Good value yet: the last decision holds
  const dev = Math.abs(v - target);
  return r.cond ? !(dev < def.band - def.deadband) : dev > def.band;
}
