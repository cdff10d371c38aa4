import assert from "node:assert/strict";
import { ScadaError } from "../../../src/core/errors.js";
import type { TagConfig } from "../../../src/tags/tag-schema.js";
import { PLANT_TAG_MAP } from "../../../src/sim/plant-tag-map.js";
import { VirtualPlant, plantTagProblems } from "../../../src/sim/virtual-plant.js";
import { newPlant, num, realConfig, readyToHeat, set } from "./plant-test-helpers.js";

const INTEGER_TYPES = new Set(["int16", "uint16", "int32", "uint32"]);

/** A valid value to write to a writable tag (different from the default where the range allows). */
function validValue(tag: TagConfig, current: number | boolean): number | boolean {
  if (tag.type === "bool") return !current;
  if (tag.range === undefined) return INTEGER_TYPES.has(tag.type) ? 4242 : 12.5;
  const mid = (tag.range.min + tag.range.max) / 2;
  return INTEGER_TYPES.has(tag.type) ? Math.round(mid) : mid;
}

function tagNamed(name: string): TagConfig {
  const tag = realConfig().tags.find((t) => t.name === name);
  if (!tag) throw new Error(`no tag ${name} in plc-config`);
  return tag;
}

function checkReadable(plant: VirtualPlant, when: string): void {
  for (const tag of realConfig().tags) {
    const pv = plant.read(tag.name);
    assert.ok(pv !== undefined, `${when}: ${tag.name} is not readable`);
    if (tag.type === "bool") {
      assert.equal(typeof pv.value, "boolean", `${when}: ${tag.name}`);
      continue;
    }
    assert.equal(typeof pv.value, "number", `${when}: ${tag.name}`);
    const v = pv.value as number;
    assert.ok(Number.isFinite(v), `${when}: ${tag.name} = ${v}`);
    if (INTEGER_TYPES.has(tag.type) && tag.scaling === undefined) assert.ok(Number.isInteger(v), `${when}: ${tag.name} = ${v} is not whole`);
    if (tag.range) assert.ok(v >= tag.range.min && v <= tag.range.max, `${when}: ${tag.name} = ${v} outside ${JSON.stringify(tag.range)}`);
  }
}

