import { DataType, Variant, type DataValue, type StatusCode } from "node-opcua";
import { GOOD, bad, uncertain, type Quality, type TagScalar } from "../../core/tag-value.js";
import { toEngineering, toRaw } from "../../tags/scaling.js";
import type { TagConfig, TagType } from "../../tags/tag-schema.js";

/** The OPC UA data type of a tag's PLC variable. */
export const OPCUA_DATA_TYPES: Readonly<Record<TagType, DataType>> = {
  bool: DataType.Boolean,
  int16: DataType.Int16,
  uint16: DataType.UInt16,
  int32: DataType.Int32,
  uint32: DataType.UInt32,
  float32: DataType.Float,
  float64: DataType.Double,
};

const INTEGER_LIMITS: Readonly<Partial<Record<TagType, readonly [number, number]>>> = {
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
};

/** Quality of an OPC UA StatusCode by its severity bits: Good, Uncertain, or Bad, with the status name as reason. */
export function qualityOfStatus(statusCode: StatusCode): Quality {
  const severity = statusCode.value >>> 30;
  if (severity === 0) return GOOD;
  if (severity === 1) return uncertain(statusCode.name);
  return bad(statusCode.name);
}

/** The engineering value of a received DataValue (null when it carries none a tag can hold). */
export function decodeValue(tag: TagConfig, dataValue: DataValue): TagScalar | null {
  const v: unknown = dataValue.value?.value;
  if (typeof v === "boolean") return tag.type === "bool" ? v : toEngineering(v ? 1 : 0, tag.scaling);
  if (typeof v === "number") return tag.type === "bool" ? v !== 0 : toEngineering(v, tag.scaling);
  return null;
}

export type EncodedWrite = { readonly ok: true; readonly variant: Variant } | { readonly ok: false; readonly status: string };

/**
 * An engineering value to write → the PLC variable's Variant (inverse scaling, integer rounding), or why it
 * cannot be written: "BadTypeMismatch" (wrong JS type, not finite) or "BadOutOfRange" (outside the tag's
 * range or the data type's limits).
 */
export function encodeWrite(tag: TagConfig, value: TagScalar): EncodedWrite {
  const dataType = OPCUA_DATA_TYPES[tag.type];
  if (tag.type === "bool") {
    if (typeof value !== "boolean") return { ok: false, status: "BadTypeMismatch" };
    return { ok: true, variant: new Variant({ dataType, value }) };
  }
  if (typeof value !== "number" || !Number.isFinite(value)) return { ok: false, status: "BadTypeMismatch" };
  if (tag.range && (value < tag.range.min || value > tag.range.max)) return { ok: false, status: "BadOutOfRange" };
  let raw = toRaw(value, tag.scaling);
  const limits = INTEGER_LIMITS[tag.type];
  if (limits) {
    raw = Math.round(raw);
    if (raw < limits[0] || raw > limits[1]) return { ok: false, status: "BadOutOfRange" };
  }
  return { ok: true, variant: new Variant({ dataType, value: raw }) };
}

/** A monitored item's absolute deadband in raw units (the server compares raw values), or undefined. */
export function rawDeadband(tag: TagConfig): number | undefined {
  if (tag.deadband === undefined || tag.deadband <= 0 || tag.type === "bool") return undefined;
  const s = tag.scaling;
  if (!s) return tag.deadband;
  return Math.abs((tag.deadband * (s.rawMax - s.rawMin)) / (s.engMax - s.engMin));
}
