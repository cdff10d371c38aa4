import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import type { Problem } from "../../../src/core/problem.js";
import { loadConfigOrThrow } from "../../../src/config/config-loader.js";
import { type AlarmReferences, checkAlarms } from "../../../src/alarms/alarm-cross-check.js";
import { type AlarmDefs, alarmsFileSchema } from "../../../src/alarms/alarm-schema.js";
import { type TagConfig, tagSchema } from "../../../src/tags/tag-schema.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

const TAGS: TagConfig[] = [
  { name: "htr.temp", station: "htr", device: "htr-plc", type: "float64", quantity: "temperature", units: "K", range: { min: 250, max: 2000 }, updateMs: 100 },
  { name: "htr.flag", station: "htr", device: "htr-plc", type: "bool", quantity: "state", units: "", updateMs: 10 },
  { name: "htr.code", station: "htr", device: "htr-plc", type: "uint16", quantity: "state", units: "", range: { min: 0, max: 5 }, updateMs: 10 },
  { name: "htr.free", station: "htr", device: "htr-plc", type: "float64", quantity: "power", units: "kW", updateMs: 10 },
].map((t) => tagSchema.parse(t));

const REFS: AlarmReferences = { interlockIds: ["IL-01", "IL-02"], deviceIds: ["htr-plc", "line-plc"], stations: ["feed", "htr"] };

const H = { id: "T-H", kind: "analog", tag: "htr.temp", station: "htr", level: "H", limit: 1400, deadband: 10, priority: "high", message: "m" };

function defsOf(alarms: unknown[]): AlarmDefs {
  return alarmsFileSchema.parse({ alarms });
}

function check(alarms: unknown[], refs: AlarmReferences = REFS): Problem[] {
  return checkAlarms(defsOf(alarms), TAGS, "alarms.yaml", refs);
}

/** "path: message" per problem. */
function lines(alarms: unknown[], refs: AlarmReferences = REFS): string[] {
  return check(alarms, refs).map((p) => `${p.path}: ${p.message}`);
}

