/**
 * The SCADA's tags as Sparkplug B metrics (pure). One Sparkplug device per station (a tag without a station:
 * its PLC), every tag a metric named by its tag name. The birth carries the datatype and, as properties, the
 * engineering unit, range, description and quality; data messages carry the value, its source timestamp and
 * the quality (the `Quality` property: 192 Good, 64 Uncertain, 0 Bad — the OPC quality codes Ignition and
 * other Sparkplug hosts read — and `QualityReason` when not Good). A value the SCADA does not have is sent
 * as a null metric (isNull), never as 0.
 *
 * Cost: one object per metric per message; nothing is kept between calls.
 */
import type { UMetric, UPropertyValue, TypeStr } from "sparkplug-payload/lib/sparkplugbpayload.js";
import type { QualityStatus, TagValue } from "../core/tag-value.js";
import type { TagConfig, TagType } from "../tags/tag-schema.js";

export type SparkplugMetric = UMetric;

/** The Sparkplug datatype of each tag type (a scaled integer is a Double in engineering units). */
const DATATYPE: Readonly<Record<TagType, TypeStr>> = {
  bool: "Boolean",
  int16: "Int16",
  uint16: "UInt16",
  int32: "Int32",
  uint32: "UInt32",
  float32: "Float",
  float64: "Double",
};

/** The OPC quality code Sparkplug hosts read from the `Quality` property. */
export const SPARKPLUG_QUALITY: Readonly<Record<QualityStatus, number>> = { Good: 192, Uncertain: 64, Bad: 0 };

export function metricDatatype(tag: TagConfig): TypeStr {
  return tag.scaling !== undefined ? "Double" : DATATYPE[tag.type];
}

/** The Sparkplug device a tag belongs to: its station, else its PLC. */
export function sparkplugDeviceOf(tag: TagConfig): string {
  return tag.station ?? tag.device;
}

/** The tags grouped by Sparkplug device, in config order (devices in the order of their first tag). */
export function tagsByDevice(tags: readonly TagConfig[]): Map<string, TagConfig[]> {
  const out = new Map<string, TagConfig[]>();
  for (const t of tags) {
    const d = sparkplugDeviceOf(t);
    const list = out.get(d);
    if (list) list.push(t);
    else out.set(d, [t]);
  }
  return out;
}

const str = (value: string): UPropertyValue => ({ type: "String", value });

function qualityProperties(v: TagValue): Record<string, UPropertyValue> {
  const props: Record<string, UPropertyValue> = { Quality: { type: "Int32", value: SPARKPLUG_QUALITY[v.quality.status] } };
  if (v.quality.status !== "Good") props.QualityReason = str(v.quality.reason);
  return props;
}

function metricValue(tag: TagConfig, v: TagValue): SparkplugMetric["value"] {
  if (v.value === null || v.value === undefined) return null;
  return tag.type === "bool" ? Boolean(v.value) : Number(v.value);
}

function timestampOf(v: TagValue, nowMs: number): number {
  return v.sourceTs > 0 ? v.sourceTs : v.serverTs > 0 ? v.serverTs : nowMs;
}

/** A tag's metric in a DBIRTH: datatype, current value and quality, and what it is (unit, range, description). */
export function birthMetric(tag: TagConfig, v: TagValue, nowMs: number): SparkplugMetric {
  const properties: Record<string, UPropertyValue> = { ...qualityProperties(v), engUnit: str(tag.units) };
  if (tag.range) {
    properties.engLow = { type: "Double", value: tag.range.min };
    properties.engHigh = { type: "Double", value: tag.range.max };
  }
  if (tag.description) properties.Documentation = str(tag.description);
  properties.readOnly = { type: "Boolean", value: !tag.writable };
  return { name: tag.name, type: metricDatatype(tag), value: metricValue(tag, v), timestamp: timestampOf(v, nowMs), properties };
}

/** A tag's change in a DDATA: value, source timestamp, quality; `historical` for what was kept while the broker was away. */
export function dataMetric(tag: TagConfig, v: TagValue, nowMs: number, historical = false): SparkplugMetric {
  return {
    name: tag.name,
    type: metricDatatype(tag),
    value: metricValue(tag, v),
    timestamp: timestampOf(v, nowMs),
    properties: qualityProperties(v),
    ...(historical ? { isHistorical: true } : {}),
  };
}
