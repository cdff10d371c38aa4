/**
 * The physics of the virtual plant, as one pure step: `stepPhysics(state, dtS)` moves the true process values
 * (PlantPhysics) and the sensor readings (SensorReadings) forward by dtS seconds, from the PLC outputs held
 * in the state (heater on, power demand, valves, drives). Deterministic: the only randomness is the sensor
 * noise, drawn from the seeded mulberry32 generator kept in the state.
 *
 * The models, each pure: src/process/web-thermal-model.ts (supply, radiator, web temperature in the HTR zone),
 * htr-chamber.ts (argon, gas knife, O₂), quench-section.ts, web-transport.ts, precursor-feed.ts,
 * rinse-section.ts (rinse tank, dryer) and plant-sensors.ts. The unit test test/unit/sim/plant-physics.test.ts
 * measures the numbers of PROCESS.md they are tuned to.
 */
import { stepChamberGas } from "./htr-chamber.js";
import { readSensors } from "./plant-sensors.js";
import type { PlantPhysics, PlantState } from "./plant-state.js";
import { stepFeed } from "./precursor-feed.js";
import { stepQuench } from "./quench-section.js";
import { stepRinse } from "./rinse-section.js";
import { SensorNoise } from "./sensor-noise.js";
import { dcSupply, stepRadiatorTemp, stepWebTemp, webConvectionW } from "../process/web-thermal-model.js";
import { stepTension, stepTransport } from "./web-transport.js";

/** Advances the plant's physics and sensor readings by dtS seconds (pure). */
export function stepPhysics(state: PlantState, dtS: number): PlantState {
  const { physics: p, htr, line, faults } = state;
  const noise = new SensorNoise(state.rng);

  // Hard-wired inputs follow the faults (the door switch, the e-stop chain).
  const doorClosed = !faults["door-open"];
  const estopOk = !faults.estop;

  // DC supply and radiator; the gas flows and the chamber's O₂.
  const sup = dcSupply(htr.heaterOn && estopOk, htr.powerCmd, faults.overcurrent);
  const radiatorTempK = stepRadiatorTemp(p.radiatorTempK, p.webTempK, sup.radiatorW, dtS);
  const gas = stepChamberGas(p, htr, faults, doorClosed, dtS);

  // Web transport (needed by the web temperature for the advected heat), then the web temperature in the zone.
  const tr = stepTransport({ ...p, estopOk }, line, dtS);
  const webTempK = stepWebTemp(p.webTempK, sup.radiatorW, gas.quenchGasFlowLpm, tr.speedMpm, dtS);
  const convectedW = webConvectionW(webTempK, gas.quenchGasFlowLpm);
  const quench = stepQuench(
    p,
    htr,
    faults,
    { radiatorW: sup.radiatorW, convectedW, webTempK, webSpeedMpm: tr.speedMpm, knifeFlowLpm: gas.quenchGasFlowLpm },
    dtS,
  );

  const webTensionN = stepTension(p, line, faults, tr, estopOk, dtS);
  const movedM = tr.posM - p.encoderPosM;
  const rollLengthM = faults["web-break"] ? p.rollLengthM : p.rollLengthM + movedM;
  const feed = stepFeed(p, line, faults, tr, dtS);
  const rinse = stepRinse(p, line, faults, tr, feed.loadingRing, dtS);

  const physics: PlantPhysics = {
    webTempK,
    radiatorTempK,
    supplyVoltageV: sup.voltageV,
    supplyCurrentA: sup.currentA,
    supplyPowerKw: sup.powerKw,
    arFlowLpm: gas.arFlowLpm,
    o2Ppm: gas.o2Ppm,
    doorClosed,
    estopOk,
    quenchGasFlowLpm: gas.quenchGasFlowLpm,
    ...quench,
    webSpeedMpm: tr.speedMpm,
    webTensionN,
    encoderPosM: tr.posM,
    ...feed,
    ...rinse,
    rollLengthM,
  };

  const sensors = readSensors(physics, state.sensors, faults, noise);
  return {
    ...state,
    timeMs: state.timeMs + Math.round(dtS * 1000),
    rng: noise.state >>> 0,
    physics,
    sensors,
  };
}
