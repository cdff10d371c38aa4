import assert from "node:assert/strict";
import {
  FIRST_OUT,
  LINE_FIRST_OUT,
  LINE_TRIP_BIT,
  type PlantState,
  SCADA_WATCHDOG_TIMEOUT_MS,
  TRIP_BIT,
  initialPlantState,
  purgedPlantState,
  withScadaWatchdogTimeouts,
} from "../../../src/sim/plant-state.js";
import { scanPlc } from "../../../src/sim/plc-program.js";
import { initialScadaWatchdog, scanScadaWatchdog } from "../../../src/sim/scada-watchdog.js";
import { scadaWatchdogTimeouts } from "../../../src/sim/virtual-plant-service.js";
import { flag, newPlant, num, readyToHeat, set, realConfig } from "./plant-test-helpers.js";

/** One PLC scan: 10 ms of plant time, then scanPlc (no physics: the PLC programs' logic alone). */
function scan(s: PlantState): PlantState {
  return scanPlc({ ...s, timeMs: s.timeMs + 10 }, 0.01);
}

/** `ms` of scans; `each` may change the state before every scan (the SCADA writing). */
function run(s: PlantState, ms: number, each: (s: PlantState, i: number) => PlantState = (x) => x): PlantState {
  let out = s;
  for (let i = 0; i < ms / 10; i++) out = scan(each(out, i));
  return out;
}

const htr = (s: PlantState, patch: Partial<PlantState["htr"]>): PlantState => ({ ...s, htr: { ...s.htr, ...patch } });
const line = (s: PlantState, patch: Partial<PlantState["line"]>): PlantState => ({ ...s, line: { ...s.line, ...patch } });

/** The SCADA's heartbeat on both PLCs: +1 every 100 ms (every 10th scan). */
function beating(s: PlantState, i: number): PlantState {
  if (i % 10 !== 0) return s;
  return line(htr(s, { scadaHeartbeat: (s.htr.scadaHeartbeat + 1) % 65536 }), { scadaHeartbeat: (s.line.scadaHeartbeat + 1) % 65536 });
}

/**
 * Both watchdogs armed (one heartbeat change seen, in the scan at t + 10 ms), the heartbeat standing still from
 * then on: they expire in the scan 1000 ms after that one, i.e. after `run(…, 1000)`.
 */
function armed(s: PlantState = initialPlantState(1)): PlantState {
  return scan(line(htr(s, { scadaHeartbeat: 1 }), { scadaHeartbeat: 1 }));
}