describe("alarms.yaml cross-checks", () => {
  it("a valid set has no problems, and problems carry the file name", () => {
    assert.deepEqual(
      lines([
        H,
        { ...H, id: "T-HH", level: "HH", limit: 1450 },
        { ...H, id: "T-L", level: "L", limit: 300, deadband: 5 },
        { ...H, id: "T-LL", level: "LL", limit: 260, deadband: 5 },
        { ...H, id: "F", tag: "htr.free", limit: 1000, onDelayMs: 10 },
        { id: "I", kind: "interlock", interlock: "IL-01", station: "line", priority: "low", message: "m" },
        { id: "C", kind: "comm", device: "line-plc", station: "line", priority: "low", message: "m" },
        { id: "P", kind: "plc-trip", plcTripUnconfirmed: "IL-02", station: "htr", priority: "low", message: "m" },
        { id: "P2", kind: "plc-trip", plcTripUnconfirmed: "htr-plc", station: "htr", priority: "low", message: "m" },
        { id: "D", kind: "discrete", tag: "htr.code", alarmValue: 5, station: "htr", priority: "low", message: "m" },
        { id: "B", kind: "discrete", tag: "htr.flag", alarmValue: false, station: "htr", priority: "low", message: "m" },
        { id: "Q", kind: "quality", tag: "htr.flag", station: "htr", onDelayMs: 10, priority: "low", message: "m" },
        { id: "HI", kind: "historian", condition: "offline", station: "line", priority: "low", message: "m" },
      ]),
      [],
    );
    const [p] = check([{ ...H, tag: "htr.nope" }], REFS);
    assert.equal(p?.file, "alarms.yaml");
    assert.equal(checkAlarms(defsOf([{ ...H, tag: "htr.nope" }]), TAGS, "other.yaml")[0]?.file, "other.yaml");
  });

  describe("references", () => {
    it("unknown tag", () => {
      assert.deepEqual(lines([{ ...H, tag: "htr.nope" }]), ["alarms[0].tag: unknown tag 'htr.nope' (no file in tags/ defines it)"]);
    });

    it("a tag that exists but is invalid (reported already) is not reported again", () => {
      assert.deepEqual(lines([{ ...H, tag: "htr.broken" }], { ...REFS, invalidTags: new Set(["htr.broken"]) }), []);
    });

    it("duplicate id", () => {
      assert.deepEqual(lines([H, { ...H, limit: 1500 }]), ["alarms[1].id: duplicate alarm id 'T-H' (also alarms[0])"]);
    });

    it("unknown interlock", () => {
      assert.deepEqual(lines([{ id: "I", kind: "interlock", interlock: "IL-99", station: "htr", priority: "low", message: "m" }]), [
        "alarms[0].interlock: unknown interlock 'IL-99' (not in interlocks.yaml)",
      ]);
    });

    it("unknown device", () => {
      assert.deepEqual(lines([{ id: "C", kind: "comm", device: "oven-plc", station: "htr", priority: "low", message: "m" }]), [
        "alarms[0].device: unknown device 'oven-plc' (not in devices.yaml)",
      ]);
    });

    it("unknown interlock or device of an unconfirmed PLC trip", () => {
      assert.deepEqual(lines([{ id: "P", kind: "plc-trip", plcTripUnconfirmed: "oven-plc", station: "htr", priority: "low", message: "m" }]), [
        "alarms[0].plcTripUnconfirmed: unknown interlock or device 'oven-plc' (not in interlocks.yaml or devices.yaml)",
      ]);
    });

    it("an unconfirmed PLC trip of an interlock without a PLC hard trip", () => {
      assert.deepEqual(
        lines([{ id: "P", kind: "plc-trip", plcTripUnconfirmed: "IL-01", station: "htr", priority: "low", message: "m" }], {
          ...REFS,
          plcTripInterlockIds: ["IL-02"],
        }),
        ["alarms[0].plcTripUnconfirmed: interlock 'IL-01' has no PLC hard trip (no plcTrip in interlocks.yaml): its trip can never be unconfirmed"],
      );
    });

    it("unknown station, and a station that is not the tag's", () => {
      assert.deepEqual(lines([{ ...H, station: "oven" }]), [
        "alarms[0].station: unknown station 'oven' (line.yaml has feed, htr; 'line' for line-wide alarms)",
        "alarms[0].station: station 'oven' is not the station of tag 'htr.temp' ('htr')",
      ]);
      assert.deepEqual(lines([{ ...H, station: "feed" }]), ["alarms[0].station: station 'feed' is not the station of tag 'htr.temp' ('htr')"]);
    });

    it("lists that are not passed are not checked", () => {
      assert.deepEqual(
        lines(
          [
            { id: "I", kind: "interlock", interlock: "IL-99", station: "oven", priority: "low", message: "m" },
            { id: "C", kind: "comm", device: "oven-plc", station: "htr", priority: "low", message: "m" },
            { id: "P", kind: "plc-trip", plcTripUnconfirmed: "oven-plc", station: "htr", priority: "low", message: "m" },
          ],
          {},
        ),
        [],
      );
    });
  });

  describe("limits and deadbands", () => {
    it("limit outside the tag's range", () => {
      assert.deepEqual(lines([{ ...H, limit: 2100 }]), ["alarms[0].limit: limit 2100 is outside the range of tag 'htr.temp' (250 … 2000 K)"]);
      assert.deepEqual(lines([{ ...H, level: "L", limit: 200 }]), ["alarms[0].limit: limit 200 is outside the range of tag 'htr.temp' (250 … 2000 K)"]);
    });

    it("limit inside its own deadband: the reset point outside the tag's range", () => {
      assert.deepEqual(lines([{ ...H, limit: 300, deadband: 100 }]), [
        "alarms[0].deadband: limit inside its own deadband: the reset point 200 K (limit 300 − deadband 100) is outside the range of tag 'htr.temp' (250 … 2000 K): the alarm could never clear",
      ]);
      assert.deepEqual(lines([{ ...H, level: "LL", limit: 1990, deadband: 20 }]), [
        "alarms[0].deadband: limit inside its own deadband: the reset point 2010 K (limit 1990 + deadband 20) is outside the range of tag 'htr.temp' (250 … 2000 K): the alarm could never clear",
      ]);
      assert.deepEqual(lines([{ ...H, limit: 300, deadband: 50 }]), [], "reset point on the range's edge: still reachable");
    });

    it("limit inside its own deadband: a high alarm that would clear only where the low alarm is active (and vice versa)", () => {
      assert.deepEqual(lines([{ ...H, limit: 1000, deadband: 100 }, { ...H, id: "T-L", level: "L", limit: 950, deadband: 5 }]), [
        "alarms[0].deadband: limit inside its own deadband: the reset point 900 (limit 1000 − deadband 100) is not above the L limit 950 of 'T-L'",
      ]);
      assert.deepEqual(lines([{ ...H, limit: 1000, deadband: 5 }, { ...H, id: "T-L", level: "L", limit: 950, deadband: 60 }]), [
        "alarms[1].deadband: limit inside its own deadband: the reset point 1010 (limit 950 + deadband 60) is not below the H limit 1000 of 'T-H'",
      ]);
    });

    it("limit inside its own deadband: a deadband not smaller than the distance to the paired limit", () => {
      assert.deepEqual(lines([H, { ...H, id: "T-HH", level: "HH", limit: 1420, deadband: 20 }]), [
        "alarms[1].deadband: limit inside its own deadband: deadband 20 is not smaller than the distance 20 to the H limit 1400 of 'T-H'",
      ]);
      assert.deepEqual(
        lines([
          { ...H, id: "T-L", level: "L", limit: 400, deadband: 50 },
          { ...H, id: "T-LL", level: "LL", limit: 380, deadband: 5 },
        ]),
        ["alarms[0].deadband: limit inside its own deadband: deadband 50 is not smaller than the distance 20 to the LL limit 380 of 'T-LL'"],
      );
    });

    it("HH not above H, LL not below L", () => {
      assert.deepEqual(lines([H, { ...H, id: "T-HH", level: "HH", limit: 1400 }]), ["alarms[1].limit: HH limit 1400 is not above the H limit 1400 of 'T-H'"]);
      assert.deepEqual(
        lines([
          { ...H, id: "T-LL", level: "LL", limit: 300 },
          { ...H, id: "T-L", level: "L", limit: 290 },
        ]),
        ["alarms[0].limit: LL limit 300 is not below the L limit 290 of 'T-L'"],
      );
    });

    it("levels of different tags are not compared", () => {
      assert.deepEqual(lines([H, { ...H, id: "F-HH", tag: "htr.free", level: "HH", limit: 100 }]), []);
    });

    it("a deviation's deadband must be smaller than its band", () => {
      assert.deepEqual(lines([{ id: "D", kind: "deviation", tag: "htr.temp", band: 30, deadband: 30, station: "htr", priority: "low", message: "m" }]), [
        "alarms[0].deadband: deadband 30 is not smaller than the band 30: the alarm could never clear",
      ]);
    });
  });

  describe("timing", () => {
    it("an on- or off-delay shorter than the tag's update period", () => {
      assert.deepEqual(lines([{ ...H, onDelayMs: 50 }]), ["alarms[0].onDelayMs: on-delay 50 ms is shorter than the tag's update period 100 ms"]);
      assert.deepEqual(lines([{ ...H, offDelayMs: 99 }]), ["alarms[0].offDelayMs: off-delay 99 ms is shorter than the tag's update period 100 ms"]);
      assert.deepEqual(lines([{ ...H, onDelayMs: 100, offDelayMs: 0 }]), [], "zero, or the update period itself, is fine");
      assert.deepEqual(lines([{ id: "Q", kind: "quality", tag: "htr.temp", onDelayMs: 20, station: "htr", priority: "low", message: "m" }]), [
        "alarms[0].onDelayMs: on-delay 20 ms is shorter than the tag's update period 100 ms",
      ]);
    });

    it("a rate's zeroAfterMs must be longer than the update period", () => {
      assert.deepEqual(
        lines([{ id: "R", kind: "rate", tag: "htr.temp", maxRatePerS: 10, zeroAfterMs: 100, station: "htr", priority: "low", message: "m" }]),
        ["alarms[0].zeroAfterMs: zeroAfterMs 100 ms must be longer than the tag's update period 100 ms"],
      );
    });
  });

  describe("types", () => {
    it("deviation, rate and analog alarms need a numeric tag", () => {
      assert.deepEqual(
        lines([
          { id: "D", kind: "deviation", tag: "htr.flag", band: 3, deadband: 1, station: "htr", priority: "low", message: "m" },
          { id: "R", kind: "rate", tag: "htr.flag", maxRatePerS: 1, station: "htr", priority: "low", message: "m" },
          { ...H, tag: "htr.flag", limit: 1 },
        ]),
        [
          "alarms[0].tag: a deviation alarm needs a numeric tag; 'htr.flag' is bool",
          "alarms[1].tag: a rate alarm needs a numeric tag; 'htr.flag' is bool",
          "alarms[2].tag: an analog alarm needs a numeric tag; 'htr.flag' is bool",
        ],
      );
    });

    it("a discrete alarm's value must fit its tag", () => {
      const D = { id: "D", kind: "discrete", station: "htr", priority: "low", message: "m" };
      assert.deepEqual(lines([{ ...D, tag: "htr.code", alarmValue: true }]), ["alarms[0].alarmValue: tag 'htr.code' is uint16: alarmValue must be a number, not true"]);
      assert.deepEqual(lines([{ ...D, tag: "htr.flag", alarmValue: 1 }]), ["alarms[0].alarmValue: tag 'htr.flag' is bool: alarmValue must be true or false, not 1"]);
      assert.deepEqual(lines([{ ...D, tag: "htr.code", alarmValue: 7 }]), [
        "alarms[0].alarmValue: alarmValue 7 is outside the range of tag 'htr.code' (0 … 5): the alarm could never activate",
      ]);
    });
  });

  describe("schema", () => {
    it("applies the defaults", () => {
      const defs = alarmsFileSchema.parse({ alarms: [H] });
      assert.deepEqual(defs.settings, {
        floodThresholdPer10Min: 10,
        chatterActivationsPerMin: 3,
        staleAfterHours: 24,
        maxShelveMinutes: 480,
        spoolFillingFraction: 0.8,
      });
      const a = defs.alarms[0]!;
      assert.equal(a.onDelayMs, 0);
      assert.equal(a.offDelayMs, 0);
      assert.equal(a.latching, false);
      assert.deepEqual(a.suppressWhen, []);
    });

    it("refuses unknown keys, bad ids, unknown kinds and line states, missing fields", () => {
      const fails = (alarms: unknown[], settings?: unknown): boolean => !alarmsFileSchema.safeParse({ settings, alarms }).success;
      assert.ok(fails([{ ...H, colour: "red" }]), "unknown key");
      assert.ok(fails([{ ...H, id: "t-h" }]), "lower-case id");
      assert.ok(fails([{ ...H, id: "-TH" }]), "id starting with '-'");
      assert.ok(fails([{ ...H, kind: "vibes" }]), "unknown kind");
      assert.ok(fails([{ ...H, level: "HHH" }]), "unknown level");
      assert.ok(fails([{ ...H, suppressWhen: ["Sleeping"] }]), "unknown line state");
      assert.ok(fails([{ ...H, deadband: -1 }]), "negative deadband");
      assert.ok(fails([{ ...H, onDelayMs: 1.5 }]), "fractional delay");
      assert.ok(fails([{ id: "I", kind: "interlock", interlock: "X-1", station: "htr", priority: "low", message: "m" }]), "bad interlock id");
      assert.ok(fails([{ id: "I", kind: "interlock", station: "htr", priority: "low", message: "m" }]), "missing interlock");
      assert.ok(fails([{ ...H, limit: undefined }]), "missing limit");
      assert.ok(fails([{ ...H, band: 3 }]), "a deviation field on an analog alarm");
      assert.ok(fails([]), "no alarms");
      assert.ok(fails([H], { floodThreshold: 3 }), "unknown setting");
      assert.ok(!fails([H], {}));
    });
  });

  describe("the real plc-config/alarms.yaml", () => {
    const defs = alarmsFileSchema.parse(parse(readFileSync(join(root, "plc-config/alarms.yaml"), "utf8")));
    const config = loadConfigOrThrow(join(root, "plc-config"));

    it("has no problems against the real tags, interlocks, devices and stations", () => {
      const problems: Problem[] = checkAlarms(defs, config.tags, "alarms.yaml", {
        interlockIds: config.interlocks.interlocks.map((i) => i.id),
        plcTripInterlockIds: config.interlocks.interlocks.filter((i) => i.plcTrip).map((i) => i.id),
        deviceIds: config.devices.map((d) => d.id),
        stations: config.stations.map((s) => s.id),
      });
      assert.deepEqual(problems, []);
    });

    it("covers every interlock and every device, and the historian", () => {
      const interlocks = defs.alarms.flatMap((a) => (a.kind === "interlock" ? [a.interlock] : []));
      assert.deepEqual(interlocks, config.interlocks.interlocks.map((i) => i.id));
      const devices = defs.alarms.flatMap((a) => (a.kind === "comm" ? [a.device] : []));
      assert.deepEqual(devices.sort(), config.devices.map((d) => d.id).sort());
      const historian = defs.alarms.flatMap((a) => (a.kind === "historian" ? [a.condition] : []));
      assert.deepEqual(historian.sort(), ["offline", "spool-filling"]);
      // The alarm service keys unconfirmed PLC trips by interlock id: one alarm per hard trip.
      const plcTrips = defs.alarms.flatMap((a) => (a.kind === "plc-trip" ? [a.plcTripUnconfirmed] : []));
      assert.deepEqual(plcTrips, config.interlocks.interlocks.filter((i) => i.plcTrip).map((i) => i.id));
    });

    it("puts every analog limit inside its tag's range", () => {
      const tagByName = new Map(config.tags.map((t) => [t.name, t]));
      for (const a of defs.alarms) {
        if (a.kind !== "analog") continue;
        const range = tagByName.get(a.tag)?.range;
        assert.ok(range, `${a.id}: tag ${a.tag} has a range`);
        assert.ok(a.limit >= range.min && a.limit <= range.max, `${a.id}: ${a.limit} in ${range.min} … ${range.max}`);
      }
    });
  });
});
