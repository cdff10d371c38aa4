import assert from "node:assert/strict";
import { stepPhysics } from "../../../src/sim/plant-physics.js";
import { mulberry32 } from "../../../src/sim/sensor-noise.js";
import { HEATER_EFFICIENCY, SUPPLY_CURRENT_LIMIT_A, SUPPLY_MAX_POWER_W, webHeatLossW } from "../../../src/process/web-thermal-model.js";
import { DEFAULTS, initialPlantState, PLANT, type PlantState } from "../../../src/sim/plant-state.js";
import { PLC } from "../../../src/sim/plc-program.js";

const DT = 0.01;

/** The heater's power stage forced on at a fixed demand (the PLC is not run in these tests). */
function withPower(s: PlantState, powerCmd: number): PlantState {
  return { ...s, htr: { ...s.htr, heaterOn: true, powerCmd } };
}

function run(s: PlantState, seconds: number): PlantState {
  let out = s;
  for (let i = 0; i < Math.round(seconds / DT); i++) out = stepPhysics(out, DT);
  return out;
}

function runUntil(s: PlantState, maxS: number, done: (s: PlantState) => boolean): { s: PlantState; seconds: number } {
  let out = s;
  let steps = 0;
  while (!done(out)) {
    if (steps * DT > maxS) throw new Error(`not reached within ${maxS} s`);
    out = stepPhysics(out, DT);
    steps++;
  }
  return { s: out, seconds: steps * DT };
}

/** A web at peak with the gas knife blowing at its rated flow and the power off. */
function hotWeb(knife: boolean): PlantState {
  const s0 = initialPlantState(3);
  return {
    ...s0,
    physics: { ...s0.physics, webTempK: 1340, quenchGasFlowLpm: knife ? DEFAULTS.quenchGasFlowSpLpm : 0 },
    htr: { ...s0.htr, knifeOpen: knife, heaterOn: false, powerCmd: 0 },
  };
}

