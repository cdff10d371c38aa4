import type { LineFile } from "./line-schema.js";
import type { DeviceConfig } from "./device-schema.js";
import { QUANTITY_UNITS, type TagConfig, type TagType } from "../tags/tag-schema.js";
import type { Problem } from "../core/problem.js";
import type { LocatedTag } from "./located-tag.js";

/** Registers (16-bit words) a value of this type occupies in a Modbus register table. */
export function registerWidth(type: TagType): number {
  switch (type) {
    case "int32":
    case "uint32":
    case "float32":
      return 2;
    case "float64":
      return 4;
    default:
      return 1;
  }
}

const BIT_TABLES = new Set(["coil", "discrete"]);
const READ_ONLY_TABLES = new Set(["discrete", "input"]);

/**
 * How much of the configuration the cross-checks see. When a file could not be read, or some of its items
 * are invalid (already reported), references into it are not checked, so one mistake is not echoed as many.
 */
export interface CrossCheckCoverage {
  /** line.yaml is valid: every station is known. */
  readonly stations: boolean;
  /** Every device in devices.yaml was passed or is named in `invalidDevices`. */
  readonly devices: boolean;
  /** Ids of devices that are in devices.yaml but invalid: references to them are not checked. */
  readonly invalidDevices?: ReadonlySet<string>;
  /** Every tag in tags/ was passed or is named in `invalidTags`. */
  readonly tags: boolean;
  /** Names of tags that are in a tag file but invalid: references to them are not checked. */
  readonly invalidTags?: ReadonlySet<string>;
  /** Position in devices.yaml of each device passed, when some were left out; default: 0, 1, 2, … */
  readonly devicePositions?: readonly number[];
}

const COMPLETE: CrossCheckCoverage = { stations: true, devices: true, tags: true };

/** Reports one problem at a field of the tag being checked. */
type Report = (field: string, message: string) => void;

/** Fields of one tag that must agree with each other: units and quantity, scaling, range, deadband, history. */
function checkTagFields(tag: TagConfig, report: Report): void {
  const expectedUnits = QUANTITY_UNITS[tag.quantity];
  if (tag.units !== expectedUnits) report("units", `units '${tag.units}' do not match quantity '${tag.quantity}' (expected '${expectedUnits}')`);
  if (tag.scaling) {
    if (tag.scaling.rawMax === tag.scaling.rawMin) report("scaling", `raw span is zero (rawMin = rawMax = ${tag.scaling.rawMin})`);
    if (tag.scaling.engMax === tag.scaling.engMin) report("scaling", `engineering span is zero (engMin = engMax = ${tag.scaling.engMin})`);
    if (tag.type === "bool") report("scaling", "a bool tag cannot be scaled");
  }
  if (tag.range && tag.range.min >= tag.range.max) report("range", `range min (${tag.range.min}) must be below max (${tag.range.max})`);
  if (tag.deadband !== undefined && tag.type === "bool") report("deadband", "a bool tag cannot have a deadband");
  for (const [field, message] of historyProblems(tag)) report(`history.${field}`, message);
}

/** An OPC UA tag: a NodeId, no Modbus address, no NodeId used twice on the device (`nodeIds`: device|NodeId → tag). */
function checkOpcuaAddress(tag: TagConfig, device: DeviceConfig, nodeIds: Map<string, string>, report: Report): void {
  if (tag.nodeId === undefined) report("nodeId", `required field missing (tag of OPC UA device '${device.id}')`);
  if (tag.modbus !== undefined) report("modbus", `a tag of OPC UA device '${device.id}' has no Modbus address`);
  if (tag.nodeId === undefined) return;
  const key = `${device.id}|${tag.nodeId}`;
  const other = nodeIds.get(key);
  if (other) report("nodeId", `NodeId '${tag.nodeId}' already used by tag '${other}'`);
  else nodeIds.set(key, tag.name);
}

/**
 * A Modbus tag: an address in the right table for its type, within 0..65535, writable only where Modbus
 * allows, overlapping no other tag (`occupied`: device|table → address → tag).
 */
