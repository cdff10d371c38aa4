import assert from "node:assert/strict";
import fc from "fast-check";
import { WORD_ORDERS, type WordOrder } from "../../../src/tags/word-order.js";
import { tagSchema, type TagConfig } from "../../../src/tags/tag-schema.js";
import {
  decodeValue,
  encodeValue,
  engineeringToWords,
  ModbusCodecError,
  wordCount,
  wordsToEngineering,
  type ModbusValueType,
} from "../../../src/drivers/modbus/modbus-codec.js";

function tag(over: Partial<TagConfig> & Pick<TagConfig, "type">): TagConfig {
  return tagSchema.parse({
    name: "t.x",
    device: "plc",
    quantity: "count",
    units: "",
    updateMs: 100,
    modbus: { table: "holding", address: 0 },
    ...over,
  });
}

describe("modbus-codec", () => {
  describe("float32 word orders", () => {
    const expected: Record<WordOrder, number[]> = {
      ABCD: [0x42f6, 0xe666],
      CDAB: [0xe666, 0x42f6],
      BADC: [0xf642, 0x66e6],
      DCBA: [0x66e6, 0xf642],
    };
    for (const order of WORD_ORDERS) {
      it(`123.45 ↔ ${expected[order].map((w) => w.toString(16)).join(" ")} in ${order}`, () => {
        assert.deepEqual(encodeValue("float32", 123.45, order), expected[order]);
        assert.equal(decodeValue("float32", expected[order], order), 123.45);
      });
    }

    it("decodes to the shortest decimal of the float32, which is the same float32", () => {
      const v = decodeValue("float32", [0x3dcc, 0xcccd]); // 0.1f
      assert.equal(v, 0.1);
      assert.equal(Math.fround(v as number), Math.fround(0.1));
    });

    it("keeps -0, infinities and NaN; refuses finite values beyond float32", () => {
      assert.ok(Object.is(decodeValue("float32", encodeValue("float32", -0)), -0));
      assert.equal(decodeValue("float32", encodeValue("float32", Infinity)), Infinity);
      assert.ok(Number.isNaN(decodeValue("float32", encodeValue("float32", NaN))));
      assert.throws(() => encodeValue("float32", 1e39), ModbusCodecError);
      assert.deepEqual(encodeValue("float32", 1e39, "ABCD", "clamp"), [0x7f7f, 0xffff]);
      assert.deepEqual(encodeValue("float32", 3.4028235e38), [0x7f7f, 0xffff]); // rounds to max, not overflow
    });
  });

  describe("32-bit integers", () => {
    it("uint32 0x12345678 in every order", () => {
      assert.deepEqual(encodeValue("uint32", 0x12345678, "ABCD"), [0x1234, 0x5678]);
      assert.deepEqual(encodeValue("uint32", 0x12345678, "CDAB"), [0x5678, 0x1234]);
      assert.deepEqual(encodeValue("uint32", 0x12345678, "BADC"), [0x3412, 0x7856]);
      assert.deepEqual(encodeValue("uint32", 0x12345678, "DCBA"), [0x7856, 0x3412]);
      for (const o of WORD_ORDERS) assert.equal(decodeValue("uint32", encodeValue("uint32", 0x12345678, o), o), 0x12345678);
    });

    it("uint32 limits", () => {
      assert.deepEqual(encodeValue("uint32", 4294967295), [0xffff, 0xffff]);
      assert.equal(decodeValue("uint32", [0xffff, 0xffff]), 4294967295);
      assert.deepEqual(encodeValue("uint32", 0), [0, 0]);
      assert.throws(() => encodeValue("uint32", 4294967296), /outside the uint32 range 0\.\.4294967295/);
      assert.throws(() => encodeValue("uint32", -1), /outside the uint32 range/);
      assert.deepEqual(encodeValue("uint32", -5, "ABCD", "clamp"), [0, 0]);
      assert.deepEqual(encodeValue("uint32", 5e9, "ABCD", "clamp"), [0xffff, 0xffff]);
    });

    it("int32 limits and sign", () => {
      assert.deepEqual(encodeValue("int32", -1), [0xffff, 0xffff]);
      assert.equal(decodeValue("int32", [0xffff, 0xffff]), -1);
      assert.deepEqual(encodeValue("int32", -2147483648), [0x8000, 0x0000]);
      assert.equal(decodeValue("int32", [0x8000, 0x0000]), -2147483648);
      assert.deepEqual(encodeValue("int32", 2147483647, "CDAB"), [0xffff, 0x7fff]);
      assert.throws(() => encodeValue("int32", 2147483648), /outside the int32 range/);
      assert.throws(() => encodeValue("int32", -2147483649), /outside the int32 range/);
    });
  });

  describe("16-bit values and bool", () => {
    it("int16 limits", () => {
      assert.deepEqual(encodeValue("int16", -32768), [0x8000]);
      assert.deepEqual(encodeValue("int16", 32767), [0x7fff]);
      assert.deepEqual(encodeValue("int16", -1), [0xffff]);
      assert.equal(decodeValue("int16", [0x8000]), -32768);
      assert.equal(decodeValue("int16", [0xffff]), -1);
      assert.equal(decodeValue("int16", [0x7fff]), 32767);
      assert.throws(() => encodeValue("int16", 32768), /value 32768 is outside the int16 range -32768\.\.32767/);
      assert.throws(() => encodeValue("int16", -32769), ModbusCodecError);
      assert.deepEqual(encodeValue("int16", 40000, "ABCD", "clamp"), [0x7fff]);
    });

    it("uint16 limits", () => {
      assert.deepEqual(encodeValue("uint16", 65535), [0xffff]);
      assert.equal(decodeValue("uint16", [0xffff]), 65535);
      assert.throws(() => encodeValue("uint16", 65536), /outside the uint16 range/);
      assert.throws(() => encodeValue("uint16", -1), /outside the uint16 range/);
    });

    it("16-bit values ignore the word order (it applies to 32-bit values only)", () => {
      for (const o of WORD_ORDERS) assert.deepEqual(encodeValue("uint16", 0x1234, o), [0x1234]);
    });

    it("rounds integers half away from zero", () => {
      assert.deepEqual(encodeValue("int16", 2.5), [3]);
      assert.deepEqual(encodeValue("int16", -2.5), [0xfffd]); // -3
      assert.deepEqual(encodeValue("uint16", 2.49), [2]);
      assert.deepEqual(encodeValue("uint32", 7.5), [0, 8]);
    });

    it("refuses non-numbers and non-finite integers", () => {
      assert.throws(() => encodeValue("int16", NaN), ModbusCodecError);
      assert.throws(() => encodeValue("uint32", Infinity), ModbusCodecError);
      assert.throws(() => encodeValue("int16", true), /needs a number/);
      assert.throws(() => encodeValue("bool", 1), /needs true or false/);
    });

    it("bool in a register is 0 / 1, any non-zero reads true", () => {
      assert.deepEqual(encodeValue("bool", true), [1]);
      assert.deepEqual(encodeValue("bool", false), [0]);
      assert.equal(decodeValue("bool", [0]), false);
      assert.equal(decodeValue("bool", [0x8000]), true);
    });

    it("refuses missing or invalid words", () => {
      assert.throws(() => decodeValue("float32", [0x42f6]), /word 1/);
      assert.throws(() => decodeValue("uint16", [70000]), /word 0/);
      assert.throws(() => decodeValue("int16", []), /word 0/);
    });

    it("word counts", () => {
      assert.equal(wordCount("bool"), 1);
      assert.equal(wordCount("int16"), 1);
      assert.equal(wordCount("uint16"), 1);
      assert.equal(wordCount("int32"), 2);
      assert.equal(wordCount("uint32"), 2);
      assert.equal(wordCount("float32"), 2);
    });
  });

  describe("tag helpers (scaling + word order)", () => {
    it("scales raw 0..10000 to 0..100 % and back, rounding to the raw integer", () => {
      const t = tag({ type: "uint16", scaling: { rawMin: 0, rawMax: 10000, engMin: 0, engMax: 100 } });
      assert.deepEqual(engineeringToWords(t, 42.5, "ABCD"), [4250]);
      assert.deepEqual(engineeringToWords(t, 42.503, "ABCD"), [4250]);
      assert.equal(wordsToEngineering(t, [4250], "ABCD"), 42.5);
      assert.throws(() => engineeringToWords(t, 700, "ABCD"), /outside the uint16 range/);
    });

    it("uses the tag's word order over the device's", () => {
      const own = tag({ type: "float32", modbus: { table: "input", address: 12, wordOrder: "CDAB" } });
      const dflt = tag({ type: "float32" });
      assert.deepEqual(engineeringToWords(own, 123.45, "ABCD"), [0xe666, 0x42f6]);
      assert.deepEqual(engineeringToWords(dflt, 123.45, "DCBA"), [0x66e6, 0xf642]);
      assert.equal(wordsToEngineering(own, [0xe666, 0x42f6], "ABCD"), 123.45);
    });

    it("uint32 raw mm → m (encoder)", () => {
      const t = tag({ type: "uint32", scaling: { rawMin: 0, rawMax: 1000, engMin: 0, engMax: 1 }, quantity: "length", units: "m" });
      assert.deepEqual(engineeringToWords(t, 70000.123, "ABCD"), encodeValue("uint32", 70000123));
      assert.equal(wordsToEngineering(t, encodeValue("uint32", 70000123), "ABCD"), 70000.123);
    });

    it("bool tags take booleans only", () => {
      const t = tag({ type: "bool", modbus: { table: "coil", address: 0 } });
      assert.deepEqual(engineeringToWords(t, true, "ABCD"), [1]);
      assert.equal(wordsToEngineering(t, [1], "ABCD"), true);
      assert.throws(() => engineeringToWords(t, 1, "ABCD"), ModbusCodecError);
    });

    it("property: scaled round trip stays within half a raw step", () => {
      const t = tag({ type: "int16", scaling: { rawMin: -32000, rawMax: 32000, engMin: -50, engMax: 150 } });
      const step = 200 / 64000;
      fc.assert(
        fc.property(fc.double({ min: -50, max: 150, noNaN: true }), (eng) => {
          const back = wordsToEngineering(t, engineeringToWords(t, eng, "ABCD"), "ABCD") as number;
          return Math.abs(back - eng) <= step / 2 + 1e-9;
        }),
        { numRuns: 2000 },
      );
    });
  });

  describe("properties: decode(encode(x)) == x", () => {
    const orders = fc.constantFrom(...WORD_ORDERS);
    const ints: [ModbusValueType, number, number][] = [
      ["int16", -32768, 32767],
      ["uint16", 0, 65535],
      ["int32", -2147483648, 2147483647],
      ["uint32", 0, 4294967295],
    ];
    for (const [type, min, max] of ints) {
      it(`${type}, every order`, () => {
        fc.assert(
          fc.property(fc.integer({ min, max }), orders, (x, o) => {
            const words = encodeValue(type, x, o);
            assert.equal(words.length, wordCount(type));
            for (const w of words) assert.ok(Number.isInteger(w) && w >= 0 && w <= 0xffff);
            return decodeValue(type, words, o) === x;
          }),
          { numRuns: 3000 },
        );
      });
    }

    it("float32 (every float32, incl. -0, ±Infinity, NaN), every order: same float32 back", () => {
      fc.assert(
        fc.property(fc.float(), orders, (x, o) => Object.is(Math.fround(decodeValue("float32", encodeValue("float32", x, o), o) as number), x)),
        { numRuns: 5000 },
      );
    });

    it("float32 decimals of up to 6 significant digits come back exactly", () => {
      fc.assert(
        fc.property(fc.integer({ min: -999999, max: 999999 }), fc.integer({ min: -20, max: 20 }), orders, (m, e, o) => {
          const x = Number(`${m}e${e}`);
          return decodeValue("float32", encodeValue("float32", x, o), o) === x;
        }),
        { numRuns: 5000 },
      );
    });

    it("bool", () => {
      fc.assert(fc.property(fc.boolean(), (b) => decodeValue("bool", encodeValue("bool", b)) === b));
    });

    it("out-of-range integers are always refused, never wrapped", () => {
      fc.assert(
        fc.property(fc.constantFrom(...ints), fc.integer({ min: 1, max: 1e6 }), fc.boolean(), ([type, min, max], d, above) => {
          const x = above ? max + d : min - d;
          assert.throws(() => encodeValue(type, x), ModbusCodecError);
          return true;
        }),
        { numRuns: 1000 },
      );
    });
  });
});
