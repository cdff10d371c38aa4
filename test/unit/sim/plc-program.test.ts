import assert from "node:assert/strict";
import { MODE, PHASE, PROFILE_CONTROL } from "../../../src/process/profile-controller.js";
import { SUPPLY_MAX_POWER_W } from "../../../src/process/web-thermal-model.js";
import { FIRST_OUT, type PlantState, TRIP_BIT, initialPlantState } from "../../../src/sim/plant-state.js";
import type { VirtualPlant } from "../../../src/sim/virtual-plant.js";
import { flag, newPlant, num, readyToHeat, set, stepUntil } from "./plant-test-helpers.js";

const MAX_POWER_KW = SUPPLY_MAX_POWER_W / 1000;
const PEAK_K = 1340;
const TOL_K = 15;

interface PulseTrace {
  readonly tMs: number[];
  readonly webTemp: number[];
  readonly phase: number[];
  readonly heaterOn: boolean[];
  readonly powerKw: number[];
}

/** Starts one pulse on a ready plant and records every scan for `ms`; t = 0 is the scan that saw pulse_start. */
function runPulse(plant: VirtualPlant, ms: number): PulseTrace {
  set(plant, "htr.heater_enable", true);
  set(plant, "htr.pulse_start", true);
  const t0 = plant.timeMs;
  const trace: PulseTrace = { tMs: [], webTemp: [], phase: [], heaterOn: [], powerKw: [] };
  for (let i = 0; i < ms / 10; i++) {
    plant.step();
    trace.tMs.push(plant.timeMs - t0 - 10);
    trace.webTemp.push(num(plant, "htr.web_temp"));
    trace.phase.push(num(plant, "htr.profile_phase"));
    trace.heaterOn.push(flag(plant, "htr.heater_on"));
    trace.powerKw.push(num(plant, "htr.supply_power"));
  }
  return trace;
}

function at<T>(arr: readonly T[], i: number): T {
  const v = arr[i];
  if (v === undefined) throw new Error(`no sample ${i}`);
  return v;
}

/** The profile figures of PROCESS.md, measured on a trace. */
function profileFigures(tr: PulseTrace): { toPeakS: number; withinS: number; coolS: number; maxK: number; holdPowerFraction: number } {
  const reach = tr.webTemp.findIndex((t) => t >= PEAK_K - TOL_K);
  assert.ok(reach >= 0, "never reached peak − tolerance");
  let leave = reach;
  while (leave < tr.webTemp.length && Math.abs(at(tr.webTemp, leave) - PEAK_K) <= TOL_K) leave++;
  const off = tr.heaterOn.findIndex((on, i) => i > reach && !on);
  assert.ok(off > 0, "power never went off");
  const cold = tr.webTemp.findIndex((t, i) => i > off && t < 373);
  assert.ok(cold > 0, "never cooled below 373 K");
  const holdPower = tr.powerKw.filter((_, i) => at(tr.phase, i) === PHASE.hold && at(tr.tMs, i) > at(tr.tMs, reach) + 500);
  return {
    toPeakS: at(tr.tMs, reach) / 1000,
    withinS: (at(tr.tMs, leave) - at(tr.tMs, reach)) / 1000,
    coolS: (at(tr.tMs, cold) - at(tr.tMs, off)) / 1000,
    maxK: Math.max(...tr.webTemp),
    holdPowerFraction: holdPower.reduce((a, b) => a + b, 0) / holdPower.length / MAX_POWER_KW,
  };
}

/** A plant running hot in continuous mode, at `webK`, with the power stage full on (the state a runaway leaves). */
function runawayState(webK: number): PlantState {
  const s = initialPlantState(5);
  return {
    ...s,
    physics: { ...s.physics, webTempK: webK, o2Ppm: 5, arFlowLpm: 30, coolantFlowLpm: 20 },
    sensors: { ...s.sensors, webTempK: webK, o2Ppm: 5, arFlowLpm: 30, coolantFlowLpm: 20 },
    htr: {
      ...s.htr,
      mode: MODE.continuous,
      activeMode: MODE.continuous,
      heaterEnable: true,
      heaterOn: true,
      phase: PHASE.atTemperature,
      peakSpK: 1450,
      setpointK: 1450,
      powerCmd: 1,
      piIntegral: 1,
    },
  };
}

