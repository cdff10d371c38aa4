/**
 * The quench station (argon gas knife + water-cooled chill plates): off → starting (gas-flow setpoint, gas
 * on, coolant on; wait until both flows reach the run's minimums) → running → off. HOLD keeps it running
 * (it cools the web). STOP and ABORT switch gas and coolant off; the sequencer only stops the quench once
 * the web is below its safe temperature. In the cool phase of a pulse the PLC opens the knife by itself.
 */
import type { ProcessView } from "../control-io.js";
import type { TagBatchWriter } from "../../core/tag-io.js";
import { DEFAULT_STATION_SETPOINTS, type QuenchEvent, type QuenchStatus, formatReading, outputWrites, readNumber } from "./station-protocol.js";
import { STATION_CONTEXT, type StationContext, stationSetup } from "./station-setup.js";
import { StationStates } from "./station-states.js";
import { type FlowStationOptions, flowStationStates } from "./flow-station-states.js";

export const QUENCH_TAGS = {
  gasOn: "quench.gas_on",
  gasFlowSp: "quench.gas_flow_sp",
  gasFlow: "quench.gas_flow",
  coolantOn: "quench.coolant_on",
  coolantFlow: "quench.coolant_flow",
} as const;

export interface QuenchContext extends StationContext {
  readonly gasFlowSp: number;
}

// ─── Pure rules ────────────────────────────────────────────────────────────────────────────────────────

/** Start: the gas-flow setpoint, then gas and coolant on. Off: gas, then coolant. */
export const QUENCH_WRITES = outputWrites(QUENCH_TAGS.gasFlowSp, [QUENCH_TAGS.gasOn, QUENCH_TAGS.coolantOn]);

export function quenchFlowing(view: ProcessView, minGas: number, minCoolant: number): boolean {
  const gas = readNumber(view, QUENCH_TAGS.gasFlow);
  const coolant = readNumber(view, QUENCH_TAGS.coolantFlow);
  return gas !== undefined && coolant !== undefined && gas >= minGas && coolant >= minCoolant;
}

function flowsReading(view: ProcessView): string {
  return [
    formatReading("gas flow", readNumber(view, QUENCH_TAGS.gasFlow), "L/min"),
    formatReading("coolant flow", readNumber(view, QUENCH_TAGS.coolantFlow), "L/min"),
  ].join(", ");
}

// ─── Machine ───────────────────────────────────────────────────────────────────────────────────────────

const s = new StationStates<QuenchContext, QuenchEvent, QuenchStatus>("quench");

/** The quench as a flow station: on once its gas and coolant flows reach the run's minimums. */
const QUENCH_FLOW: FlowStationOptions<QuenchContext, QuenchEvent, QuenchStatus> = {
  started: (start) => ({ gasFlowSp: start.setpoints.quenchGasFlowLpm }),
  startWrite: { what: "quench start", writes: (c) => QUENCH_WRITES.start(c.gasFlowSp) },
  flowing: (c, view) => quenchFlowing(view, c.params?.minQuenchGasFlow ?? 0, c.params?.minCoolantFlow ?? 0),
  flows: {
    what: "quench flows",
    reading: flowsReading,
    needs: (c) => `gas ≥ ${c.params?.minQuenchGasFlow ?? 0} L/min, coolant ≥ ${c.params?.minCoolantFlow ?? 0} L/min`,
  },
  startingDetail: (c) => `gas knife on at ${c.gasFlowSp} L/min, coolant on`,
  runningDetail: "gas and coolant flowing",
  holdDetail: "hold: the quench keeps running",
  stop: "stopping",
};

export function createQuenchMachine(io: TagBatchWriter) {
  return stationSetup<QuenchContext, QuenchEvent, QuenchStatus>({ station: "quench", name: "the quench", io }).createMachine(
    s.machine({ ...STATION_CONTEXT, gasFlowSp: DEFAULT_STATION_SETPOINTS.quenchGasFlowLpm }, {
      ...flowStationStates(s, QUENCH_FLOW),
      stopping: s.writeThenOff("quench stop", QUENCH_WRITES.off, "stopped: gas and coolant off"),
      aborting: s.writeThenOff("quench abort", QUENCH_WRITES.off, "aborted: gas and coolant off"),
      fault: s.faultState({ answered: ["STATION.START", "STATION.HOLD"], on: { "STATION.STOP": s.take("stopping") } }),
    }),
  );
}

export type QuenchMachine = ReturnType<typeof createQuenchMachine>;
