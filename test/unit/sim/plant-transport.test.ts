import assert from "node:assert/strict";
import { FEED } from "../../../src/sim/precursor-feed.js";
import { DEFAULTS, PLANT } from "../../../src/sim/plant-state.js";
import { flag, newPlant, num, set, stepUntil } from "./plant-test-helpers.js";

const SPEED_SP = DEFAULTS.webSpeedSpMpm;

describe("sim web transport, feed and rinse", () => {
  describe("web drives", () => {
    it("speed follows its setpoint through a first-order lag and stops when the drives stop", () => {
      const plant = newPlant(1);
      assert.equal(num(plant, "feed.web_speed"), 0);
      set(plant, "feed.drives_run", true);
      plant.advance(510); // one scan for the PLC to start the drives, then one time constant
      const early = num(plant, "feed.web_speed") / SPEED_SP;
      assert.ok(early > 0.55 && early < 0.72, `after one time constant: ${(early * 100).toFixed(0)} %`);
      assert.equal(flag(plant, "feed.drives_running"), true);
      plant.advance(3000);
      assert.ok(Math.abs(num(plant, "feed.web_speed") - SPEED_SP) < 0.01 * SPEED_SP);
      set(plant, "feed.web_speed_sp", 5);
      plant.advance(4000);
      assert.ok(Math.abs(num(plant, "feed.web_speed") - 5) < 0.05);
      set(plant, "feed.drives_run", false);
      plant.step();
      assert.equal(flag(plant, "feed.drives_running"), false);
      stepUntil(plant, "web stopped", 10_000, () => num(plant, "feed.web_speed") === 0);
    });

    it("the encoder integrates the speed into metres of web, and the rewinder roll grows with it", () => {
      const plant = newPlant(1);
      set(plant, "feed.drives_run", true);
      plant.advance(5000);
      const p0 = num(plant, "feed.encoder_pos");
      const r0 = num(plant, "rinse.roll_length");
      plant.advance(60_000);
      const moved = num(plant, "feed.encoder_pos") - p0;
      assert.ok(Math.abs(moved - SPEED_SP) < 0.003, `moved ${moved} m in a minute at ${SPEED_SP} m/min`);
      assert.ok(Math.abs(num(plant, "rinse.roll_length") - r0 - moved) < 0.002);
    });

    it("tension holds its setpoint while running, dips but stays up on acceleration, and follows a new setpoint", () => {
      const plant = newPlant(1);
      set(plant, "feed.web_speed_sp", 10);
      set(plant, "feed.drives_run", true);
      let min = Number.POSITIVE_INFINITY;
      for (let i = 0; i < 300; i++) {
        plant.step();
        min = Math.min(min, num(plant, "feed.web_tension"));
      }
      assert.ok(min < DEFAULTS.tensionSpN - 1, `no dip on acceleration (min ${min.toFixed(2)} N)`);
      assert.ok(min > DEFAULTS.tensionSpN / 2, `dip to ${min.toFixed(2)} N is too deep`);
      plant.advance(3000);
      assert.ok(Math.abs(num(plant, "feed.web_tension") - DEFAULTS.tensionSpN) < 1.5);
      assert.ok(num(plant, "rinse.rewind_tension") > num(plant, "feed.web_tension") - 1.5);
      set(plant, "feed.tension_sp", 120);
      plant.advance(2000);
      assert.ok(Math.abs(num(plant, "feed.web_tension") - 120) < 1.5);
    });

    it("pulse-mode index moves the web index_length_sp and stops; the PLC clears the command", () => {
      const plant = newPlant(1);
      set(plant, "feed.index_length_sp", 0.3);
      const p0 = num(plant, "feed.encoder_pos");
      set(plant, "feed.index_cmd", true);
      plant.step();
      assert.equal(flag(plant, "feed.index_cmd"), false);
      assert.equal(flag(plant, "feed.indexing"), true);
      assert.equal(flag(plant, "feed.drives_running"), true);
      const ms = stepUntil(plant, "index done", 20_000, () => !flag(plant, "feed.indexing"));
      assert.ok(ms > 1000 && ms < 10_000, `index took ${ms} ms`);
      assert.equal(num(plant, "feed.web_speed"), 0);
      assert.ok(Math.abs(num(plant, "feed.encoder_pos") - p0 - 0.3) <= 0.001, `moved ${num(plant, "feed.encoder_pos") - p0} m`);
      plant.advance(1000);
      assert.ok(Math.abs(num(plant, "feed.encoder_pos") - p0 - 0.3) <= 0.001, "and stays there");
      // A second index of another length.
      set(plant, "feed.index_length_sp", 0.15);
      set(plant, "feed.index_cmd", true);
      plant.step();
      stepUntil(plant, "second index done", 20_000, () => !flag(plant, "feed.indexing"));
      assert.ok(Math.abs(num(plant, "feed.encoder_pos") - p0 - 0.45) <= 0.001);
    });

    it("an index command is refused while the drives run continuously", () => {
      const plant = newPlant(1);
      set(plant, "feed.drives_run", true);
      plant.advance(100);
      set(plant, "feed.index_cmd", true);
      plant.step();
      assert.equal(flag(plant, "feed.index_cmd"), false);
      assert.equal(flag(plant, "feed.indexing"), false);
    });
  });

  describe("feed", () => {
    it("the doser runs only with the drives running", () => {
      const plant = newPlant(1);
      set(plant, "feed.doser_on", true);
      plant.advance(3000);
      assert.equal(num(plant, "feed.doser_rate"), 0);
      assert.equal(num(plant, "feed.areal_loading"), 0, "no loading with the web stopped");
      set(plant, "feed.drives_run", true);
      plant.advance(3000);
      assert.ok(Math.abs(num(plant, "feed.doser_rate") - DEFAULTS.doserRateSpGpm) < 0.5);
    });

    it("the hopper level falls with the doser rate", () => {
      const plant = newPlant(1);
      set(plant, "feed.drives_run", true);
      set(plant, "feed.doser_on", true);
      set(plant, "feed.doser_rate_sp", 100);
      plant.advance(5000);
      const l0 = num(plant, "feed.hopper_level");
      plant.advance(60_000);
      const dropPct = l0 - num(plant, "feed.hopper_level");
      const expected = (100 / FEED.hopperCapacityG) * 100; // 100 g in a minute
      assert.ok(Math.abs(dropPct - expected) < 0.02 * expected, `dropped ${dropPct} %, expected ${expected} %`);
    });

    it("areal loading = doser rate / (speed × width), in mg/cm²", () => {
      const plant = newPlant(1);
      set(plant, "feed.drives_run", true);
      set(plant, "feed.doser_on", true);
      plant.advance(5000);
      const expected = (0.1 * DEFAULTS.doserRateSpGpm) / (SPEED_SP * PLANT.webWidthM); // 1 g/m² = 0.1 mg/cm²
      assert.ok(Math.abs(num(plant, "feed.areal_loading") - expected) < 0.02, `${num(plant, "feed.areal_loading")} vs ${expected}`);
      assert.ok(expected > 2.5 && expected < 3.5, "the default feed gives ≈ 3 mg/cm²");
      set(plant, "feed.web_speed_sp", 2 * SPEED_SP);
      plant.advance(5000);
      assert.ok(Math.abs(num(plant, "feed.areal_loading") - expected / 2) < 0.02, "twice the speed, half the loading");
    });
  });

  describe("rinse", () => {
    it("NaCl arrives with the dosed web: conductivity stays at DI water until then, rises, and falls with more water", () => {
      const plant = newPlant(1);
      set(plant, "rinse.pump_on", true);
      set(plant, "feed.drives_run", true);
      set(plant, "feed.doser_on", true);
      // The doser (0.5 m) is 2.0 m of web before the rinse (2.5 m): ≈ 47 s at the continuous speed.
      plant.advance(40_000);
      assert.ok(num(plant, "rinse.conductivity") < 5, `conductivity ${num(plant, "rinse.conductivity")} before the salt arrives`);
      plant.advance(30_000);
      assert.ok(num(plant, "rinse.conductivity") > 50, `conductivity ${num(plant, "rinse.conductivity")} after it arrives`);
      plant.advance(600_000);
      const steady = num(plant, "rinse.conductivity");
      assert.ok(steady > 500 && steady < 5000, `steady conductivity ${steady}`);
      assert.ok(Math.abs(num(plant, "rinse.tank_level") - 62) < 1, `tank level ${num(plant, "rinse.tank_level")}`);
      set(plant, "rinse.water_flow_sp", 40);
      plant.advance(600_000);
      const diluted = num(plant, "rinse.conductivity");
      assert.ok(diluted < steady * 0.65, `${diluted} with twice the water vs ${steady}`);
      assert.ok(Math.abs(num(plant, "rinse.water_flow") - 40) < 0.5);
    });

    it("with the doser off the conductivity washes back out", () => {
      const plant = newPlant(1);
      set(plant, "rinse.pump_on", true);
      set(plant, "feed.drives_run", true);
      set(plant, "feed.doser_on", true);
      plant.advance(300_000);
      const salty = num(plant, "rinse.conductivity");
      set(plant, "feed.doser_on", false);
      plant.advance(600_000);
      assert.ok(num(plant, "rinse.conductivity") < salty / 5, `${num(plant, "rinse.conductivity")} vs ${salty}`);
    });

    it("the dryer heats toward its setpoint when on and the pump reports running", () => {
      const plant = newPlant(1);
      set(plant, "rinse.dryer_on", true);
      set(plant, "rinse.pump_on", true);
      plant.advance(120_000);
      assert.ok(Math.abs(num(plant, "rinse.dryer_temp") - DEFAULTS.dryerTempSpK) < 2);
      assert.equal(flag(plant, "rinse.pump_running"), true);
      assert.ok(Math.abs(num(plant, "rinse.water_temp") - 293) < 3);
      set(plant, "rinse.dryer_on", false);
      plant.advance(120_000);
      assert.ok(num(plant, "rinse.dryer_temp") < DEFAULTS.dryerTempSpK - 50);
    });
  });
});
