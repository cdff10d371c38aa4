/**
 * The historian writer's line-protocol encoder (pure): the same bytes as `encodePoint(point, "u", stamper)`
 * (historian-point.ts, the reference) for every point, at a fraction of the cost per point.
 *
 * - The series key (measurement + sorted, escaped tags) is computed once per series and cached: a point's
 *   series is found by walking its measurement and its tags (key, value, in the object's own order) through
 *   nested maps. Those lookups hash strings that are the same objects point after point (the tag names and
 *   values come from the configuration), and V8 keeps a string's hash in the string, so finding the series
 *   costs a few map lookups and allocates nothing; the escaping, the sorting and building the key happen
 *   only the first time. The cached slot also holds the series' SeriesTimestamper entry, so the µs
 *   uniquifying does not hash the key again either.
 * - Field keys are escaped once (a small cache; per series, the keys of its last point by position).
 * - `encodeInto` (what the writer uses) appends the line to a LineBuffer as bytes: the cached series key and
 *   field keys are copied, integers (int32) and the timestamp are written digit by digit, other numbers as
 *   String() writes them, strings escaped and UTF-8 encoded — no string per line, no second UTF-8 pass.
 * - The timestamp (µs) is the cached digits of its whole seconds plus six digits, not a general
 *   number-to-string conversion of a 16-digit number.
 * - Anything unusual (a measurement or tag value that is not a string, a tags object with a prototype of its
 *   own) takes the reference path itself, with the same stamper, so the output stays the same.
 *
 * Bounded memory: at most `maxSeries` cached series and LEVELS_PER_SERIES × `maxSeries` levels of the nested
 * maps (then the cache starts over; the stamper keeps its own bound), at most MAX_FIELD_KEYS field keys.
 */
import { LineBuffer } from "./line-buffer.js";
import {
  encodePoint,
  escapeKey,
  escapeStringField,
  type HistorianPoint,
  seriesKey,
  SeriesTimestamper,
  type SeriesSlot,
} from "./historian-point.js";

/** A cached series: the UTF-8 of its line up to the fields (`measurement,k=v,… `) and its stamper entry. */
interface CachedSeries extends SeriesSlot {
  readonly headBytes: Uint8Array;
  /** The field keys of the series' last point, by position, and their `escapedKey=` bytes. */
  readonly fieldKeys: string[];
  readonly fieldBytes: Uint8Array[];
}

/** One level of the series cache: after a measurement, or after a tag key + value. */
interface TagLevel {
  /** The first tag key seen after this level (nearly always the only one) and its tag value → next level. */
  key: string | null;
  byValue: Map<string, TagLevel> | null;
  /** Other tag keys → (tag value → next level). */
  otherKeys: Map<string, Map<string, TagLevel>> | null;
  series: CachedSeries | null;
}

const MAX_FIELD_KEYS = 4096;
const LEVELS_PER_SERIES = 8;

const TRUE = Buffer.from("true");
const FALSE = Buffer.from("false");
const NEWLINE = 0x0a;
const SPACE = 0x20;
const COMMA = 0x2c;
const MINUS = 0x2d;

function newLevel(): TagLevel {
  return { key: null, byValue: null, otherKeys: null, series: null };
}

export class LineEncoder {
  readonly stamper: SeriesTimestamper;
  private readonly maxSeries: number;
  private root = new Map<string, TagLevel>();
  private cached = 0;
  private levels = 0;
  /** Field key → the UTF-8 of `escapedKey=`. */
  private readonly fieldKeyBytes = new Map<string, Uint8Array>();
  /** Whole seconds of the last timestamp written, and the bytes of their decimal. */
  private lastSec = -1;
  private lastSecBytes: Uint8Array = new Uint8Array(0);
  private scratch: LineBuffer | undefined;

  constructor(maxSeries = 100_000) {
    this.maxSeries = Math.max(1, maxSeries);
    this.stamper = new SeriesTimestamper(maxSeries);
  }

  /** Series keys cached now. */
  get cachedSeries(): number {
    return this.cached;
  }

  /**
   * One line as text (µs precision, no newline), or null when the point has no writable field — exactly
   * `encodePoint(point, "u", this.stamper)`. Throws (as that does) when `point` is not a point at all.
   * (The writer uses `encodeInto`; this is the same encoding, for callers that want a string.)
   */
  encode(point: HistorianPoint): string | null {
    const out = (this.scratch ??= new LineBuffer(1024));
    out.truncate(0);
    return this.encodeInto(point, out, false) ? out.bytes().toString("utf8") : null;
  }

