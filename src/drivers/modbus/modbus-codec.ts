/**
 * Modbus value codec (pure): typed values ↔ 16-bit register words, in the four usual word orders, and a
 * tag-level helper that adds the tag's linear scaling (engineering units ↔ raw PLC value).
 *
 * Byte naming: a 32-bit value's big-endian bytes are A B C D (A = most significant).
 *   ABCD → words [AB, CD]  (big-endian, the Modbus "standard")
 *   CDAB → words [CD, AB]  (word swap)
 *   BADC → words [BA, DC]  (byte swap within each word)
 *   DCBA → words [DC, BA]  (full little-endian)
 * 16-bit values occupy one register and are not affected by the word order (the config only allows a
 * word order on 32-bit values). A bool in a register is 0 / 1 (any non-zero word reads as true).
 */
import type { WordOrder } from "../../tags/word-order.js";
import type { TagScalar } from "../../core/tag-value.js";
import type { TagConfig, TagType } from "../../tags/tag-schema.js";
import { toEngineering, toRaw } from "../../tags/scaling.js";

/** The value types that fit Modbus registers (float64 is refused by the config for Modbus devices). */
export type ModbusValueType = Exclude<TagType, "float64">;

/** What to do with an integer outside its type's range: refuse (writes) or saturate (a PLC register). */
export type OverflowPolicy = "throw" | "clamp";

/** A value that cannot be encoded as asked (out of range, wrong type, not a number). */
export class ModbusCodecError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = "ModbusCodecError";
  }
}

const INT_LIMITS = {
  int16: { min: -32768, max: 32767 },
  uint16: { min: 0, max: 0xffff },
  int32: { min: -2147483648, max: 2147483647 },
  uint32: { min: 0, max: 0xffffffff },
} as const;

const FLOAT32_MAX = 3.4028234663852886e38;

/** Registers a value of this type occupies. */
export function wordCount(type: ModbusValueType): 1 | 2 {
  return type === "int32" || type === "uint32" || type === "float32" ? 2 : 1;
}

function assertWord(w: number | undefined, i: number): number {
  if (w === undefined || !Number.isInteger(w) || w < 0 || w > 0xffff) {
    throw new ModbusCodecError(`register word ${i} is ${String(w)}, expected an integer 0..65535`);
  }
  return w;
}

function swapBytes(w: number): number {
  return ((w & 0xff) << 8) | (w >>> 8);
}

/** The two big-endian halves [AB, CD] of a 32-bit pattern → words in the given order. */
function orderWords(hi: number, lo: number, order: WordOrder): [number, number] {
  switch (order) {
    case "ABCD":
      return [hi, lo];
    case "CDAB":
      return [lo, hi];
    case "BADC":
      return [swapBytes(hi), swapBytes(lo)];
    case "DCBA":
      return [swapBytes(lo), swapBytes(hi)];
  }
}

/** Words in the given order → the big-endian halves [AB, CD]. Every order is its own inverse here. */
function unorderWords(w0: number, w1: number, order: WordOrder): [number, number] {
  return orderWords(w0, w1, order);
}

/** Rounds half away from zero (so -2.5 → -3, like 2.5 → 3), then checks or clamps the integer range. */
function toInteger(type: keyof typeof INT_LIMITS, value: number, overflow: OverflowPolicy): number {
  if (!Number.isFinite(value)) throw new ModbusCodecError(`${type} cannot hold ${value}`);
  const rounded = Math.sign(value) * Math.round(Math.abs(value)) + 0; // + 0 turns -0 into 0
  const { min, max } = INT_LIMITS[type];
  if (rounded < min || rounded > max) {
    if (overflow === "clamp") return rounded < min ? min : max;
    throw new ModbusCodecError(`value ${value} is outside the ${type} range ${min}..${max}`);
  }
  return rounded;
}

/**
 * Encodes a value into register words. Integers are rounded (half away from zero); out-of-range integers
 * and finite numbers beyond float32 are refused (`overflow: "throw"`, the default) or saturated.
 */