function checkModbusAddress(tag: TagConfig, device: DeviceConfig, occupied: Map<string, Map<number, string>>, report: Report): void {
  if (tag.nodeId !== undefined) report("nodeId", `a tag of Modbus device '${device.id}' has no NodeId`);
  const addr = tag.modbus;
  if (addr === undefined) return report("modbus", `required field missing (tag of Modbus device '${device.id}')`);
  const bitTable = BIT_TABLES.has(addr.table);
  const width = bitTable ? 1 : registerWidth(tag.type);
  if (tag.type === "float64") return report("type", "64-bit values are not supported over Modbus (use float32)");
  if (bitTable && tag.type !== "bool") {
    const bits = registerWidth(tag.type) === 2 ? "32-bit" : "16-bit";
    return report("type", `a ${bits} value (${tag.type}) cannot live on a 1-bit ${addr.table} address`);
  }
  if (!bitTable && tag.type === "bool") return report("type", `a bool must live on a coil or discrete input, not a ${addr.table} register`);
  if (addr.wordOrder !== undefined && width !== 2) {
    report("modbus.wordOrder", `word order applies to 32-bit values only (${tag.type} is ${bitTable ? "1-bit" : "16-bit"})`);
  }
  if (addr.address < 0 || addr.address > 65535) return report("modbus.address", `address ${addr.address} is outside 0..65535`);
  if (addr.address + width - 1 > 65535) {
    return report("modbus.address", `a 32-bit value (${tag.type}) needs registers ${addr.address}..${addr.address + 1}, but 65535 is the last 16-bit address`);
  }
  if (tag.writable && READ_ONLY_TABLES.has(addr.table)) {
    report("writable", `${addr.table} ${addr.table === "input" ? "registers" : "inputs"} are read-only in Modbus`);
  }
  const key = `${device.id}|${addr.table}`;
  let map = occupied.get(key);
  if (!map) occupied.set(key, (map = new Map()));
  for (let a = addr.address; a < addr.address + width; a++) {
    const other = map.get(a);
    if (other !== undefined) {
      report("modbus.address", `${addr.table} ${a} overlaps tag '${other}'`);
      break;
    }
  }
  for (let a = addr.address; a < addr.address + width; a++) if (!map.has(a)) map.set(a, tag.name);
}

/** Checks that need more than one file or more than one field: the things a schema cannot say. */
export function checkCrossReferences(
  line: Pick<LineFile, "stations">,
  devices: readonly DeviceConfig[],
  tags: readonly LocatedTag[],
  coverage: CrossCheckCoverage = COMPLETE,
): Problem[] {
  const problems: Problem[] = [];
  const push = (file: string, path: string, message: string): void => {
    problems.push({ file, path, message });
  };
  const devicePath = (i: number, field: string): string => `devices[${coverage.devicePositions?.[i] ?? i}].${field}`;

  const stationIds = new Set<string>();
  line.stations.forEach((s, i) => {
    if (stationIds.has(s.id)) push("line.yaml", `stations[${i}].id`, `duplicate station '${s.id}'`);
    stationIds.add(s.id);
    if (s.to < s.from) push("line.yaml", `stations[${i}].to`, `station ends (${s.to} m) before it begins (${s.from} m)`);
  });

  const deviceById = new Map<string, DeviceConfig>();
  devices.forEach((d, i) => {
    if (deviceById.has(d.id)) push("devices.yaml", devicePath(i, "id"), `duplicate device '${d.id}'`);
    else deviceById.set(d.id, d);
  });

  const tagByName = new Map<string, LocatedTag>();
  const occupied = new Map<string, Map<number, string>>();
  const nodeIds = new Map<string, string>();
  for (const lt of tags) {
    const { tag, file, index } = lt;
    const report: Report = (field, message) => push(file, `tags[${index}].${field}`, message);
    const first = tagByName.get(tag.name);
    if (first) report("name", `duplicate tag name '${tag.name}' (first defined in ${first.file} tags[${first.index}])`);
    else tagByName.set(tag.name, lt);
    if (tag.station !== undefined && coverage.stations && !stationIds.has(tag.station)) {
      report("station", `unknown station '${tag.station}' (line.yaml has: ${[...stationIds].join(", ")})`);
    }
    checkTagFields(tag, report);
    const device = deviceById.get(tag.device);
    if (!device) {
      if (coverage.devices && !coverage.invalidDevices?.has(tag.device)) {
        report("device", `unknown device '${tag.device}' (devices.yaml has: ${[...deviceById.keys()].join(", ")})`);
      }
    } else if (device.protocol === "opcua") checkOpcuaAddress(tag, device, nodeIds, report);
    else checkModbusAddress(tag, device, occupied, report);
  }

  devices.forEach((d, i) => {
    const hb = tagByName.get(d.heartbeatTag);
    if (!hb) {
      if (coverage.tags && !coverage.invalidTags?.has(d.heartbeatTag)) push("devices.yaml", devicePath(i, "heartbeatTag"), `unknown tag '${d.heartbeatTag}' (no file in tags/ defines it)`);
    } else if (hb.tag.device !== d.id) {
      push("devices.yaml", devicePath(i, "heartbeatTag"), `tag '${d.heartbeatTag}' belongs to device '${hb.tag.device}', not '${d.id}'`);
    }
    checkScadaHeartbeat(d, tagByName, coverage, (field, message) => push("devices.yaml", devicePath(i, `scadaHeartbeat.${field}`), message));
  });
  return problems;
}

