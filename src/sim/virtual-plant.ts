/**
 * The virtual plant: both PLCs and the process they run, behind the PlantIO interface the protocol servers
 * use. `step()` advances exactly one 10 ms scan of plant time (physics, then the PLC programs) and tells
 * the onScan listeners; nothing here reads a clock (plant-runner.ts drives it in real time).
 */
import { ScadaError } from "../core/errors.js";
import type { TagScalar } from "../core/tag-value.js";
import { PROFILE_CONTROL } from "../process/profile-controller.js";
import { toRaw } from "../tags/scaling.js";
import type { TagConfig, TagType } from "../tags/tag-schema.js";
import type { PlantIO, PlantValue } from "./plant-io.js";
import { FAULT_CATALOGUE, type FaultStatus, commLossFaultOf, isFaultName } from "./plant-faults.js";
import { stepPhysics } from "./plant-physics.js";
import { DEFAULTS, type PlantState, initialPlantState } from "./plant-state.js";
import { PLANT_TAG_MAP, type TagBinding } from "./plant-tag-map.js";
import { scanPlc } from "./plc-program.js";

/** The PLC scan (the profile controller's, src/process/profile-controller.ts) and physics step, ms of plant time. */
export const SCAN_PERIOD_MS = PROFILE_CONTROL.scanPeriodMs;

const INTEGER_LIMITS: Readonly<Record<Exclude<TagType, "bool" | "float32" | "float64">, readonly [number, number]>> = {
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
};

interface ServedTag {
  readonly tag: TagConfig;
  readonly binding: TagBinding;
}

/** Problems between a config's tags and the plant's variables (empty when every tag maps). */
export function plantTagProblems(tags: readonly TagConfig[]): string[] {
  const missing: string[] = [];
  const problems: string[] = [];
  for (const tag of tags) {
    const binding = PLANT_TAG_MAP.get(tag.name);
    if (binding === undefined) {
      missing.push(tag.name);
      continue;
    }
    const kind = tag.type === "bool" ? "bool" : "number";
    if (binding.kind !== kind) problems.push(`${tag.name}: config type ${tag.type}, plant variable is a ${binding.kind}`);
    if (tag.writable && binding.write === undefined) problems.push(`${tag.name}: writable in the config, read-only in the plant`);
  }
  if (missing.length > 0) problems.unshift(`no plant variable for: ${missing.join(", ")}`);
  return problems;
}

export class VirtualPlant implements PlantIO {
  private s: PlantState;
  private readonly served = new Map<string, ServedTag>();
  private readonly listeners = new Set<() => void>();

  /**
   * @param tags the config's tags; each must map to a plant variable (throws SCADA_ERR_CONFIG_INVALID listing
   *   the ones that do not).
   * @param seed seed of the sensor noise: the same seed and inputs give the same plant, step for step.
   * @param initial a state to start from instead of the plant at rest (tests).
   */
  constructor(tags: readonly TagConfig[], seed = 1, initial?: PlantState) {
    const problems = plantTagProblems(tags);
    if (problems.length > 0) {
      throw new ScadaError(
        "SCADA_ERR_CONFIG_INVALID",
        `The virtual plant cannot serve this configuration:\n${problems.join("\n")}`,
        problems,
      );
    }
    for (const tag of tags) {
      const binding = PLANT_TAG_MAP.get(tag.name);
      if (binding !== undefined) this.served.set(tag.name, { tag, binding });
    }
    this.s = initial ?? initialPlantState(seed);
  }

  /** Plant time, ms since start. */
  get timeMs(): number {
    return this.s.timeMs;
  }

  /** The whole plant state (immutable; for inspection and tests). */
  get state(): PlantState {
    return this.s;
  }

  /** Advances one scan: 10 ms of physics, then both PLC programs; then tells the listeners. */
  step(): void {
    const dtS = SCAN_PERIOD_MS / 1000;
    this.s = scanPlc(stepPhysics(this.s, dtS), dtS);
    let firstError: unknown;
    for (const listener of [...this.listeners]) {
      try {
        listener();
      } catch (err) {
        firstError ??= err;
      }
    }
    if (firstError !== undefined) throw firstError;
  }

  /** Steps for `ms` of plant time (rounded up to whole scans). */
  advance(ms: number): void {
    const steps = Math.ceil(ms / SCAN_PERIOD_MS);
    for (let i = 0; i < steps; i++) this.step();
  }

  read(tagName: string): PlantValue | undefined {
    return this.served.get(tagName)?.binding.read(this.s);
  }

  /**
   * Writes a PLC variable in engineering units. Refused (false, nothing changes) for an unknown or read-only
   * tag, a value of the wrong type, a non-finite number, a fraction for an integer tag, or a value outside the
   * tag's range (or its integer type).
   */
  write(tagName: string, value: TagScalar): boolean {
    const served = this.served.get(tagName);
    if (served === undefined || !served.tag.writable || served.binding.write === undefined) return false;
    if (!acceptable(served.tag, value)) return false;
    this.s = served.binding.write(this.s, value);
    return true;
  }

  onScan(listener: () => void): () => void {
    const wrapped = (): void => listener();
    this.listeners.add(wrapped);
    return () => {
      this.listeners.delete(wrapped);
    };
  }

  /** Injects or clears a fault; throws SCADA_ERR_SIM_FAULT_UNKNOWN for a name not in the catalogue. */
  setFault(name: string, active: boolean): void {
    if (!isFaultName(name)) {
      throw new ScadaError(
        "SCADA_ERR_SIM_FAULT_UNKNOWN",
        `Unknown fault '${name}' (known: ${FAULT_CATALOGUE.map((f) => f.name).join(", ")})`,
      );
    }
    const wasActive = this.s.faults[name];
    let next: PlantState = { ...this.s, faults: { ...this.s.faults, [name]: active } };
    // Clearing hopper-empty stands for the operator refilling the hopper.
    if (name === "hopper-empty" && wasActive && !active) {
      next = { ...next, physics: { ...next.physics, hopperLevelPct: DEFAULTS.hopperLevelPct } };
    }
    this.s = next;
  }

  faults(): FaultStatus[] {
    return FAULT_CATALOGUE.map((f) => ({ name: f.name, description: f.description, active: this.s.faults[f.name] }));
  }

  /** True while the communication-loss fault of this device (devices.yaml id) is active. */
  isCommLost(deviceId: string): boolean {
    const fault = commLossFaultOf(deviceId);
    return fault !== undefined && this.s.faults[fault];
  }
}

function acceptable(tag: TagConfig, value: TagScalar): boolean {
  if (tag.type === "bool") return typeof value === "boolean";
  if (typeof value !== "number" || !Number.isFinite(value)) return false;
  if (tag.range !== undefined && (value < tag.range.min || value > tag.range.max)) return false;
  if (tag.type === "float32" || tag.type === "float64") return true;
  // An integer PLC variable holds the raw value: it must be whole and fit the type.
  const raw = toRaw(value, tag.scaling);
  const rounded = Math.round(raw);
  const [min, max] = INTEGER_LIMITS[tag.type];
  return Math.abs(raw - rounded) < 1e-9 && rounded >= min && rounded <= max;
}
