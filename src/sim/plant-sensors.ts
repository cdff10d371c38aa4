/** What the PLCs' inputs read from the virtual plant (pure): the true values with sensor noise and sensor faults. */
import type { FaultFlags } from "./plant-faults.js";
import type { PlantPhysics, SensorReadings } from "./plant-state.js";
import type { SensorNoise } from "./sensor-noise.js";

/** Sensor noise, 1 σ. */
const NOISE = {
  webTempK: 0.3,
  radiatorTempK: 1,
  o2Relative: 0.005,
  o2Ppm: 0.05,
  flowLpm: 0.02,
  tensionN: 0.2,
  conductivityRelative: 0.003,
} as const;

/** Roller drag between the nip and the rewinder adds to the tension, ratio. */
const REWIND_TENSION_RATIO = 1.03;

/**
 * The sensor readings of `physics`. Always draws the same noise samples in the same order (determinism does
 * not depend on branches); a frozen or bad pyrometer keeps the `previous` reading.
 */
export function readSensors(physics: PlantPhysics, previous: SensorReadings, faults: FaultFlags, noise: SensorNoise): SensorReadings {
  const n = {
    web: noise.gauss(),
    radiator: noise.gauss(),
    o2: noise.gauss(),
    ar: noise.gauss(),
    knife: noise.gauss(),
    coolant: noise.gauss(),
    tension: noise.gauss(),
    rewind: noise.gauss(),
    cond: noise.gauss(),
  };
  const flowReading = (flow: number, g: number): number => (flow > 0.01 ? Math.max(0, flow + NOISE.flowLpm * g) : 0);
  const frozen = faults["pyrometer-frozen"] || faults["pyrometer-bad"];
  const webBroken = faults["web-break"];
  const { webTempK, o2Ppm, webTensionN } = physics;
  return {
    webTempK: frozen ? previous.webTempK : webTempK + NOISE.webTempK * n.web,
    webTempBad: faults["pyrometer-bad"] ? "pyrometer signal lost" : undefined,
    radiatorTempK: physics.radiatorTempK + NOISE.radiatorTempK * n.radiator,
    o2Ppm: Math.max(0, o2Ppm * (1 + NOISE.o2Relative * n.o2) + NOISE.o2Ppm * n.o2),
    arFlowLpm: flowReading(physics.arFlowLpm, n.ar),
    quenchGasFlowLpm: flowReading(physics.quenchGasFlowLpm, n.knife),
    coolantFlowLpm: flowReading(physics.coolantFlowLpm, n.coolant),
    webTensionN: webBroken ? 0 : Math.max(0, webTensionN + NOISE.tensionN * n.tension),
    rewindTensionN: webBroken ? 0 : Math.max(0, webTensionN * REWIND_TENSION_RATIO + NOISE.tensionN * n.rewind),
    conductivityUsCm: physics.conductivityUsCm * (1 + NOISE.conductivityRelative * n.cond),
  };
}