export function encodeValue(
  type: ModbusValueType,
  value: number | boolean,
  order: WordOrder = "ABCD",
  overflow: OverflowPolicy = "throw",
): number[] {
  if (type === "bool") {
    if (typeof value !== "boolean") throw new ModbusCodecError(`a bool needs true or false, got ${String(value)}`);
    return [value ? 1 : 0];
  }
  if (typeof value !== "number") throw new ModbusCodecError(`a ${type} needs a number, got ${String(value)}`);
  switch (type) {
    case "int16":
      return [toInteger(type, value, overflow) & 0xffff];
    case "uint16":
      return [toInteger(type, value, overflow)];
    case "int32":
    case "uint32": {
      const n = toInteger(type, value, overflow) >>> 0; // two's complement bit pattern
      return orderWords(n >>> 16, n & 0xffff, order);
    }
    case "float32": {
      let v = value;
      if (Number.isFinite(v) && Math.abs(v) > FLOAT32_MAX && Math.abs(Math.fround(v)) === Infinity) {
        if (overflow === "throw") throw new ModbusCodecError(`value ${value} is outside the float32 range`);
        v = Math.sign(v) * FLOAT32_MAX;
      }
      const view = new DataView(new ArrayBuffer(4));
      view.setFloat32(0, v, false);
      return orderWords(view.getUint16(0, false), view.getUint16(2, false), order);
    }
  }
}

/**
 * The shortest decimal that is the same float32 (so 123.45 decodes as 123.45, not 123.44999694824219):
 * what the PLC means, and what an operator typed. `Math.fround(result) === f` always holds.
 */
function shortestFloat32(f: number): number {
  if (!Number.isFinite(f) || f === 0) return f;
  for (let p = 1; p <= 9; p++) {
    const d = Number(f.toPrecision(p));
    if (Math.fround(d) === f) return d;
  }
  return f;
}

/** Decodes register words (at least `wordCount(type)` of them) into a value. */
export function decodeValue(type: ModbusValueType, words: readonly number[], order: WordOrder = "ABCD"): number | boolean {
  const w0 = assertWord(words[0], 0);
  switch (type) {
    case "bool":
      return w0 !== 0;
    case "uint16":
      return w0;
    case "int16":
      return w0 >= 0x8000 ? w0 - 0x10000 : w0;
    default: {
      const w1 = assertWord(words[1], 1);
      const [hi, lo] = unorderWords(w0, w1, order);
      const view = new DataView(new ArrayBuffer(4));
      view.setUint16(0, hi, false);
      view.setUint16(2, lo, false);
      if (type === "int32") return view.getInt32(0, false);
      if (type === "uint32") return view.getUint32(0, false);
      return shortestFloat32(view.getFloat32(0, false));
    }
  }
}

/** A tag's word order: its own override, else the device's default. */
export function tagWordOrder(tag: TagConfig, deviceOrder: WordOrder): WordOrder {
  return tag.modbus?.wordOrder ?? deviceOrder;
}

function modbusType(tag: TagConfig): ModbusValueType {
  if (tag.type === "float64") throw new ModbusCodecError(`tag '${tag.name}': 64-bit values are not supported over Modbus`);
  return tag.type;
}

/**
 * Raw words of a tag (a coil / discrete bit as [0 | 1]) → its engineering value, scaled.
 * `deviceOrder` is the device's default word order (the tag's own override wins).
 */
export function wordsToEngineering(tag: TagConfig, words: readonly number[], deviceOrder: WordOrder): TagScalar {
  const type = modbusType(tag);
  const raw = decodeValue(type, words, tagWordOrder(tag, deviceOrder));
  if (typeof raw === "boolean") return raw;
  return toEngineering(raw, tag.scaling);
}

/**
 * A tag's engineering value → raw words (a bool as [0 | 1]): scaled to raw, then rounded / range-checked
 * by the type. Throws ModbusCodecError for a wrong type or an out-of-range value (unless `clamp`).
 */
export function engineeringToWords(
  tag: TagConfig,
  value: TagScalar,
  deviceOrder: WordOrder,
  overflow: OverflowPolicy = "throw",
): number[] {
  const type = modbusType(tag);
  if (type === "bool") return encodeValue(type, value, "ABCD", overflow);
  if (typeof value !== "number") throw new ModbusCodecError(`tag '${tag.name}' (${type}) needs a number, got ${String(value)}`);
  return encodeValue(type, toRaw(value, tag.scaling), tagWordOrder(tag, deviceOrder), overflow);
}