describe("sim/plant-physics", () => {
  describe("web temperature node", () => {
    it("heats at ≥ 10³ K/s at full power from room temperature", () => {
      const s0 = withPower(initialPlantState(1), 1);
      const s1 = run(s0, 0.1);
      const rate = (s1.physics.webTempK - PLANT.ambientK) / 0.1;
      assert.ok(rate >= 1000, `heating rate ${rate.toFixed(0)} K/s`);
      assert.ok(rate < 5000, `heating rate ${rate.toFixed(0)} K/s is implausibly high`);
    });

    it("at a fixed half power settles near peak — the loss balance that makes 1340 K a half-power point", () => {
      const lossW = webHeatLossW(1340, DEFAULTS.quenchGasFlowSpLpm, 0);
      const fraction = lossW / (HEATER_EFFICIENCY * SUPPLY_MAX_POWER_W);
      assert.ok(fraction > 0.3 && fraction < 0.7, `holding 1340 K takes ${(fraction * 100).toFixed(1)} % of max power`);
      let s = withPower({ ...initialPlantState(1), htr: { ...initialPlantState(1).htr, knifeOpen: true } }, fraction);
      s = run(s, 8);
      assert.ok(Math.abs(s.physics.webTempK - 1340) < 5, `settled at ${s.physics.webTempK.toFixed(1)} K`);
    });

    it("falls below 373 K within 5 s of power off with the quench on, and the knife is what makes it fast", () => {
      const quenched = runUntil(hotWeb(true), 5, (s) => s.physics.webTempK < 373);
      assert.ok(quenched.seconds <= 5, `${quenched.seconds} s`);
      const unquenched = runUntil(hotWeb(false), 60, (s) => s.physics.webTempK < 373);
      assert.ok(unquenched.seconds > quenched.seconds + 1, `${unquenched.seconds} s without vs ${quenched.seconds} s with knife`);
    });

    it("never heats without the power stage on", () => {
      const s = run({ ...initialPlantState(1), htr: { ...initialPlantState(1).htr, heaterOn: false, powerCmd: 1 } }, 1);
      assert.ok(Math.abs(s.physics.webTempK - PLANT.ambientK) < 0.01);
      assert.equal(s.physics.supplyPowerKw, 0);
    });

    it("keeps the radiator hotter than the web while heating", () => {
      const s = run(withPower(initialPlantState(1), 0.5), 2);
      assert.ok(s.physics.radiatorTempK > s.physics.webTempK + 100, `${s.physics.radiatorTempK} vs ${s.physics.webTempK}`);
    });
  });

  describe("DC supply", () => {
    it("gives V·I = P with the power limit", () => {
      const half = stepPhysics(withPower(initialPlantState(1), 0.5), DT).physics;
      assert.ok(Math.abs(half.supplyPowerKw - SUPPLY_MAX_POWER_W / 2000) < 1e-9, String(half.supplyPowerKw));
      assert.ok(Math.abs(half.supplyVoltageV * half.supplyCurrentA - half.supplyPowerKw * 1000) < 1e-6);
      const over = stepPhysics(withPower(initialPlantState(1), 3), DT).physics;
      assert.ok(over.supplyPowerKw <= SUPPLY_MAX_POWER_W / 1000 + 1e-9, String(over.supplyPowerKw));
      assert.ok(over.supplyCurrentA < PLC.overCurrentTripA, "full power stays below the over-current trip");
    });

    it("the over-current fault raises the current past the trip level, up to the supply's limit", () => {
      const s0 = withPower(initialPlantState(1), 0.5);
      const faulted = stepPhysics({ ...s0, faults: { ...s0.faults, overcurrent: true } }, DT).physics;
      assert.ok(faulted.supplyCurrentA > PLC.overCurrentTripA, String(faulted.supplyCurrentA));
      assert.ok(faulted.supplyCurrentA <= SUPPLY_CURRENT_LIMIT_A);
    });

    it("the e-stop chain cuts the supply whatever the PLC says", () => {
      const s0 = withPower(initialPlantState(1), 1);
      const s1 = stepPhysics({ ...s0, faults: { ...s0.faults, estop: true } }, DT);
      assert.equal(s1.physics.supplyPowerKw, 0);
      assert.equal(s1.physics.estopOk, false);
    });
  });

  describe("argon chamber", () => {
    it("purges from air below 50 ppm O₂ in a plausible time at the default flow, faster at a higher flow", () => {
      const s0 = initialPlantState(1);
      assert.equal(s0.physics.o2Ppm, PLANT.airO2Ppm);
      const slow = runUntil(s0, 300, (s) => s.physics.o2Ppm < 50).seconds;
      assert.ok(slow > 30 && slow < 120, `${slow} s at ${DEFAULTS.arFlowSpLpm} L/min`);
      const fast = runUntil({ ...s0, htr: { ...s0.htr, arFlowSpLpm: 60 } }, 300, (s) => s.physics.o2Ppm < 50).seconds;
      assert.ok(fast < slow * 0.7, `${fast} s at 60 L/min vs ${slow} s`);
    });

    it("an open door lets air back in", () => {
      const purged = runUntil(initialPlantState(1), 300, (s) => s.physics.o2Ppm < 20).s;
      const open = run({ ...purged, faults: { ...purged.faults, "door-open": true } }, 5);
      assert.ok(open.physics.o2Ppm > 10_000, String(open.physics.o2Ppm));
      assert.equal(open.physics.doorClosed, false);
    });

    it("the purge flow follows its setpoint through a lag and stops on argon loss", () => {
      const s1 = run(initialPlantState(1), 1);
      assert.ok(s1.physics.arFlowLpm > 15 && s1.physics.arFlowLpm < 25, String(s1.physics.arFlowLpm));
      const s2 = run(s1, 5);
      assert.ok(Math.abs(s2.physics.arFlowLpm - DEFAULTS.arFlowSpLpm) < 0.5);
      const lost = run({ ...s2, faults: { ...s2.faults, "argon-loss": true } }, 10);
      assert.ok(lost.physics.arFlowLpm < 0.01, String(lost.physics.arFlowLpm));
    });
  });

  describe("quench", () => {
    it("gas and coolant flows follow their valves and setpoints; coolant loss drops the coolant flow", () => {
      const s0 = initialPlantState(1);
      const on = run({ ...s0, htr: { ...s0.htr, knifeOpen: true, quenchGasFlowSpLpm: 200 } }, 3);
      assert.ok(Math.abs(on.physics.quenchGasFlowLpm - 200) < 1, String(on.physics.quenchGasFlowLpm));
      assert.ok(on.physics.coolantFlowLpm > 15, String(on.physics.coolantFlowLpm));
      const lost = run({ ...on, faults: { ...on.faults, "coolant-loss": true } }, 8);
      assert.ok(lost.physics.coolantFlowLpm < 0.01);
    });

    it("the coolant warms up while the radiator runs, more so without flow", () => {
      const s0 = withPower(initialPlantState(1), 0.5);
      const cooled = run(s0, 30);
      const uncooled = run({ ...s0, faults: { ...s0.faults, "coolant-loss": true } }, 30);
      assert.ok(cooled.physics.coolantTempK > s0.physics.coolantTempK, String(cooled.physics.coolantTempK));
      assert.ok(uncooled.physics.coolantTempK > cooled.physics.coolantTempK + 1);
    });
  });

  describe("sensor noise", () => {
    it("is deterministic for a seed and differs between seeds", () => {
      const a = run(initialPlantState(42), 1);
      const b = run(initialPlantState(42), 1);
      const c = run(initialPlantState(43), 1);
      assert.deepEqual(a, b);
      assert.notEqual(a.sensors.webTempK, c.sensors.webTempK);
      assert.ok(Math.abs(a.sensors.webTempK - a.physics.webTempK) < 2, "pyrometer noise is small");
    });

    it("mulberry32 gives uniform numbers in [0, 1)", () => {
      let state = 7;
      let sum = 0;
      for (let i = 0; i < 10_000; i++) {
        const [u, next] = mulberry32(state);
        assert.ok(u >= 0 && u < 1);
        sum += u;
        state = next;
      }
      assert.ok(Math.abs(sum / 10_000 - 0.5) < 0.02);
    });
  });
});
