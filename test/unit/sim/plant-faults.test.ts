import assert from "node:assert/strict";
import { ScadaError } from "../../../src/core/errors.js";
import { FAULT_CATALOGUE, FAULT_NAMES } from "../../../src/sim/plant-faults.js";
import { PHASE } from "../../../src/process/profile-controller.js";
import { DEFAULTS, FIRST_OUT, TRIP_BIT } from "../../../src/sim/plant-state.js";
import { PLC } from "../../../src/sim/plc-program.js";
import type { VirtualPlant } from "../../../src/sim/virtual-plant.js";
import { flag, newPlant, num, readyToHeat, set, stepUntil } from "./plant-test-helpers.js";

/** A plant 4 s into a default pulse: holding 1340 K. */
function heatingPlant(seed = 1): VirtualPlant {
  const plant = newPlant(seed);
  readyToHeat(plant);
  set(plant, "htr.heater_enable", true);
  set(plant, "htr.pulse_start", true);
  plant.advance(4000);
  assert.equal(num(plant, "htr.profile_phase"), PHASE.hold);
  assert.equal(flag(plant, "htr.heater_on"), true);
  return plant;
}

/** A plant with the web running at the continuous speed, doser and rinse on. */
function runningLine(seed = 1): VirtualPlant {
  const plant = newPlant(seed);
  set(plant, "feed.drives_run", true);
  set(plant, "feed.doser_on", true);
  set(plant, "rinse.pump_on", true);
  plant.advance(5000);
  return plant;
}

/** Steps until `cause` shows, then checks the trip landed in that same scan. */
function expectTripInSameScan(plant: VirtualPlant, what: string, maxMs: number, cause: () => boolean, bit: number, code: number): void {
  stepUntil(plant, what, maxMs, cause);
  assert.equal(flag(plant, "htr.heater_on"), false, `${what}: power cut in the scan that saw it`);
  assert.equal(num(plant, "htr.trip_word") & bit, bit, `${what}: trip bit`);
  assert.equal(num(plant, "htr.first_out"), code, `${what}: first-out`);
  assert.equal(num(plant, "htr.profile_phase"), PHASE.cool);
}