  /**
   * The line of `point` (exactly `encodePoint(point, "u", this.stamper)`), appended to `out` as UTF-8 after
   * a newline when `newline`: true, or false when the point has no writable field (nothing appended).
   * Throws when `point` is not a point. The cached series key and field keys, integers, booleans and the
   * timestamp go in as bytes, without a string per line.
   */
  encodeInto(point: HistorianPoint, out: LineBuffer, newline: boolean): boolean {
    const series = this.series(point);
    const fields = point.fields;
    if (series === null || typeof fields !== "object" || fields === null) return this.viaText(point, out, newline);
    const start = out.pos;
    if (newline) out.byte(NEWLINE);
    out.bytesOf(series.headBytes);
    const keys = series.fieldKeys;
    const keyBytes = series.fieldBytes;
    let first = true;
    let j = 0;
    for (const k in fields) {
      const v = fields[k];
      const kind = typeof v;
      if (kind === "number" ? !Number.isFinite(v) : kind !== "boolean" && kind !== "string") {
        j++;
        continue;
      }
      let kb = keyBytes[j];
      if (kb === undefined || keys[j] !== k) {
        kb = this.keyBytes(k);
        keys[j] = k;
        keyBytes[j] = kb;
      }
      j++;
      if (first) first = false;
      else out.byte(COMMA);
      out.bytesOf(kb);
      if (kind === "number") {
        const n = v as number;
        if ((n | 0) === n) {
          // an int32 (-0 included): the digits String() writes, without making the string
          if (n < 0) {
            out.byte(MINUS);
            out.digits(-n);
          } else out.digits(n);
        } else out.ascii(String(n));
      } else if (kind === "boolean") out.bytesOf(v ? TRUE : FALSE);
      else out.utf8(escapeStringField(v as string));
    }
    if (first) {
      out.truncate(start);
      return false;
    }
    out.byte(SPACE);
    this.timestampInto(this.stamper.stampSlot(series, point.timeMs), out);
    return true;
  }

  /** An unusual point: the reference encoder (same stamper), its text appended. */
  private viaText(point: HistorianPoint, out: LineBuffer, newline: boolean): boolean {
    const line = encodePoint(point, "u", this.stamper);
    if (line === null) return false;
    if (newline) out.byte(NEWLINE);
    out.utf8(line);
    return true;
  }

  private keyBytes(k: string): Uint8Array {
    let b = this.fieldKeyBytes.get(k);
    if (b === undefined) {
      if (this.fieldKeyBytes.size >= MAX_FIELD_KEYS) this.fieldKeyBytes.clear();
      b = Buffer.from(`${escapeKey(k)}=`, "utf8");
      this.fieldKeyBytes.set(k, b);
    }
    return b;
  }

  /** The cached series of the point (made on first sight), or null when the point is unusual. */
  private series(point: HistorianPoint): CachedSeries | null {
    const m = point.measurement;
    const tags = point.tags;
    if (typeof m !== "string" || typeof tags !== "object" || tags === null) return null;
    const proto = Object.getPrototypeOf(tags) as unknown;
    if (proto !== Object.prototype && proto !== null) return null; // for…in would see inherited keys
    if (this.cached >= this.maxSeries || this.levels >= LEVELS_PER_SERIES * this.maxSeries) {
      // start over (a line has a few hundred series; this bounds memory against a runaway tag set)
      this.root = new Map();
      this.cached = 0;
      this.levels = 0;
    }
    let level = this.root.get(m);
    if (level === undefined) {
      level = newLevel();
      this.root.set(m, level);
      this.levels += 1;
    }
    for (const k in tags) {
      const v = tags[k];
      if (typeof v !== "string") return null;
      let byValue: Map<string, TagLevel> | undefined;
      if (level.key === k) byValue = level.byValue!;
      else if (level.key === null) {
        level.key = k;
        byValue = level.byValue = new Map();
      } else {
        const others: Map<string, Map<string, TagLevel>> = (level.otherKeys ??= new Map());
        byValue = others.get(k);
        if (byValue === undefined) {
          byValue = new Map();
          others.set(k, byValue);
        }
      }
      let next = byValue.get(v);
      if (next === undefined) {
        next = newLevel();
        byValue.set(v, next);
        this.levels += 1;
      }
      level = next;
    }
    if (level.series !== null) return level.series;
    const key = seriesKey(point);
    level.series = { series: key, headBytes: Buffer.from(`${key} `, "utf8"), stamp: null, fieldKeys: [], fieldBytes: [] };
    this.cached += 1;
    return level.series;
  }

  /** String(us) as bytes, cheaper: the whole seconds' digits are cached, the six digits within come from a table. */
  private timestampInto(us: number, out: LineBuffer): void {
    const sec = Math.floor(us / 1_000_000);
    const within = us - sec * 1_000_000;
    // integers ≥ 1 s and below 2^53 only (String() writes those in plain digits); else, and should the
    // division have rounded, the general conversion
    if (!(sec >= 1 && us <= Number.MAX_SAFE_INTEGER && within >= 0 && within < 1_000_000 && Number.isInteger(within))) {
      out.ascii(String(us));
      return;
    }
    if (sec !== this.lastSec) {
      this.lastSec = sec;
      this.lastSecBytes = Buffer.from(String(sec), "latin1");
    }
    out.bytesOf(this.lastSecBytes);
    out.sixDigits(within);
  }
}
