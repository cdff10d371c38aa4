import { type ScadaConfig, loadConfigOrThrow } from "../../../src/config/config-loader.js";
import type { PlantState } from "../../../src/sim/plant-state.js";
import { VirtualPlant } from "../../../src/sim/virtual-plant.js";

let cached: ScadaConfig | undefined;

/** The real plc-config of the repository (loaded once). */
export function realConfig(): ScadaConfig {
  cached ??= loadConfigOrThrow("plc-config");
  return cached;
}

export function newPlant(seed = 1, initial?: PlantState): VirtualPlant {
  return new VirtualPlant(realConfig().tags, seed, initial);
}

export function num(plant: VirtualPlant, tag: string): number {
  const v = plant.read(tag);
  if (v === undefined || typeof v.value !== "number") throw new Error(`${tag} is not a number: ${JSON.stringify(v)}`);
  return v.value;
}

export function flag(plant: VirtualPlant, tag: string): boolean {
  const v = plant.read(tag);
  if (v === undefined || typeof v.value !== "boolean") throw new Error(`${tag} is not a bool: ${JSON.stringify(v)}`);
  return v.value;
}

/** Writes and insists the plant took it. */
export function set(plant: VirtualPlant, tag: string, value: number | boolean): void {
  if (!plant.write(tag, value)) throw new Error(`plant refused ${tag} = ${String(value)}`);
}

/** Steps until `done` holds; returns the plant ms it took, or throws after `maxMs`. */
export function stepUntil(plant: VirtualPlant, what: string, maxMs: number, done: () => boolean): number {
  const t0 = plant.timeMs;
  while (!done()) {
    if (plant.timeMs - t0 > maxMs) throw new Error(`not reached within ${maxMs} ms of plant time: ${what}`);
    plant.step();
  }
  return plant.timeMs - t0;
}

/** Purges the chamber below the O₂ permissive, opens the gas knife and lets the quench flows settle. */
export function readyToHeat(plant: VirtualPlant): void {
  stepUntil(plant, "O₂ below 50 ppm", 200_000, () => num(plant, "htr.o2") < 45);
  set(plant, "quench.gas_on", true);
  plant.advance(2000);
}

/** Time ↔ value record of one tag, one sample per scan. */
export interface Sample {
  readonly tMs: number;
  readonly value: number;
}

export function record(plant: VirtualPlant, tag: string, ms: number): Sample[] {
  const out: Sample[] = [];
  const steps = Math.ceil(ms / 10);
  for (let i = 0; i < steps; i++) {
    plant.step();
    out.push({ tMs: plant.timeMs, value: num(plant, tag) });
  }
  return out;
}
