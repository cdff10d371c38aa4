/**
 * One historian point and its InfluxDB 1.x line-protocol encoding (pure).
 *
 * - Measurement: `,` and space escaped. Tag keys, tag values, field keys: `,` `=` and space escaped.
 *   InfluxDB 1.x keeps other backslashes there literally (`a\b` is stored as `a\b`) and has no way to write
 *   a backslash that ends the name or comes before `,` `=` or space (checked on influxd 1.6: "invalid tag
 *   format"): such a backslash is written as `/`. Line protocol has no escape for a line break in names or
 *   tags either: CR/LF there become a space (then escaped).
 *   String fields: `"` and `\` escaped, inside double quotes (round-trips exactly, line breaks included).
 * - Every number is written as a float (no `i` suffix), so a field never changes type between writes
 *   (a `quality` of 0 and one of 0.5 are the same type). Non-finite numbers (NaN, ±Infinity) cannot be
 *   written: that field is left out; a point left without fields is not encoded (`encodePoint` → null).
 * - Tags with an empty value are left out (InfluxDB stores no empty tag); tags are sorted by key.
 * - Timestamps: microseconds by default. With a `SeriesTimestamper`, a later point of the same series
 *   (measurement + tags) in the same millisecond gets +1 µs, so two points never merge into one.
 */
import type { TagValue } from "../core/tag-value.js";

export interface HistorianPoint {
  readonly measurement: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly fields: Readonly<Record<string, number | boolean | string>>;
  /** Epoch milliseconds (fractions are kept to the microsecond). */
  readonly timeMs: number;
}

export type LinePrecision = "s" | "ms" | "u" | "ns";

/** Quality as stored in the `quality` field: a float code, so `max(quality)` is the worst. */
export const QUALITY_CODE = { Good: 0, Uncertain: 1, Bad: 2 } as const;

const BREAKS = /[\r\n]/g;
/** A backslash line protocol cannot carry: at the end, or before a character that gets escaped. */
const LOST_BACKSLASH = /\\(?=$|[,= ])/g;
/** Fast paths: most names need no escaping at all. */
const MEASUREMENT_SPECIAL = /[\\, \r\n]/;
const KEY_SPECIAL = /[\\,= \r\n]/;

export function escapeMeasurement(name: string): string {
  if (!MEASUREMENT_SPECIAL.test(name)) return name;
  return name.replace(BREAKS, " ").replace(LOST_BACKSLASH, "/").replace(/[, ]/g, (c) => `\\${c}`);
}

/** Tag keys, tag values and field keys. */
export function escapeKey(key: string): string {
  if (!KEY_SPECIAL.test(key)) return key;
  return key.replace(BREAKS, " ").replace(LOST_BACKSLASH, "/").replace(/[,= ]/g, (c) => `\\${c}`);
}