describe("sim/plant-faults", () => {
  it("has every fault of PROCESS.md, kebab-case, described, and all clear at start", () => {
    assert.deepEqual(
      [...FAULT_NAMES].sort(),
      [
        "argon-loss",
        "coolant-loss",
        "door-open",
        "estop",
        "hopper-empty",
        "htr-plc-comm-loss",
        "line-plc-comm-loss",
        "overcurrent",
        "pyrometer-bad",
        "pyrometer-frozen",
        "web-break",
      ],
    );
    for (const f of FAULT_CATALOGUE) {
      assert.match(f.name, /^[a-z]+(-[a-z0-9]+)*$/);
      assert.ok(f.description.length > 20, f.name);
    }
    const plant = newPlant();
    assert.equal(plant.faults().length, FAULT_NAMES.length);
    assert.ok(plant.faults().every((f) => !f.active && f.description.length > 0));
    plant.setFault("web-break", true);
    assert.deepEqual(plant.faults().filter((f) => f.active).map((f) => f.name), ["web-break"]);
  });

  it("refuses an unknown fault name with a clear error", () => {
    const plant = newPlant();
    assert.throws(
      () => plant.setFault("door-ajar", true),
      (e: unknown) => e instanceof ScadaError && e.code === "SCADA_ERR_SIM_FAULT_UNKNOWN" && /door-ajar/.test(e.message) && /door-open/.test(e.message),
    );
  });

  it("door-open: trip code 2 in the same scan, door_closed false, O₂ rises", () => {
    const plant = heatingPlant();
    const o2Before = num(plant, "htr.o2");
    plant.setFault("door-open", true);
    expectTripInSameScan(plant, "door open", 10, () => !flag(plant, "htr.door_closed"), TRIP_BIT.door, FIRST_OUT.door);
    plant.advance(3000);
    assert.ok(num(plant, "htr.o2") > o2Before + 10_000, `O₂ ${num(plant, "htr.o2")}`);
  });

  it("door-open also trips with the heater off (no heating allowed with the door open)", () => {
    const plant = newPlant();
    plant.setFault("door-open", true);
    plant.step();
    assert.equal(num(plant, "htr.first_out"), FIRST_OUT.door);
  });

  it("estop: trip code 3, estop_ok false, heater off, drives and pump stop", () => {
    const plant = heatingPlant();
    set(plant, "feed.drives_run", true);
    set(plant, "rinse.pump_on", true);
    plant.advance(2000);
    assert.equal(flag(plant, "feed.drives_running"), true);
    plant.setFault("estop", true);
    expectTripInSameScan(plant, "e-stop", 10, () => !flag(plant, "htr.estop_ok"), TRIP_BIT.estop, FIRST_OUT.estop);
    assert.equal(flag(plant, "feed.drives_running"), false);
    assert.equal(flag(plant, "rinse.pump_running"), false);
    plant.advance(1000);
    assert.equal(num(plant, "feed.web_speed"), 0);
    assert.equal(num(plant, "htr.supply_power"), 0);
  });

  it("argon-loss: the purge flow stops, O₂ rises and trips code 4 while heating", () => {
    const plant = heatingPlant();
    plant.setFault("argon-loss", true);
    expectTripInSameScan(plant, "O₂ over the trip limit", 8000, () => num(plant, "htr.o2") > PLC.o2TripPpm, TRIP_BIT.o2, FIRST_OUT.o2);
    plant.advance(5000);
    assert.ok(num(plant, "htr.ar_flow") < 0.1, `Ar flow ${num(plant, "htr.ar_flow")}`);
  });

  it("argon-loss with the heater off raises O₂ but trips nothing (the O₂ trip is only while heating)", () => {
    const plant = newPlant();
    readyToHeat(plant);
    plant.setFault("argon-loss", true);
    plant.advance(15_000);
    assert.ok(num(plant, "htr.o2") > 2 * PLC.o2TripPpm);
    assert.equal(num(plant, "htr.trip_word"), 0);
  });

  it("overcurrent: the current jumps past the trip level and trips code 5 in the same scan", () => {
    const plant = heatingPlant();
    plant.setFault("overcurrent", true);
    expectTripInSameScan(plant, "over-current", 10, () => num(plant, "htr.supply_current") > PLC.overCurrentTripA, TRIP_BIT.overCurrent, FIRST_OUT.overCurrent);
    plant.step();
    assert.equal(num(plant, "htr.supply_current"), 0, "no current once the stage is off");
  });

  it("web-break: tension 0 on both sides and the rewinder stops taking up web; re-threading restores tension", () => {
    const plant = runningLine();
    assert.ok(Math.abs(num(plant, "feed.web_tension") - DEFAULTS.tensionSpN) < 3);
    plant.setFault("web-break", true);
    plant.step();
    assert.equal(num(plant, "feed.web_tension"), 0);
    assert.equal(num(plant, "rinse.rewind_tension"), 0);
    const roll = num(plant, "rinse.roll_length");
    const encoder = num(plant, "feed.encoder_pos");
    plant.advance(2000);
    assert.equal(num(plant, "rinse.roll_length"), roll);
    assert.ok(num(plant, "feed.encoder_pos") > encoder, "the unwinder keeps turning until the drives stop");
    plant.setFault("web-break", false);
    plant.advance(2000);
    assert.ok(Math.abs(num(plant, "feed.web_tension") - DEFAULTS.tensionSpN) < 3);
  });

  it("coolant-loss: the coolant flow falls to 0, the quench is no longer ready", () => {
    const plant = newPlant();
    readyToHeat(plant);
    assert.ok(num(plant, "quench.coolant_flow") > 15);
    plant.setFault("coolant-loss", true);
    plant.advance(10_000);
    assert.equal(num(plant, "quench.coolant_flow"), 0);
    set(plant, "htr.heater_enable", true);
    set(plant, "htr.pulse_start", true);
    plant.step();
    assert.equal(num(plant, "htr.profile_phase"), PHASE.off);
  });

  it("hopper-empty: level 0, the doser delivers nothing, no loading; clearing refills", () => {
    const plant = runningLine();
    assert.ok(num(plant, "feed.areal_loading") > 1);
    plant.setFault("hopper-empty", true);
    plant.step();
    assert.equal(num(plant, "feed.hopper_level"), 0);
    plant.advance(5000);
    assert.ok(num(plant, "feed.doser_rate") < 0.01);
    assert.ok(num(plant, "feed.areal_loading") < 0.01);
    plant.setFault("hopper-empty", false);
    plant.step();
    assert.ok(num(plant, "feed.hopper_level") > 79);
    plant.advance(5000);
    assert.ok(num(plant, "feed.doser_rate") > 20);
  });

  it("pyrometer-frozen: htr.web_temp stops changing (quality Good) while the web moves on", () => {
    const plant = newPlant();
    readyToHeat(plant);
    set(plant, "htr.heater_enable", true);
    set(plant, "htr.pulse_start", true);
    plant.advance(1000);
    plant.setFault("pyrometer-frozen", true);
    plant.step();
    const frozen = plant.read("htr.web_temp");
    const trueTemp = plant.state.physics.webTempK;
    plant.advance(500);
    assert.deepEqual(plant.read("htr.web_temp"), frozen);
    assert.equal(frozen?.bad, undefined);
    assert.ok(Math.abs(plant.state.physics.webTempK - trueTemp) > 20, "the web itself kept heating");
    plant.setFault("pyrometer-frozen", false);
    plant.step();
    assert.notDeepEqual(plant.read("htr.web_temp"), frozen);
  });

  it("pyrometer-bad: htr.web_temp carries bad, and the PLC stops heating", () => {
    const plant = heatingPlant();
    plant.setFault("pyrometer-bad", true);
    plant.step();
    const v = plant.read("htr.web_temp");
    assert.equal(typeof v?.bad, "string");
    assert.equal(flag(plant, "htr.heater_on"), false);
    assert.equal(num(plant, "htr.profile_phase"), PHASE.cool);
    plant.setFault("pyrometer-bad", false);
    plant.step();
    assert.equal(plant.read("htr.web_temp")?.bad, undefined);
  });

  it("comm-loss faults are flags for the protocol servers; the plant keeps running", () => {
    const plant = newPlant();
    assert.equal(plant.isCommLost("htr-plc"), false);
    plant.setFault("htr-plc-comm-loss", true);
    assert.equal(plant.isCommLost("htr-plc"), true);
    assert.equal(plant.isCommLost("line-plc"), false);
    plant.setFault("line-plc-comm-loss", true);
    assert.equal(plant.isCommLost("line-plc"), true);
    assert.equal(plant.isCommLost("no-such-plc"), false);
    const hb = num(plant, "htr-plc.heartbeat");
    plant.advance(1000);
    assert.equal(num(plant, "htr-plc.heartbeat"), hb + 10);
    plant.setFault("htr-plc-comm-loss", false);
    assert.equal(plant.isCommLost("htr-plc"), false);
  });
});
