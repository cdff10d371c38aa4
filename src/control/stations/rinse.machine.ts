/**
 * The NaCl rinse station: off → starting (pump on, water-flow setpoint, dryer on; wait until the water flows)
 * → running → flushing (on stop: the water keeps running until the effluent conductivity is below the
 * recipe's endpoint) → off. HOLD keeps the water running. ABORT switches pump and dryer off at once.
 */
import { assign } from "xstate";
import type { ProcessView } from "../control-io.js";
import type { TagBatchWriter } from "../../core/tag-io.js";
import type { RinseEvent, RinseStatus } from "./station-protocol.js";
import { DEFAULT_STATION_SETPOINTS, formatReading, outputWrites, readNumber, timeoutOf, timeoutReason } from "./station-protocol.js";
import { STATION_CONTEXT, type StationContext, stationSetup } from "./station-setup.js";
import { StationStates } from "./station-states.js";
import { type FlowStationOptions, flowStationStates } from "./flow-station-states.js";

export const RINSE_TAGS = {
  pumpOn: "rinse.pump_on",
  dryerOn: "rinse.dryer_on",
  waterFlowSp: "rinse.water_flow_sp",
  waterFlow: "rinse.water_flow",
  conductivity: "rinse.conductivity",
} as const;

export interface RinseContext extends StationContext {
  readonly waterFlowSp: number;
}

// ─── Pure rules ────────────────────────────────────────────────────────────────────────────────────────

/** Start: the water-flow setpoint, then pump and dryer on. Off: pump, then dryer. */
export const RINSE_WRITES = outputWrites(RINSE_TAGS.waterFlowSp, [RINSE_TAGS.pumpOn, RINSE_TAGS.dryerOn]);

export function waterFlowing(view: ProcessView, minFlow: number): boolean {
  const flow = readNumber(view, RINSE_TAGS.waterFlow);
  return flow !== undefined && flow >= minFlow;
}

export function rinseClean(view: ProcessView, endpoint: number): boolean {
  const c = readNumber(view, RINSE_TAGS.conductivity);
  return c !== undefined && c < endpoint;
}

// ─── Machine ───────────────────────────────────────────────────────────────────────────────────────────

const s = new StationStates<RinseContext, RinseEvent, RinseStatus>("rinse");

/** The rinse as a flow station: on once the water flows; a stop flushes first. */
const RINSE_FLOW: FlowStationOptions<RinseContext, RinseEvent, RinseStatus> = {
  started: (start) => ({ waterFlowSp: start.setpoints.rinseWaterFlowLpm }),
  stopWhenOff: [assign({ offDetail: "stopped: pump and dryer off" })],
  startWrite: { what: "rinse start", writes: (c) => RINSE_WRITES.start(c.waterFlowSp) },
  flowing: (c, view) => waterFlowing(view, c.params?.minRinseFlow ?? 0),
  flows: {
    what: "rinse water flow",
    reading: (view) => formatReading("water flow", readNumber(view, RINSE_TAGS.waterFlow), "L/min"),
    needs: (c) => `≥ ${c.params?.minRinseFlow ?? 0} L/min`,
  },
  startingDetail: (c) => `pump on, water flow setpoint ${c.waterFlowSp} L/min`,
  runningDetail: (c) => `water flowing (≥ ${c.params?.minRinseFlow ?? 0} L/min)`,
  holdDetail: "hold: the water keeps running",
  stop: "flushing",
};

function conductivityReading(view: ProcessView): string {
  return formatReading("conductivity", readNumber(view, RINSE_TAGS.conductivity), "µS/cm");
}

export function createRinseMachine(io: TagBatchWriter) {
  return stationSetup<RinseContext, RinseEvent, RinseStatus>({ station: "rinse", name: "the rinse", io }).createMachine(
    s.machine({ ...STATION_CONTEXT, waterFlowSp: DEFAULT_STATION_SETPOINTS.rinseWaterFlowLpm }, {
      ...flowStationStates(s, RINSE_FLOW),
      flushing: s.waitUntil({
        entry: [s.report("flushing", (c) => `water on until conductivity < ${c.params?.conductivityEndpoint ?? 0} µS/cm`)],
        on: {
          "STATION.START": s.take("running"),
          "STATION.STOP": s.answer("flushing", "already flushing"),
          "STATION.HOLD": s.answer("flushing", "flushing"),
        },
        until: [
          {
            guard: ({ context, event }) => rinseClean(event.view, context.params?.conductivityEndpoint ?? 0),
            target: "stopping",
            actions: assign({ offDetail: ({ event }) => `flushed: ${conductivityReading(event.view)}` }),
          },
        ],
        timeoutMs: (c) => timeoutOf(c.params, "flushMs"),
        timedOut: (c, view) =>
          timeoutReason("rinse flush", conductivityReading(view), timeoutOf(c.params, "flushMs"), `< ${c.params?.conductivityEndpoint ?? 0} µS/cm`),
      }),

      stopping: s.writeThenWait("rinse stop", RINSE_WRITES.off, "off"),
      aborting: s.writeThenOff("rinse abort", RINSE_WRITES.off, "aborted: pump and dryer off"),
      fault: s.faultState({
        answered: ["STATION.START", "STATION.HOLD"],
        on: { "STATION.STOP": s.take("stopping", assign({ offDetail: "stopped after a fault" })) },
      }),
    }),
  );
}

export type RinseMachine = ReturnType<typeof createRinseMachine>;