const STRING_SPECIAL = /[\\"]/;

export function escapeStringField(value: string): string {
  return STRING_SPECIAL.test(value) ? `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"` : `"${value}"`;
}

/** `measurement,k1=v1,k2=v2` — the series key, also the start of the line. */
export function seriesKey(point: Pick<HistorianPoint, "measurement" | "tags">): string {
  let out = escapeMeasurement(point.measurement);
  const keys = Object.keys(point.tags);
  for (let i = 1; i < keys.length; i++) {
    if (keys[i - 1]! > keys[i]!) {
      keys.sort();
      break;
    }
  }
  for (const k of keys) {
    const v = point.tags[k];
    if (v === undefined || v === "") continue;
    out += `,${escapeKey(k)}=${escapeKey(v)}`;
  }
  return out;
}

/** `k=v,…` or "" when no field can be written. */
export function encodeFields(fields: HistorianPoint["fields"]): string {
  let out = "";
  for (const k in fields) {
    const v = fields[k];
    let enc: string;
    if (typeof v === "number") {
      if (!Number.isFinite(v)) continue;
      enc = String(v);
    } else if (typeof v === "boolean") enc = v ? "true" : "false";
    else if (typeof v === "string") enc = escapeStringField(v);
    else continue;
    out += `${out === "" ? "" : ","}${escapeKey(k)}=${enc}`;
  }
  return out;
}

/**
 * Gives every point of a series a strictly increasing microsecond time stamp as long as its points come in
 * time order: a point in the same (or an earlier-bumped) millisecond as the series' last point gets the
 * last µs + 1. A point older than the series' last one keeps its own time (it can only meet a point written
 * earlier at that very millisecond). Remembers at most `maxSeries` series, the oldest first seen dropped
 * first (a line has a few hundred series; moving each series to the end on every point cost ≈ 10 % of the
 * write path in the benchmark).
 */
export class SeriesTimestamper {
  private readonly last = new Map<string, SeriesStamp>();
  constructor(private readonly maxSeries = 100_000) {}

  stampUs(series: string, timeMs: number): number {
    const entry = this.last.get(series);
    return entry === undefined ? this.first(series, timeMs) : bump(entry, timeMs);
  }

  /**
   * The same as `stampUs(slot.series, timeMs)`, without looking the series up again while `slot.stamp` is
   * still remembered (line-encoder.ts keeps one slot per series): the slot caches the series' entry.
   */
  stampSlot(slot: SeriesSlot, timeMs: number): number {
    const cached = slot.stamp;
    if (cached !== null && cached.live) return bump(cached, timeMs);
    const entry = this.last.get(slot.series);
    if (entry === undefined) {
      const us = this.first(slot.series, timeMs);
      slot.stamp = this.last.get(slot.series) ?? null;
      return us;
    }
    slot.stamp = entry;
    return bump(entry, timeMs);
  }

  get size(): number {
    return this.last.size;
  }

  /** A series seen for the first time (or again after it was forgotten). */
  private first(series: string, timeMs: number): number {
    const us = Math.round(timeMs * 1000);
    this.last.set(series, { ms: timeMs, us, live: true });
    if (this.last.size > this.maxSeries) {
      const oldest = this.last.keys().next().value!;
      this.last.get(oldest)!.live = false;
      this.last.delete(oldest);
    }
    return us;
  }
}

/** What SeriesTimestamper remembers of a series; `live` turns false when it is forgotten (bounded memory). */
export interface SeriesStamp {
  ms: number;
  us: number;
  live: boolean;
}

/** A series key with its cached SeriesTimestamper entry (null until the first stamp). */
export interface SeriesSlot {
  readonly series: string;
  stamp: SeriesStamp | null;
}

function bump(entry: SeriesStamp, timeMs: number): number {
  const us = Math.round(timeMs * 1000);
  if (timeMs < entry.ms) return us;
  const out = us > entry.us ? us : entry.us + 1;
  entry.ms = timeMs;
  entry.us = out;
  return out;
}

function timestamp(us: number, precision: LinePrecision): string {
  switch (precision) {
    case "u":
      return String(us);
    case "ns":
      return `${us}000`;
    case "ms":
      return String(Math.round(us / 1000));
    case "s":
      return String(Math.round(us / 1_000_000));
  }
}

/** One line (no trailing newline), or null when the point has no writable field. */
export function encodePoint(point: HistorianPoint, precision: LinePrecision = "u", stamper?: SeriesTimestamper): string | null {
  const fields = encodeFields(point.fields);
  if (fields === "") return null;
  const series = seriesKey(point);
  const us = stamper && (precision === "u" || precision === "ns") ? stamper.stampUs(series, point.timeMs) : Math.round(point.timeMs * 1000);
  return `${series} ${fields} ${timestamp(us, precision)}`;
}

/** Line protocol for the points (newline-separated); points without a writable field are skipped. */
export function toLineProtocol(points: readonly HistorianPoint[], precision: LinePrecision = "u", stamper?: SeriesTimestamper): string {
  const lines: string[] = [];
  for (const p of points) {
    const line = encodePoint(p, precision, stamper);
    if (line !== null) lines.push(line);
  }
  return lines.join("\n");
}

/**
 * The `process` point for one tag value (ARCHITECTURE.md historian schema): tags line, station, tag;
 * fields value (booleans as 1/0, so `value` is a float in every series and the trend CQs can average it;
 * left out when the value is null) and quality (QUALITY_CODE). Time: the source time stamp by default.
 */
export function processPoint(
  ids: { readonly line: string; readonly station: string; readonly tag: string },
  tv: TagValue,
  timeMs: number = tv.sourceTs,
): HistorianPoint {
  const quality = QUALITY_CODE[tv.quality.status];
  const fields: Record<string, number> =
    tv.value === null ? { quality } : { value: typeof tv.value === "boolean" ? (tv.value ? 1 : 0) : tv.value, quality };
  return { measurement: "process", tags: { line: ids.line, station: ids.station, tag: ids.tag }, fields, timeMs };
}
