/**
 * The NaCl rinse station: off → starting (pump on, water-flow setpoint, dryer on; wait until the water flows)
 * → running → flushing (on stop: the water keeps running until the effluent conductivity is below the
 * recipe's endpoint) → off. HOLD keeps the water running. ABORT switches pump and dryer off at once.
 */
import { assign, enqueueActions, setup } from "xstate";
import type { ProcessView } from "../control-io.js";
import type { TagBatchWriter, TagWrite } from "../../core/tag-io.js";
import type { SequenceParams } from "../sequencer-protocol.js";
import {
  DEFAULT_STATION_SETPOINTS,
  type RinseEvent,
  type RinseStatus,
  type StationCommandType,
  armedDeadline,
  createWriteTagsActor,
  deadlinePassed,
  formatReading,
  readNumber,
  statusReport,
  timeoutOf,
  timeoutReason,
  writeErrorReason,
  writeFailureReason,
} from "./station-protocol.js";

export const RINSE_TAGS = {
  pumpOn: "rinse.pump_on",
  dryerOn: "rinse.dryer_on",
  waterFlowSp: "rinse.water_flow_sp",
  waterFlow: "rinse.water_flow",
  conductivity: "rinse.conductivity",
} as const;

export interface RinseContext {
  readonly params: SequenceParams | undefined;
  readonly waterFlowSp: number;
  /** Deadline of the current wait, epoch ms (armed by the first TICK in the wait). */
  readonly deadline: number | undefined;
  /** Why the station is in fault. */
  readonly reason: string;
  /** Detail of the next "off" report (stopped, flushed, aborted). */
  readonly offDetail: string;
  readonly command: StationCommandType | "none";
}

// ─── Pure rules ────────────────────────────────────────────────────────────────────────────────────────

export function rinseStartWrites(waterFlowSp: number): TagWrite[] {
  return [
    { tag: RINSE_TAGS.waterFlowSp, value: waterFlowSp },
    { tag: RINSE_TAGS.pumpOn, value: true },
    { tag: RINSE_TAGS.dryerOn, value: true },
  ];
}

export const RINSE_OFF_WRITES: readonly TagWrite[] = [
  { tag: RINSE_TAGS.pumpOn, value: false },
  { tag: RINSE_TAGS.dryerOn, value: false },
];

export function waterFlowing(view: ProcessView, minFlow: number): boolean {
  const flow = readNumber(view, RINSE_TAGS.waterFlow);
  return flow !== undefined && flow >= minFlow;
}

export function rinseClean(view: ProcessView, endpoint: number): boolean {
  const c = readNumber(view, RINSE_TAGS.conductivity);
  return c !== undefined && c < endpoint;
}

// ─── Machine ───────────────────────────────────────────────────────────────────────────────────────────

