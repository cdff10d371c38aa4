import type { Problem } from "../core/problem.js";
import type { TagConfig } from "../tags/tag-schema.js";
import { type AlarmDefs, type AnalogAlarmDef, isHighLevel, isTagAlarm } from "./alarm-schema.js";

/** What alarms.yaml refers to besides tags; a list left out is not checked. */
export interface AlarmReferences {
  /** Ids of interlocks.yaml. */
  readonly interlockIds?: readonly string[];
  /** Ids of the interlocks with a PLC hard trip (`plcTrip`): the only ones whose trip can be unconfirmed. */
  readonly plcTripInterlockIds?: readonly string[];
  /** Ids of devices.yaml. */
  readonly deviceIds?: readonly string[];
  /** Station ids of line.yaml (`line`, for line-wide alarms, is always allowed). */
  readonly stations?: readonly string[];
  /** Tags that exist but are invalid (reported already): references to them are not checked. */
  readonly invalidTags?: ReadonlySet<string>;
}

/** Station name for alarms that belong to the whole line (links, historian, recipe). */
export const LINE_WIDE_STATION = "line";

/**
 * The checks alarms.yaml needs beyond its schema, each as `{ file, path: "alarms[3].limit", message }`:
 * - references: tags, interlocks, devices, stations that exist; ids unique;
 * - types: deviation and rate alarms need a numeric tag (analog too); a discrete alarm's value fits its tag;
 * - limits: inside the tag's range; HH above H, LL below L; a limit may not sit "inside its own deadband":
 *   the reset point (limit − deadband for H/HH, limit + deadband for L/LL) outside the tag's range, or not
 *   clear of the opposite side's limits (an H that would only clear where the L alarm is active), or a
 *   deadband not smaller than the distance to the paired limit (H vs HH, L vs LL); a deviation's deadband
 *   smaller than its band;
 * - timing: a non-zero on- or off-delay shorter than the tag's update period cannot be honoured (the next
 *   value comes later anyway); a rate's zeroAfterMs must be longer than the update period.
 */
export function checkAlarms(
  defs: AlarmDefs,
  tags: readonly TagConfig[],
  file = "alarms.yaml",
  refs: AlarmReferences = {},
): Problem[] {
  const problems: Problem[] = [];
  const push: Push = (path, message) => {
    problems.push({ file, path, message });
  };
  const tagByName = new Map<string, TagConfig>();
  for (const t of tags) if (!tagByName.has(t.name)) tagByName.set(t.name, t);
  const firstIndex = new Map<string, number>();
  /** Analog alarms on known numeric tags, for the checks between levels of one tag. */
  const analogByTag = new Map<string, { def: AnalogAlarmDef; index: number }[]>();

  defs.alarms.forEach((def, i) => {
    const at = (field: string): string => `alarms[${i}].${field}`;
    const first = firstIndex.get(def.id);
    if (first !== undefined) push(at("id"), `duplicate alarm id '${def.id}' (also alarms[${first}])`);
    else firstIndex.set(def.id, i);
    if (refs.stations && def.station !== LINE_WIDE_STATION && !refs.stations.includes(def.station)) {
      push(at("station"), `unknown station '${def.station}' (line.yaml has ${refs.stations.join(", ")}; '${LINE_WIDE_STATION}' for line-wide alarms)`);
    }
    checkReferences(def, refs, at, push);
    if (!isTagAlarm(def)) return;
    const tag = tagByName.get(def.tag);
    if (!tag) {
      if (!refs.invalidTags?.has(def.tag)) push(at("tag"), `unknown tag '${def.tag}' (no file in tags/ defines it)`);
      return;
    }
    if (checkTagAlarm(def, tag, at, push) && def.kind === "analog") {
      const list = analogByTag.get(tag.name) ?? [];
      list.push({ def, index: i });
      analogByTag.set(tag.name, list);
    }
  });

  for (const list of analogByTag.values()) checkLevels(list, push);
  return problems;
}

type Push = (path: string, message: string) => void;
type AlarmDef = AlarmDefs["alarms"][number];
type TagAlarmDef = Extract<AlarmDef, { tag: string }>;

/** Alarms on other things than a tag: the interlock, device or PLC trip they name exists. */
function checkReferences(def: AlarmDef, refs: AlarmReferences, at: (field: string) => string, push: Push): void {
  switch (def.kind) {
    case "interlock":
      if (refs.interlockIds && !refs.interlockIds.includes(def.interlock)) push(at("interlock"), `unknown interlock '${def.interlock}' (not in interlocks.yaml)`);
      return;
    case "comm":
      if (refs.deviceIds && !refs.deviceIds.includes(def.device)) push(at("device"), `unknown device '${def.device}' (not in devices.yaml)`);
      return;
    case "plc-trip": {
      const key = def.plcTripUnconfirmed;
      if (refs.interlockIds && refs.deviceIds && !refs.interlockIds.includes(key) && !refs.deviceIds.includes(key)) {
        push(at("plcTripUnconfirmed"), `unknown interlock or device '${key}' (not in interlocks.yaml or devices.yaml)`);
        return;
      }
      if (refs.plcTripInterlockIds && /^IL-/.test(key) && !refs.plcTripInterlockIds.includes(key)) {
        push(at("plcTripUnconfirmed"), `interlock '${key}' has no PLC hard trip (no plcTrip in interlocks.yaml): its trip can never be unconfirmed`);
      }
      return;
    }
    default:
      return;
  }
}