describe("sim: the PLCs' SCADA watchdog", () => {
  describe("scanScadaWatchdog (pure)", () => {
    it("is not armed until the heartbeat changes, then expires after the timeout without a change", () => {
      let w = initialScadaWatchdog(1000);
      let r = scanScadaWatchdog(w, 0, 5000);
      assert.deepEqual([r.running, r.expired], [false, false], "never changed: not armed");
      r = scanScadaWatchdog(r.memory, 7, 6000);
      assert.deepEqual([r.running, r.expired, r.memory.lastChangeMs], [true, false, 6000]);
      w = r.memory;
      assert.equal(scanScadaWatchdog(w, 7, 6990).expired, false);
      assert.deepEqual([scanScadaWatchdog(w, 7, 7000).running, scanScadaWatchdog(w, 7, 7000).expired], [false, true]);
      r = scanScadaWatchdog(w, 8, 9000);
      assert.deepEqual([r.running, r.expired], [true, false], "a change runs it again");
    });

    it("refuses a timeout that is not positive", () => {
      assert.throws(() => initialScadaWatchdog(0), RangeError);
    });
  });

  describe("HTR PLC", () => {
    it("a plant the SCADA never wrote to keeps heating: the watchdog is not armed (tests drive the plant without a SCADA)", () => {
      const s = run(htr(purgedPlantState(1), { heaterEnable: true }), 5000);
      assert.equal(s.htr.tripWord, 0);
      assert.equal(s.htr.heaterEnable, true);
      assert.equal(s.htr.scadaOk, false, "scada_heartbeat_ok: never seen");
    });

    it("while the heartbeat changes, nothing trips and scada_heartbeat_ok is true", () => {
      const s = run(htr(armed(), { heaterEnable: true }), 10_000, beating);
      assert.equal(s.htr.tripWord, 0);
      assert.equal(s.htr.scadaOk, true);
      assert.equal(s.htr.heaterEnable, true);
    });

    it("trips SCADA lost after 1 s unchanged while heating: heater enable dropped, bit 5, first-out 6", () => {
      let s = htr(armed(), { heaterEnable: true });
      s = run(s, SCADA_WATCHDOG_TIMEOUT_MS - 10);
      assert.equal(s.htr.tripWord, 0, "not before the timeout");
      assert.equal(s.htr.scadaOk, true);
      s = scan(s);
      assert.equal(s.htr.tripWord, TRIP_BIT.scadaLost, "at the timeout");
      assert.equal(s.htr.firstOut, FIRST_OUT.scadaLost);
      assert.equal(s.htr.heaterEnable, false);
      assert.equal(s.htr.heaterOn, false);
      assert.equal(s.htr.scadaOk, false);
    });

    it("counts a power stage that is on as heating too", () => {
      const s = run(armed(purgedPlantState(1)), SCADA_WATCHDOG_TIMEOUT_MS - 10);
      assert.equal(s.htr.tripWord, 0);
      const on = scan(htr(s, { heaterOn: true }));
      assert.equal(on.htr.tripWord, TRIP_BIT.scadaLost, "heater on");
      assert.equal(on.htr.heaterOn, false, "power cut");
    });

    it("does not trip while cold; enabling the heater without a heartbeat trips at once", () => {
      let s = run(armed(), 5000);
      assert.equal(s.htr.tripWord, 0, "heater off: no trip");
      assert.equal(s.htr.scadaOk, false, "but the PLC says it does not see the SCADA");
      s = scan(htr(s, { heaterEnable: true }));
      assert.equal(s.htr.tripWord, TRIP_BIT.scadaLost);
      assert.equal(s.htr.heaterEnable, false);
    });

    it("latches: the heartbeat coming back does not clear it, and the PLC holds a fresh heater enable off", () => {
      let s = run(htr(armed(), { heaterEnable: true }), 1000);
      assert.equal(s.htr.tripWord, TRIP_BIT.scadaLost);
      s = run(s, 2000, beating);
      assert.equal(s.htr.scadaOk, true, "the PLC sees the SCADA again");
      assert.equal(s.htr.tripWord, TRIP_BIT.scadaLost, "still latched");
      s = run(htr(s, { heaterEnable: true }), 50, beating);
      assert.equal(s.htr.heaterEnable, false, "the SCADA's enable is held off while latched");
      assert.equal(s.htr.heaterOn, false);
    });

    it("htr.trip_reset clears it only while the heartbeat runs again; heating needs a fresh enable", () => {
      let s = run(htr(armed(), { heaterEnable: true }), 1000);
      s = scan(htr(s, { tripReset: true }));
      assert.equal(s.htr.tripReset, false, "the PLC clears the reset command");
      assert.equal(s.htr.tripWord, TRIP_BIT.scadaLost, "heartbeat still standing: the reset does nothing");
      s = run(s, 200, beating);
      s = scan(htr(s, { tripReset: true }));
      assert.equal(s.htr.tripWord, 0);
      assert.equal(s.htr.firstOut, FIRST_OUT.none);
      assert.equal(s.htr.heaterEnable, false, "never resumes by itself");
      s = run(htr(s, { heaterEnable: true }), 500, beating);
      assert.equal(s.htr.heaterEnable, true, "a fresh enable after the reset holds");
      assert.equal(s.htr.tripWord, 0);
    });

    it("first-out: the first trip in time; SCADA lost after a door trip keeps the door's first-out", () => {
      let s = htr(armed(), { heaterEnable: true });
      s = scan({ ...s, physics: { ...s.physics, doorClosed: false } });
      assert.equal(s.htr.firstOut, FIRST_OUT.door);
      s = run(s, 1000);
      assert.equal(s.htr.tripWord, TRIP_BIT.door, "the door trip dropped the enable: not heating, no SCADA lost");
      s = scan(htr(s, { heaterEnable: true }));
      assert.equal(s.htr.tripWord, TRIP_BIT.door | TRIP_BIT.scadaLost, "an enable without a heartbeat latches it");
      assert.equal(s.htr.firstOut, FIRST_OUT.door);

      let t = run(htr(armed(), { heaterEnable: true }), 1000);
      t = scan({ ...t, physics: { ...t.physics, doorClosed: false } });
      assert.equal(t.htr.tripWord, TRIP_BIT.door | TRIP_BIT.scadaLost);
      assert.equal(t.htr.firstOut, FIRST_OUT.scadaLost);
    });

    it("takes its timeout from the PLC's memory (withScadaWatchdogTimeouts)", () => {
      let s = htr(armed(withScadaWatchdogTimeouts(initialPlantState(1), { htr: 300 })), { heaterEnable: true });
      s = run(s, 290);
      assert.equal(s.htr.tripWord, 0);
      s = scan(s);
      assert.equal(s.htr.tripWord, TRIP_BIT.scadaLost);
      assert.equal(s.line.scadaWatchdog.timeoutMs, SCADA_WATCHDOG_TIMEOUT_MS, "the other PLC keeps its own");
    });
  });

  describe("line PLC", () => {
    it("a plant the SCADA never wrote to keeps running (not armed)", () => {
      const s = run(line(initialPlantState(1), { drivesRun: true, doserOn: true }), 5000);
      assert.equal(s.line.tripWord, 0);
      assert.equal(s.line.drivesRunning, true);
    });

    it("trips SCADA lost after 1 s unchanged while running: drives, doser and index stop; bit 0, first-out 1", () => {
      let s = line(armed(), { drivesRun: true, doserOn: true, pumpOn: true, dryerOn: true });
      s = run(s, SCADA_WATCHDOG_TIMEOUT_MS - 10);
      assert.deepEqual([s.line.tripWord, s.line.drivesRunning, s.line.doserRunning], [0, true, true]);
      s = scan(s);
      assert.equal(s.line.tripWord, LINE_TRIP_BIT.scadaLost);
      assert.equal(s.line.firstOut, LINE_FIRST_OUT.scadaLost);
      assert.deepEqual([s.line.drivesRun, s.line.doserOn, s.line.drivesRunning, s.line.doserRunning], [false, false, false, false]);
      assert.deepEqual([s.line.pumpRunning, s.line.dryerRunning], [true, true], "rinse pump and dryer keep their commands");
      assert.equal(s.line.scadaOk, false);
    });

    it("ends an index move (the web stands) and refuses a new one while latched", () => {
      let s = scan(line(armed(), { indexCmd: true }));
      assert.equal(s.line.indexing, true);
      s = run(s, 1000);
      assert.equal(s.line.tripWord, LINE_TRIP_BIT.scadaLost);
      assert.equal(s.line.indexing, false);
      assert.equal(s.line.drivesRunning, false);
      s = run(line(s, { indexCmd: true }), 50, beating);
      assert.equal(s.line.indexing, false, "no index while latched");
    });

    it("does not trip while stopped", () => {
      const s = run(line(armed(), { pumpOn: true }), 5000);
      assert.equal(s.line.tripWord, 0);
      assert.equal(s.line.scadaOk, false);
    });

    it("latches, holds the SCADA's commands off, and line-plc.trip_reset clears it only with the heartbeat running", () => {
      let s = run(line(armed(), { drivesRun: true }), 1000);
      assert.equal(s.line.tripWord, LINE_TRIP_BIT.scadaLost);
      s = run(line(s, { drivesRun: true, doserOn: true }), 50);
      assert.deepEqual([s.line.drivesRun, s.line.doserOn, s.line.drivesRunning], [false, false, false], "commands held off");
      s = scan(line(s, { tripReset: true }));
      assert.equal(s.line.tripReset, false, "the PLC clears the reset command");
      assert.equal(s.line.tripWord, LINE_TRIP_BIT.scadaLost, "no heartbeat: the reset does nothing");
      s = run(s, 200, beating);
      assert.equal(s.line.tripWord, LINE_TRIP_BIT.scadaLost, "the heartbeat alone does not clear it");
      s = scan(line(s, { tripReset: true }));
      assert.deepEqual([s.line.tripWord, s.line.firstOut], [0, LINE_FIRST_OUT.none]);
      assert.equal(s.line.drivesRunning, false, "never resumes by itself");
      s = run(line(s, { drivesRun: true }), 100, beating);
      assert.equal(s.line.drivesRunning, true, "a fresh drives_run after the reset runs");
    });
  });

  describe("through the virtual plant (physics and tags)", () => {
    it("a heating pulse: the heater goes off within the timeout of the last heartbeat, bit 5 and first-out 6 on the tags", () => {
      const plant = newPlant(1);
      readyToHeat(plant);
      set(plant, "htr-plc.scada_heartbeat", 1);
      plant.step();
      assert.equal(flag(plant, "htr-plc.scada_heartbeat_ok"), true);
      set(plant, "htr.heater_enable", true);
      set(plant, "htr.pulse_start", true);
      for (let i = 2; i <= 20; i++) {
        plant.advance(100);
        set(plant, "htr-plc.scada_heartbeat", i);
      }
      assert.equal(flag(plant, "htr.heater_on"), true, "heating while the SCADA writes");
      // The next scan sees the last write; the watchdog expires 1000 ms after that scan.
      const lastBeatAt = plant.timeMs;
      while (flag(plant, "htr.heater_on")) {
        plant.step();
        assert.ok(plant.timeMs - lastBeatAt <= SCADA_WATCHDOG_TIMEOUT_MS + 10, "heater off within the timeout");
      }
      assert.equal(plant.timeMs - lastBeatAt, SCADA_WATCHDOG_TIMEOUT_MS + 10);
      assert.equal(num(plant, "htr.trip_word") & TRIP_BIT.scadaLost, TRIP_BIT.scadaLost);
      assert.equal(num(plant, "htr.first_out"), FIRST_OUT.scadaLost);
      assert.equal(flag(plant, "htr.heater_enable"), false);
      assert.equal(flag(plant, "htr-plc.scada_heartbeat_ok"), false);
      plant.advance(100);
      assert.equal(num(plant, "htr.supply_power"), 0, "no power after the trip");
    });

    it("the line PLC's tags: trip word, first-out, reset and heartbeat-ok", () => {
      const plant = newPlant(1);
      set(plant, "line-plc.scada_heartbeat", 1);
      set(plant, "feed.drives_run", true);
      plant.advance(500);
      assert.equal(flag(plant, "line-plc.scada_heartbeat_ok"), true);
      assert.equal(flag(plant, "feed.drives_running"), true);
      plant.advance(600);
      assert.equal(num(plant, "line-plc.trip_word"), LINE_TRIP_BIT.scadaLost);
      assert.equal(num(plant, "line-plc.first_out"), LINE_FIRST_OUT.scadaLost);
      assert.equal(flag(plant, "feed.drives_run"), false);
      set(plant, "line-plc.scada_heartbeat", 2);
      set(plant, "line-plc.trip_reset", true);
      plant.step();
      assert.equal(num(plant, "line-plc.trip_word"), 0);
      assert.equal(flag(plant, "line-plc.trip_reset"), false);
      plant.advance(5000);
      assert.equal(flag(plant, "feed.drives_running"), false, "never resumes by itself");
      assert.ok(plant.state.physics.webSpeedMpm < 0.01, `the web stands (${plant.state.physics.webSpeedMpm} m/min)`);
    });

    it("the virtual plant takes the timeouts from devices.yaml (scadaHeartbeat.timeoutMs)", () => {
      assert.deepEqual(scadaWatchdogTimeouts(realConfig().devices), { htr: 1000, line: 1000 });
      const devices = realConfig().devices.map((d) => (d.id === "line-plc" && d.scadaHeartbeat ? { ...d, scadaHeartbeat: { ...d.scadaHeartbeat, timeoutMs: 2500 } } : d));
      assert.deepEqual(scadaWatchdogTimeouts(devices), { htr: 1000, line: 2500 });
      assert.deepEqual(scadaWatchdogTimeouts(devices.map((d) => ({ ...d, scadaHeartbeat: undefined }))), {});
    });
  });
});