describe("sim/virtual-plant", () => {
  describe("the real plc-config", () => {
    it("maps every config tag to a plant variable (nothing missing, types and writability agree)", () => {
      assert.deepEqual(plantTagProblems(realConfig().tags), []);
    });

    it("every tag is readable with a value of its type inside its range, at rest and while running", () => {
      const plant = newPlant(1);
      checkReadable(plant, "at rest");
      readyToHeat(plant);
      set(plant, "feed.drives_run", true);
      set(plant, "feed.doser_on", true);
      set(plant, "rinse.pump_on", true);
      set(plant, "rinse.dryer_on", true);
      set(plant, "htr.heater_enable", true);
      set(plant, "htr.pulse_start", true);
      for (let i = 0; i < 16; i++) {
        plant.advance(1000);
        checkReadable(plant, `running, t = ${plant.timeMs} ms`);
      }
    });

    it("every writable tag takes a valid value and reads it back", () => {
      for (const tag of realConfig().tags.filter((t) => t.writable)) {
        const plant = newPlant(1);
        const before = plant.read(tag.name)?.value;
        assert.ok(before !== undefined);
        const value = validValue(tag, before);
        assert.equal(plant.write(tag.name, value), true, `${tag.name} = ${String(value)} refused`);
        assert.equal(plant.read(tag.name)?.value, value, tag.name);
      }
    });

    it("every read-only tag refuses writes and keeps its value", () => {
      const plant = newPlant(1);
      const readOnly = realConfig().tags.filter((t) => !t.writable);
      assert.ok(readOnly.length > 20);
      for (const tag of readOnly) {
        const before = plant.read(tag.name);
        assert.ok(before !== undefined);
        const attempt = typeof before.value === "boolean" ? !before.value : before.value + 1;
        assert.equal(plant.write(tag.name, attempt), false, `${tag.name} accepted a write`);
        assert.deepEqual(plant.read(tag.name), before, tag.name);
      }
    });
  });

  describe("writes", () => {
    it("refuses unknown names, wrong types, non-finite numbers, out-of-range and fractional integers", () => {
      const plant = newPlant(1);
      assert.equal(plant.read("htr.no_such_tag"), undefined);
      assert.equal(plant.write("htr.no_such_tag", 1), false);
      assert.equal(plant.write("htr.peak_sp", true), false, "bool to a number");
      assert.equal(plant.write("htr.heater_enable", 1), false, "number to a bool");
      assert.equal(plant.write("htr.peak_sp", Number.NaN), false);
      assert.equal(plant.write("htr.peak_sp", Number.POSITIVE_INFINITY), false);
      assert.equal(plant.write("htr.peak_sp", 1451), false, "above the range");
      assert.equal(plant.write("htr.mode", 2), false, "mode 2 does not exist");
      assert.equal(plant.write("htr.mode", 0.5), false, "fraction for uint16");
      assert.equal(plant.write("feed.lot_id", 2 ** 32), false, "beyond uint32");
      assert.equal(plant.write("feed.lot_id", -1), false, "negative uint32");
      assert.equal(num(plant, "htr.peak_sp"), 1340);
      assert.equal(num(plant, "htr.mode"), 0);
      assert.equal(plant.write("feed.lot_id", 2 ** 32 - 1), true);
      assert.equal(plant.write("htr.mode", 1), true);
    });

    it("serves only the tags of its config", () => {
      const htrOnly = realConfig().tags.filter((t) => t.device === "htr-plc");
      const plant = new VirtualPlant(htrOnly, 1);
      assert.ok(plant.read("htr.web_temp") !== undefined);
      assert.equal(plant.read("feed.web_speed"), undefined);
      assert.equal(plant.write("feed.drives_run", true), false);
    });
  });

  describe("construction check", () => {
    it("throws, listing them, when config tags have no plant variable", () => {
      const extra = [
        ...realConfig().tags,
        { ...tagNamed("htr.web_temp"), name: "htr.flux_capacitor" },
        { ...tagNamed("feed.web_speed"), name: "feed.warp_speed" },
      ];
      assert.throws(
        () => new VirtualPlant(extra, 1),
        (e: unknown) =>
          e instanceof ScadaError && e.code === "SCADA_ERR_CONFIG_INVALID" && /htr\.flux_capacitor/.test(e.message) && /feed\.warp_speed/.test(e.message),
      );
    });

    it("throws when a tag's type or writability disagrees with the plant", () => {
      const asBool = realConfig().tags.map((t) => (t.name === "htr.web_temp" ? { ...t, type: "bool" as const } : t));
      assert.throws(() => new VirtualPlant(asBool, 1), /htr\.web_temp: config type bool/);
      const writableReading = realConfig().tags.map((t) => (t.name === "htr.o2" ? { ...t, writable: true } : t));
      assert.throws(() => new VirtualPlant(writableReading, 1), /htr\.o2: writable in the config, read-only in the plant/);
    });

    it("the plant offers no variable the config does not know (the map and the config agree both ways)", () => {
      const configNames = new Set(realConfig().tags.map((t) => t.name));
      assert.deepEqual([...PLANT_TAG_MAP.keys()].filter((n) => !configNames.has(n)), []);
    });
  });

  describe("stepping", () => {
    it("advances exactly 10 ms per step and notifies scan listeners once per step", () => {
      const plant = newPlant(1);
      let calls = 0;
      const off = plant.onScan(() => calls++);
      plant.step();
      plant.step();
      assert.equal(plant.timeMs, 20);
      assert.equal(calls, 2);
      off();
      plant.step();
      assert.equal(calls, 2);
      assert.equal(plant.timeMs, 30);
    });

    it("a throwing listener does not stop the others, and its error surfaces after the scan", () => {
      const plant = newPlant(1);
      let later = 0;
      plant.onScan(() => {
        throw new Error("listener broke");
      });
      plant.onScan(() => later++);
      assert.throws(() => plant.step(), /listener broke/);
      assert.equal(later, 1);
      assert.equal(plant.timeMs, 10);
    });

    it("is deterministic: same seed and inputs give identical states; another seed differs", () => {
      const script = (plant: VirtualPlant): void => {
        readyToHeat(plant);
        set(plant, "feed.drives_run", true);
        set(plant, "feed.doser_on", true);
        set(plant, "htr.heater_enable", true);
        set(plant, "htr.pulse_start", true);
        plant.advance(5000);
        plant.setFault("web-break", true);
        plant.advance(1000);
      };
      const a = newPlant(7);
      const b = newPlant(7);
      const c = newPlant(8);
      script(a);
      script(b);
      script(c);
      assert.equal(a.timeMs, b.timeMs);
      assert.deepEqual(a.state, b.state);
      assert.notDeepEqual(a.state.sensors, c.state.sensors);
    });
  });
});