export function createRinseMachine(io: TagBatchWriter) {
  return setup({
    types: {
      context: {} as RinseContext,
      events: {} as RinseEvent,
    },
    actors: { writeTags: createWriteTagsActor(io) },
    actions: {
      // To the parent (the sequencer); a machine run without one (pure transitions, tools) reports nothing.
      report: enqueueActions(({ context, self, enqueue }, p: { status: RinseStatus; detail: string }) => {
        if (self._parent !== undefined) enqueue.sendParent(statusReport("rinse", p.status, p.detail, context.command));
      }),
      takeCommand: assign({ command: ({ event }) => (event.type === "TICK" ? "none" : event.type) }),
      clearDeadline: assign({ deadline: undefined }),
    },
  }).createMachine({
    id: "rinse",
    context: {
      params: undefined,
      waterFlowSp: DEFAULT_STATION_SETPOINTS.rinseWaterFlowLpm,
      deadline: undefined,
      reason: "",
      offDetail: "off",
      command: "none",
    },
    initial: "off",
    on: {
      "STATION.ABORT": { target: ".aborting", actions: "takeCommand" },
    },
    states: {
      off: {
        entry: { type: "report", params: ({ context }) => ({ status: "off", detail: context.offDetail }) },
        on: {
          "STATION.START": {
            target: "starting",
            actions: [
              "takeCommand",
              assign({ params: ({ event }) => event.params, waterFlowSp: ({ event }) => event.setpoints.rinseWaterFlowLpm }),
            ],
          },
          // STOP when off still writes pump and dryer off (after a restart the PLC may have them on).
          "STATION.STOP": { target: "stopping", actions: ["takeCommand", assign({ offDetail: "stopped: pump and dryer off" })] },
          "STATION.HOLD": { actions: ["takeCommand", { type: "report", params: { status: "off", detail: "off" } }] },
        },
      },

      starting: {
        entry: {
          type: "report",
          params: ({ context }) => ({ status: "starting", detail: `pump on, water flow setpoint ${context.waterFlowSp} L/min` }),
        },
        initial: "writing",
        on: {
          "STATION.START": { actions: ["takeCommand", { type: "report", params: { status: "starting", detail: "already starting" } }] },
          "STATION.HOLD": { actions: ["takeCommand", { type: "report", params: { status: "starting", detail: "hold: the water keeps running" } }] },
          "STATION.STOP": { target: "flushing", actions: "takeCommand" },
        },
        states: {
          writing: {
            invoke: {
              src: "writeTags",
              input: ({ context }) => ({ writes: rinseStartWrites(context.waterFlowSp) }),
              onDone: [
                { guard: ({ event }) => event.output.ok, target: "waiting" },
                { target: "#rinse.fault", actions: assign({ reason: ({ event }) => writeFailureReason("rinse start", event.output) }) },
              ],
              onError: { target: "#rinse.fault", actions: assign({ reason: ({ event }) => writeErrorReason("rinse start", event.error) }) },
            },
          },
          waiting: {
            entry: "clearDeadline",
            on: {
              TICK: [
                {
                  guard: ({ context, event }) => waterFlowing(event.view, context.params?.minRinseFlow ?? 0),
                  target: "#rinse.running",
                },
                {
                  guard: ({ context, event }) => deadlinePassed(context.deadline, event.now),
                  target: "#rinse.fault",
                  actions: assign({
                    reason: ({ context, event }) =>
                      timeoutReason(
                        "rinse water flow",
                        formatReading("water flow", readNumber(event.view, RINSE_TAGS.waterFlow), "L/min"),
                        timeoutOf(context.params, "flowMs"),
                        `≥ ${context.params?.minRinseFlow ?? 0} L/min`,
                      ),
                  }),
                },
                { actions: assign({ deadline: ({ context, event }) => armedDeadline(context.deadline, event.now, timeoutOf(context.params, "flowMs")) }) },
              ],
            },
          },
        },
      },

      running: {
        entry: { type: "report", params: ({ context }) => ({ status: "running", detail: `water flowing (≥ ${context.params?.minRinseFlow ?? 0} L/min)` }) },
        on: {
          "STATION.START": { actions: ["takeCommand", { type: "report", params: { status: "running", detail: "already running" } }] },
          "STATION.HOLD": { actions: ["takeCommand", { type: "report", params: { status: "running", detail: "hold: the water keeps running" } }] },
          "STATION.STOP": { target: "flushing", actions: "takeCommand" },
        },
      },

      flushing: {
        entry: [
          "clearDeadline",
          {
            type: "report",
            params: ({ context }) => ({
              status: "flushing",
              detail: `water on until conductivity < ${context.params?.conductivityEndpoint ?? 0} µS/cm`,
            }),
          },
        ],
        on: {
          "STATION.START": { target: "running", actions: "takeCommand" },
          "STATION.STOP": { actions: ["takeCommand", { type: "report", params: { status: "flushing", detail: "already flushing" } }] },
          "STATION.HOLD": { actions: ["takeCommand", { type: "report", params: { status: "flushing", detail: "flushing" } }] },
          TICK: [
            {
              guard: ({ context, event }) => rinseClean(event.view, context.params?.conductivityEndpoint ?? 0),
              target: "stopping",
              actions: assign({
                offDetail: ({ event }) =>
                  `flushed: ${formatReading("conductivity", readNumber(event.view, RINSE_TAGS.conductivity), "µS/cm")}`,
              }),
            },
            {
              guard: ({ context, event }) => deadlinePassed(context.deadline, event.now),
              target: "fault",
              actions: assign({
                reason: ({ context, event }) =>
                  timeoutReason(
                    "rinse flush",
                    formatReading("conductivity", readNumber(event.view, RINSE_TAGS.conductivity), "µS/cm"),
                    timeoutOf(context.params, "flushMs"),
                    `< ${context.params?.conductivityEndpoint ?? 0} µS/cm`,
                  ),
              }),
            },
            { actions: assign({ deadline: ({ context, event }) => armedDeadline(context.deadline, event.now, timeoutOf(context.params, "flushMs")) }) },
          ],
        },
      },

      stopping: {
        invoke: {
          src: "writeTags",
          input: { writes: RINSE_OFF_WRITES },
          onDone: [
            { guard: ({ event }) => event.output.ok, target: "off" },
            { target: "fault", actions: assign({ reason: ({ event }) => writeFailureReason("rinse stop", event.output) }) },
          ],
          onError: { target: "fault", actions: assign({ reason: ({ event }) => writeErrorReason("rinse stop", event.error) }) },
        },
      },

      aborting: {
        invoke: {
          src: "writeTags",
          input: { writes: RINSE_OFF_WRITES },
          onDone: [
            { guard: ({ event }) => event.output.ok, target: "off", actions: assign({ offDetail: "aborted: pump and dryer off" }) },
            { target: "fault", actions: assign({ reason: ({ event }) => writeFailureReason("rinse abort", event.output) }) },
          ],
          onError: { target: "fault", actions: assign({ reason: ({ event }) => writeErrorReason("rinse abort", event.error) }) },
        },
      },

      fault: {
        entry: { type: "report", params: ({ context }) => ({ status: "fault", detail: context.reason }) },
        on: {
          "STATION.START": { actions: ["takeCommand", { type: "report", params: ({ context }) => ({ status: "fault", detail: context.reason }) }] },
          "STATION.HOLD": { actions: ["takeCommand", { type: "report", params: ({ context }) => ({ status: "fault", detail: context.reason }) }] },
          "STATION.STOP": { target: "stopping", actions: ["takeCommand", assign({ offDetail: "stopped after a fault" })] },
        },
      },
    },
  });
}

export type RinseMachine = ReturnType<typeof createRinseMachine>;