/** Integer tag types a heartbeat counter can count in. */
const COUNTER_TYPES: ReadonlySet<TagType> = new Set(["uint16", "uint32", "int16", "int32"]);

/** The PLC watchdog may trip on one late write when its timeout is shorter than this many heartbeat periods. */
export const MIN_WATCHDOG_PERIODS = 3;

/** A device's scadaHeartbeat: a known, writable integer tag of that device; a timeout of at least 3 periods. */
function checkScadaHeartbeat(d: DeviceConfig, tagByName: ReadonlyMap<string, LocatedTag>, coverage: CrossCheckCoverage, report: Report): void {
  const sh = d.scadaHeartbeat;
  if (sh === undefined) return;
  const lt = tagByName.get(sh.tag);
  if (!lt) {
    if (coverage.tags && !coverage.invalidTags?.has(sh.tag)) report("tag", `unknown tag '${sh.tag}' (no file in tags/ defines it)`);
  } else if (lt.tag.device !== d.id) {
    report("tag", `tag '${sh.tag}' belongs to device '${lt.tag.device}', not '${d.id}'`);
  } else {
    if (!lt.tag.writable) report("tag", `tag '${sh.tag}' is not writable: the SCADA writes its heartbeat to it (set writable: true)`);
    if (!COUNTER_TYPES.has(lt.tag.type)) report("tag", `tag '${sh.tag}' is ${lt.tag.type}: the heartbeat counter needs an integer type (uint16, uint32, int16 or int32)`);
  }
  if (sh.timeoutMs < MIN_WATCHDOG_PERIODS * sh.periodMs) {
    report("timeoutMs", `timeout ${sh.timeoutMs} ms is shorter than ${MIN_WATCHDOG_PERIODS} heartbeat periods (${MIN_WATCHDOG_PERIODS * sh.periodMs} ms): one late write would trip the PLC`);
  }
}

/** Per-tag history settings that cannot be honoured: [field, message]. */
function historyProblems(tag: TagConfig): [string, string][] {
  const h = tag.history;
  if (h === undefined) return [];
  const out: [string, string][] = [];
  if (h.mode === "period" && h.periodMs === undefined) out.push(["periodMs", "required field missing (history mode 'period')"]);
  if (h.mode !== "period" && h.periodMs !== undefined) out.push(["periodMs", `periodMs applies to history mode 'period' only (mode is '${h.mode}')`]);
  if (h.mode !== "change" && h.deadband !== undefined) out.push(["deadband", `deadband applies to history mode 'change' only (mode is '${h.mode}')`]);
  if (h.mode !== "change" && h.maxRateHz !== undefined) out.push(["maxRateHz", `maxRateHz applies to history mode 'change' only (mode is '${h.mode}')`]);
  if (h.deadband !== undefined && tag.type === "bool") out.push(["deadband", "a bool tag cannot have a history deadband"]);
  if (h.periodMs !== undefined && h.periodMs < tag.updateMs) {
    out.push(["periodMs", `history period ${h.periodMs} ms is shorter than the tag's update period ${tag.updateMs} ms`]);
  }
  return out;
}