describe("sim/plc-program (through the virtual plant)", () => {
  describe("pulse mode, default BiSb profile", () => {
    let trace: PulseTrace;
    let plant: VirtualPlant;
    before(() => {
      plant = newPlant(1);
      readyToHeat(plant);
      trace = runPulse(plant, 20_000);
    });

    it("reaches 1340 ± 15 K within 3.0 ± 0.3 s of pulse start", () => {
      const f = profileFigures(trace);
      assert.ok(Math.abs(f.toPeakS - 3.0) <= 0.3, `time to peak ${f.toPeakS} s`);
      assert.ok(f.maxK <= PEAK_K + TOL_K, `overshoot to ${f.maxK.toFixed(1)} K`);
    });

    it("stays within tolerance for 7.0 ± 0.2 s", () => {
      const f = profileFigures(trace);
      assert.ok(Math.abs(f.withinS - 7.0) <= 0.2, `within tolerance for ${f.withinS} s`);
    });

    it("falls below 373 K within 5 s of power off", () => {
      const f = profileFigures(trace);
      assert.ok(f.coolS <= 5.0, `cooled below 373 K in ${f.coolS} s`);
    });

    it("holds peak at roughly half of the supply's maximum power", () => {
      const f = profileFigures(trace);
      assert.ok(f.holdPowerFraction > 0.3 && f.holdPowerFraction < 0.7, `hold power ${(f.holdPowerFraction * 100).toFixed(1)} %`);
    });

    it("runs the phases ramp → hold → cool → off on the set times, and counts the pulse", () => {
      const firstIn = (p: number): number => at(trace.tMs, trace.phase.indexOf(p));
      assert.equal(at(trace.phase, 0), PHASE.ramp);
      assert.equal(firstIn(PHASE.hold), 3000);
      assert.equal(firstIn(PHASE.cool), 10_000);
      assert.equal(firstIn(PHASE.off), 15_000);
      assert.equal(trace.heaterOn.filter((on, i) => on !== (at(trace.phase, i) === PHASE.ramp || at(trace.phase, i) === PHASE.hold)).length, 0);
      assert.equal(num(plant, "htr.pulse_count"), 1);
      assert.equal(flag(plant, "htr.pulse_start"), false, "the PLC clears pulse_start");
      assert.equal(num(plant, "htr.trip_word"), 0);
    });

    it("opens the gas knife by itself in the cool phase", () => {
      const p = newPlant(1);
      stepUntil(p, "purged", 200_000, () => num(p, "htr.o2") < 45);
      const tr = runPulse(p, 11_000); // quench.gas_on left off by the SCADA
      assert.equal(at(tr.phase, tr.phase.length - 1), PHASE.cool);
      assert.ok(num(p, "quench.gas_flow") > 50, `knife flow ${num(p, "quench.gas_flow")}`);
    });
  });

  describe("pulse start conditions", () => {
    it("refuses to heat above the 50 ppm O₂ permissive (and consumes the command)", () => {
      const plant = newPlant(1);
      stepUntil(plant, "O₂ between 50 and 1000 ppm", 200_000, () => num(plant, "htr.o2") < 900);
      assert.ok(num(plant, "htr.o2") >= 50);
      set(plant, "quench.gas_on", true);
      set(plant, "htr.heater_enable", true);
      set(plant, "htr.pulse_start", true);
      plant.advance(100);
      assert.equal(flag(plant, "htr.heater_on"), false);
      assert.equal(num(plant, "htr.profile_phase"), PHASE.off);
      assert.equal(flag(plant, "htr.pulse_start"), false);
      assert.equal(num(plant, "htr.supply_power"), 0);
    });

    it("needs heater_enable", () => {
      const plant = newPlant(1);
      readyToHeat(plant);
      set(plant, "htr.pulse_start", true);
      plant.advance(100);
      assert.equal(num(plant, "htr.profile_phase"), PHASE.off);
    });

    it("needs the quench ready (coolant flowing)", () => {
      const plant = newPlant(1);
      set(plant, "quench.coolant_on", false);
      readyToHeat(plant);
      set(plant, "htr.heater_enable", true);
      set(plant, "htr.pulse_start", true);
      plant.advance(100);
      assert.equal(num(plant, "htr.profile_phase"), PHASE.off);
      set(plant, "quench.coolant_on", true);
      plant.advance(3000);
      set(plant, "htr.pulse_start", true);
      plant.advance(20);
      assert.equal(num(plant, "htr.profile_phase"), PHASE.ramp);
    });

    it("aborts into cool when heater_enable drops mid-pulse, and does not count the pulse", () => {
      const plant = newPlant(1);
      readyToHeat(plant);
      runPulse(plant, 5000);
      assert.equal(num(plant, "htr.profile_phase"), PHASE.hold);
      set(plant, "htr.heater_enable", false);
      plant.step();
      assert.equal(num(plant, "htr.profile_phase"), PHASE.cool);
      assert.equal(flag(plant, "htr.heater_on"), false);
      plant.advance(6000);
      assert.equal(num(plant, "htr.profile_phase"), PHASE.off);
      assert.equal(num(plant, "htr.pulse_count"), 0);
    });
  });

  describe("continuous mode", () => {
    it("ramps to peak and holds it within tolerance while heater_enable, then cools and stops", () => {
      const plant = newPlant(2);
      readyToHeat(plant);
      set(plant, "htr.mode", MODE.continuous);
      set(plant, "feed.drives_run", true);
      set(plant, "htr.heater_enable", true);
      plant.advance(3500);
      assert.equal(num(plant, "htr.profile_phase"), PHASE.atTemperature);
      let worst = 0;
      for (let i = 0; i < 3000; i++) {
        plant.step();
        worst = Math.max(worst, Math.abs(num(plant, "htr.web_temp") - PEAK_K));
        assert.equal(num(plant, "htr.profile_phase"), PHASE.atTemperature);
      }
      assert.ok(worst <= TOL_K, `worst deviation ${worst.toFixed(1)} K over 30 s`);
      assert.ok(num(plant, "feed.web_speed") > 2.5, "the web moves through the zone");
      set(plant, "htr.heater_enable", false);
      plant.step();
      assert.equal(num(plant, "htr.profile_phase"), PHASE.cool);
      assert.equal(flag(plant, "htr.heater_on"), false);
      plant.advance(5000);
      assert.equal(num(plant, "htr.profile_phase"), PHASE.off);
      assert.ok(num(plant, "htr.web_temp") < 373);
      assert.equal(num(plant, "htr.pulse_count"), 0, "continuous running is not a pulse");
    });
  });

  describe("hard trips", () => {
    it("over-temperature trips within the scan that sees it: heater off, bit 0, first-out 1", () => {
      const plant = newPlant(5, runawayState(1490));
      let tripScan = -1;
      for (let i = 0; i < 10 && tripScan < 0; i++) {
        plant.step();
        if (num(plant, "htr.web_temp") > PROFILE_CONTROL.overTempTripK) tripScan = i;
      }
      assert.ok(tripScan >= 0, "the web never went over 1500 K");
      assert.equal(flag(plant, "htr.heater_on"), false, "power is cut in the same scan");
      assert.equal(num(plant, "htr.trip_word") & TRIP_BIT.overTemp, TRIP_BIT.overTemp);
      assert.equal(num(plant, "htr.first_out"), FIRST_OUT.overTemp);
      assert.equal(flag(plant, "htr.heater_enable"), false, "a trip drops the heater-enable request");
      plant.step();
      assert.equal(num(plant, "htr.supply_power"), 0, "no power in the next physics step");
    });

    it("keeps the first first-out, and resets only the trips whose cause is gone", () => {
      const plant = newPlant(5, runawayState(1490));
      stepUntil(plant, "over-temp trip", 200, () => num(plant, "htr.trip_word") !== 0);
      // Hold the over-temperature cause: the pyrometer keeps reading > 1500 K.
      plant.setFault("pyrometer-frozen", true);
      plant.setFault("door-open", true);
      plant.step();
      assert.equal(num(plant, "htr.trip_word"), TRIP_BIT.overTemp | TRIP_BIT.door);
      assert.equal(num(plant, "htr.first_out"), FIRST_OUT.overTemp, "a second cause does not change first-out");

      set(plant, "htr.trip_reset", true);
      plant.step();
      assert.equal(flag(plant, "htr.trip_reset"), false, "the PLC clears the reset command");
      assert.equal(num(plant, "htr.trip_word"), TRIP_BIT.overTemp | TRIP_BIT.door, "causes persist: nothing resets");

      plant.setFault("pyrometer-frozen", false);
      plant.step();
      assert.ok(num(plant, "htr.web_temp") < PROFILE_CONTROL.overTempTripK);
      set(plant, "htr.trip_reset", true);
      plant.step();
      assert.equal(num(plant, "htr.trip_word"), TRIP_BIT.door, "over-temp resets, the open door does not");
      assert.equal(num(plant, "htr.first_out"), FIRST_OUT.overTemp);

      plant.setFault("door-open", false);
      plant.step();
      assert.equal(num(plant, "htr.trip_word"), TRIP_BIT.door, "still latched until a reset");
      set(plant, "htr.trip_reset", true);
      plant.step();
      assert.equal(num(plant, "htr.trip_word"), 0);
      assert.equal(num(plant, "htr.first_out"), FIRST_OUT.none);
    });

    it("first-out is the first trip in time, not the lowest code", () => {
      const plant = newPlant(1);
      readyToHeat(plant);
      set(plant, "htr.heater_enable", true);
      set(plant, "htr.pulse_start", true);
      plant.advance(4000);
      plant.setFault("overcurrent", true);
      stepUntil(plant, "over-current trip", 100, () => num(plant, "htr.trip_word") !== 0);
      assert.equal(num(plant, "htr.first_out"), FIRST_OUT.overCurrent);
      plant.setFault("door-open", true);
      plant.setFault("estop", true);
      plant.step();
      assert.equal(num(plant, "htr.trip_word"), TRIP_BIT.overCurrent | TRIP_BIT.door | TRIP_BIT.estop);
      assert.equal(num(plant, "htr.first_out"), FIRST_OUT.overCurrent);
    });

    it("a latched trip blocks the next pulse until reset", () => {
      const plant = newPlant(1);
      readyToHeat(plant);
      plant.setFault("door-open", true);
      plant.step();
      plant.setFault("door-open", false);
      stepUntil(plant, "re-purged", 200_000, () => num(plant, "htr.o2") < 45);
      set(plant, "htr.heater_enable", true);
      set(plant, "htr.pulse_start", true);
      plant.advance(50);
      assert.equal(num(plant, "htr.profile_phase"), PHASE.off);
      set(plant, "htr.trip_reset", true);
      plant.step();
      assert.equal(num(plant, "htr.trip_word"), 0);
      set(plant, "htr.pulse_start", true);
      plant.step();
      assert.equal(num(plant, "htr.profile_phase"), PHASE.ramp);
    });
  });

  describe("heartbeats", () => {
    it("count +1 per 100 ms of plant time on both PLCs", () => {
      const plant = newPlant(1);
      assert.equal(num(plant, "htr-plc.heartbeat"), 0);
      plant.advance(90);
      assert.equal(num(plant, "htr-plc.heartbeat"), 0);
      plant.step();
      assert.equal(num(plant, "htr-plc.heartbeat"), 1);
      assert.equal(num(plant, "line-plc.heartbeat"), 1);
      plant.advance(9900);
      assert.equal(num(plant, "htr-plc.heartbeat"), 100);
      assert.equal(num(plant, "line-plc.heartbeat"), 100);
    });

    it("wrap as their PLC types: uint16 for the line PLC, uint32 for the HTR PLC", () => {
      const s = initialPlantState(1);
      const plant = newPlant(1, {
        ...s,
        htr: { ...s.htr, heartbeat: 2 ** 32 - 1 },
        line: { ...s.line, heartbeat: 2 ** 16 - 1 },
      });
      plant.advance(100);
      assert.equal(num(plant, "htr-plc.heartbeat"), 0);
      assert.equal(num(plant, "line-plc.heartbeat"), 0);
    });
  });
});
