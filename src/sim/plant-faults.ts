/**
 * The fault catalogue of the virtual plant: every fault PROCESS.md asks for, to inject in tests and operator
 * training. A fault is a flag in the plant state; the physics and the sensors read it (see plant-physics.ts).
 * The two communication-loss faults do not touch the plant at all: the protocol servers read them through
 * `VirtualPlant.isCommLost(deviceId)` and stop answering, while the plant keeps running.
 */
import { ScadaError } from "../core/errors.js";

export const FAULT_NAMES = [
  "web-break",
  "door-open",
  "argon-loss",
  "coolant-loss",
  "pyrometer-frozen",
  "pyrometer-bad",
  "htr-plc-comm-loss",
  "line-plc-comm-loss",
  "overcurrent",
  "hopper-empty",
  "estop",
] as const;

export type FaultName = (typeof FAULT_NAMES)[number];

export interface FaultDefinition {
  readonly name: FaultName;
  readonly description: string;
  /** For a communication-loss fault: the device (devices.yaml id) whose PLC goes silent. */
  readonly device?: string;
}

export const FAULT_CATALOGUE: readonly FaultDefinition[] = Object.freeze([
  {
    name: "web-break",
    description: "The web tears between unwinder and rewinder: tension drops to 0 on both, the rewinder stops taking up web.",
  },
  {
    name: "door-open",
    description: "The HTR chamber door opens: htr.door_closed false, air floods in (O₂ rises), PLC trip code 2.",
  },
  {
    name: "argon-loss",
    description: "The argon supply fails: purge flow falls to 0 whatever the setpoint, air leaks in through the web slots and O₂ rises (PLC trip code 4 while heating).",
  },
  {
    name: "coolant-loss",
    description: "Chill-plate cooling water fails: coolant flow falls to 0 and the coolant warms up.",
  },
  {
    name: "pyrometer-frozen",
    description: "The web pyrometer output freezes: htr.web_temp keeps its last value (quality still Good) while the web temperature moves on.",
  },
  {
    name: "pyrometer-bad",
    description: "The web pyrometer signal is lost: htr.web_temp carries bad quality; the PLC cannot regulate and keeps the heater off.",
  },
  {
    name: "htr-plc-comm-loss",
    description: "The HTR PLC stops answering on OPC UA (the plant keeps running).",
    device: "htr-plc",
  },
  {
    name: "line-plc-comm-loss",
    description: "The line PLC stops answering on Modbus TCP (the plant keeps running).",
    device: "line-plc",
  },
  {
    name: "overcurrent",
    description: "The radiator shorts to ground: supply current jumps (up to the supply's current limit) whenever voltage is applied, PLC trip code 5.",
  },
  {
    name: "hopper-empty",
    description: "The powder hopper runs empty: level 0, the doser delivers nothing. Clearing the fault stands for a refill.",
  },
  {
    name: "estop",
    description: "An e-stop is pressed: htr.estop_ok false, heater power and all line motors drop out, PLC trip code 3.",
  },
] satisfies FaultDefinition[]);

/** Which faults are active. */
export type FaultFlags = Readonly<Record<FaultName, boolean>>;

export function noFaults(): FaultFlags {
  const flags = {} as Record<FaultName, boolean>;
  for (const name of FAULT_NAMES) flags[name] = false;
  return flags;
}

export function isFaultName(name: string): name is FaultName {
  return (FAULT_NAMES as readonly string[]).includes(name);
}

/** The communication-loss fault of a device, if the catalogue has one. */
export function commLossFaultOf(deviceId: string): FaultName | undefined {
  return FAULT_CATALOGUE.find((f) => f.device === deviceId)?.name;
}

/** A fault as the plant reports it. */
export interface FaultStatus {
  readonly name: FaultName;
  readonly description: string;
  readonly active: boolean;
}

/** The refusal of an unknown fault name (the same text wherever the plant runs: this thread or its own). */
export function unknownFault(name: string, known: readonly { readonly name: string }[]): ScadaError {
  return new ScadaError("SCADA_ERR_SIM_FAULT_UNKNOWN", `Unknown fault '${name}' (known: ${known.map((f) => f.name).join(", ")})`);
}