/**
 * An alarm on a known tag: its station, delays, and what its kind needs of the tag (numeric, value in range,
 * limits, deadbands). True when it is an analog alarm whose levels are to be checked against the others.
 */
function checkTagAlarm(def: TagAlarmDef, tag: TagConfig, at: (field: string) => string, push: Push): boolean {
  if (tag.station !== undefined && def.station !== tag.station) {
    push(at("station"), `station '${def.station}' is not the station of tag '${tag.name}' ('${tag.station}')`);
  }
  for (const [field, label] of [["onDelayMs", "on-delay"], ["offDelayMs", "off-delay"]] as const) {
    const ms = def[field];
    if (ms > 0 && ms < tag.updateMs) push(at(field), `${label} ${ms} ms is shorter than the tag's update period ${tag.updateMs} ms`);
  }
  const numeric = tag.type !== "bool";
  const units = tag.units === "" ? "" : ` ${tag.units}`;
  const rangeText = tag.range ? `${tag.range.min} … ${tag.range.max}${units}` : "";
  if (def.kind === "discrete") {
    const v = def.alarmValue;
    if (numeric && typeof v === "boolean") push(at("alarmValue"), `tag '${tag.name}' is ${tag.type}: alarmValue must be a number, not ${v}`);
    else if (!numeric && typeof v === "number") push(at("alarmValue"), `tag '${tag.name}' is bool: alarmValue must be true or false, not ${v}`);
    else if (typeof v === "number" && tag.range && (v < tag.range.min || v > tag.range.max)) {
      push(at("alarmValue"), `alarmValue ${v} is outside the range of tag '${tag.name}' (${rangeText}): the alarm could never activate`);
    }
    return false;
  }
  if (def.kind !== "analog" && def.kind !== "deviation" && def.kind !== "rate") return false;
  if (!numeric) {
    push(at("tag"), `${def.kind === "analog" ? "an" : "a"} ${def.kind} alarm needs a numeric tag; '${tag.name}' is bool`);
    return false;
  }
  if (def.kind === "rate") {
    if (def.zeroAfterMs <= tag.updateMs) push(at("zeroAfterMs"), `zeroAfterMs ${def.zeroAfterMs} ms must be longer than the tag's update period ${tag.updateMs} ms`);
    return false;
  }
  if (def.kind === "deviation") {
    if (def.deadband >= def.band) push(at("deadband"), `deadband ${def.deadband} is not smaller than the band ${def.band}: the alarm could never clear`);
    return false;
  }
  if (tag.range) {
    const { min, max } = tag.range;
    if (def.limit < min || def.limit > max) {
      push(at("limit"), `limit ${def.limit} is outside the range of tag '${tag.name}' (${rangeText})`);
    } else {
      const high = isHighLevel(def.level);
      const reset = high ? def.limit - def.deadband : def.limit + def.deadband;
      if (reset < min || reset > max) {
        push(
          at("deadband"),
          `limit inside its own deadband: the reset point ${reset}${units} (limit ${def.limit} ${high ? "−" : "+"} deadband ${def.deadband}) ` +
            `is outside the range of tag '${tag.name}' (${rangeText}): the alarm could never clear`,
        );
      }
    }
  }
  return true;
}


/** Between the analog alarms of one tag: order of the levels, deadbands against the neighbouring limits. */
function checkLevels(list: readonly { def: AnalogAlarmDef; index: number }[], push: Push): void {
  const of = (level: string) => list.filter((a) => a.def.level === level);
  // HH above H, LL below L, deadbands narrower than the gap between the pair.
  for (const [outer, inner, above] of [["HH", "H", true], ["LL", "L", false]] as const) {
    for (const o of of(outer)) {
      for (const n of of(inner)) {
        const ordered = above ? o.def.limit > n.def.limit : o.def.limit < n.def.limit;
        if (!ordered) {
          push(
            `alarms[${o.index}].limit`,
            `${outer} limit ${o.def.limit} is not ${above ? "above" : "below"} the ${inner} limit ${n.def.limit} of '${n.def.id}'`,
          );
          continue;
        }
        const gap = Math.abs(o.def.limit - n.def.limit);
        for (const a of [n, o]) {
          const other = a === n ? o : n;
          if (a.def.deadband >= gap) {
            push(
              `alarms[${a.index}].deadband`,
              `limit inside its own deadband: deadband ${a.def.deadband} is not smaller than the distance ${gap} to the ` +
                `${other.def.level} limit ${other.def.limit} of '${other.def.id}'`,
            );
          }
        }
      }
    }
  }
  // A high alarm must clear above every low limit (and a low alarm below every high limit).
  const highs = list.filter((a) => isHighLevel(a.def.level));
  const lows = list.filter((a) => !isHighLevel(a.def.level));
  for (const h of highs) {
    for (const l of lows) {
      const hReset = h.def.limit - h.def.deadband;
      if (hReset <= l.def.limit) {
        push(
          `alarms[${h.index}].deadband`,
          `limit inside its own deadband: the reset point ${hReset} (limit ${h.def.limit} − deadband ${h.def.deadband}) ` +
            `is not above the ${l.def.level} limit ${l.def.limit} of '${l.def.id}'`,
        );
      }
      const lReset = l.def.limit + l.def.deadband;
      if (lReset >= h.def.limit) {
        push(
          `alarms[${l.index}].deadband`,
          `limit inside its own deadband: the reset point ${lReset} (limit ${l.def.limit} + deadband ${l.def.deadband}) ` +
            `is not below the ${h.def.level} limit ${h.def.limit} of '${h.def.id}'`,
        );
      }
    }
  }
}
