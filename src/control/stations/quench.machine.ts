/**
 * The quench station (argon gas knife + water-cooled chill plates): off → starting (gas-flow setpoint, gas
 * on, coolant on; wait until both flows reach the run's minimums) → running → off. HOLD keeps it running
 * (it cools the web). STOP and ABORT switch gas and coolant off; the sequencer only stops the quench once
 * the web is below its safe temperature. In the cool phase of a pulse the PLC opens the knife by itself.
 */
import { assign, enqueueActions, setup } from "xstate";
import type { ProcessView } from "../control-io.js";
import type { TagBatchWriter, TagWrite } from "../../core/tag-io.js";
import type { SequenceParams } from "../sequencer-protocol.js";
import {
  DEFAULT_STATION_SETPOINTS,
  type QuenchEvent,
  type QuenchStatus,
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

export const QUENCH_TAGS = {
  gasOn: "quench.gas_on",
  gasFlowSp: "quench.gas_flow_sp",
  gasFlow: "quench.gas_flow",
  coolantOn: "quench.coolant_on",
  coolantFlow: "quench.coolant_flow",
} as const;

export interface QuenchContext {
  readonly params: SequenceParams | undefined;
  readonly gasFlowSp: number;
  readonly deadline: number | undefined;
  readonly reason: string;
  readonly offDetail: string;
  readonly command: StationCommandType | "none";
}

// ─── Pure rules ────────────────────────────────────────────────────────────────────────────────────────

export function quenchStartWrites(gasFlowSp: number): TagWrite[] {
  return [
    { tag: QUENCH_TAGS.gasFlowSp, value: gasFlowSp },
    { tag: QUENCH_TAGS.gasOn, value: true },
    { tag: QUENCH_TAGS.coolantOn, value: true },
  ];
}

export const QUENCH_OFF_WRITES: readonly TagWrite[] = [
  { tag: QUENCH_TAGS.gasOn, value: false },
  { tag: QUENCH_TAGS.coolantOn, value: false },
];

export function quenchFlowing(view: ProcessView, minGas: number, minCoolant: number): boolean {
  const gas = readNumber(view, QUENCH_TAGS.gasFlow);
  const coolant = readNumber(view, QUENCH_TAGS.coolantFlow);
  return gas !== undefined && coolant !== undefined && gas >= minGas && coolant >= minCoolant;
}

function flowsTimeoutReason(params: SequenceParams | undefined, view: ProcessView): string {
  const actual = [
    formatReading("gas flow", readNumber(view, QUENCH_TAGS.gasFlow), "L/min"),
    formatReading("coolant flow", readNumber(view, QUENCH_TAGS.coolantFlow), "L/min"),
  ].join(", ");
  const needs = `gas ≥ ${params?.minQuenchGasFlow ?? 0} L/min, coolant ≥ ${params?.minCoolantFlow ?? 0} L/min`;
  return timeoutReason("quench flows", actual, timeoutOf(params, "flowMs"), needs);
}

// ─── Machine ───────────────────────────────────────────────────────────────────────────────────────────

export function createQuenchMachine(io: TagBatchWriter) {
  return setup({
    types: {
      context: {} as QuenchContext,
      events: {} as QuenchEvent,
    },
    actors: { writeTags: createWriteTagsActor(io) },
    actions: {
      // To the parent (the sequencer); a machine run without one (pure transitions, tools) reports nothing.
      report: enqueueActions(({ context, self, enqueue }, p: { status: QuenchStatus; detail: string }) => {
        if (self._parent !== undefined) enqueue.sendParent(statusReport("quench", p.status, p.detail, context.command));
      }),
      takeCommand: assign({ command: ({ event }) => (event.type === "TICK" ? "none" : event.type) }),
      clearDeadline: assign({ deadline: undefined }),
    },
  }).createMachine({
    id: "quench",
    context: {
      params: undefined,
      gasFlowSp: DEFAULT_STATION_SETPOINTS.quenchGasFlowLpm,
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
              assign({ params: ({ event }) => event.params, gasFlowSp: ({ event }) => event.setpoints.quenchGasFlowLpm }),
            ],
          },
          // STOP when off still writes gas and coolant off (after a restart the PLC may have them on).
          "STATION.STOP": { target: "stopping", actions: "takeCommand" },
          "STATION.HOLD": { actions: ["takeCommand", { type: "report", params: { status: "off", detail: "off" } }] },
        },
      },

      starting: {
        entry: {
          type: "report",
          params: ({ context }) => ({ status: "starting", detail: `gas knife on at ${context.gasFlowSp} L/min, coolant on` }),
        },
        initial: "writing",
        on: {
          "STATION.START": { actions: ["takeCommand", { type: "report", params: { status: "starting", detail: "already starting" } }] },
          "STATION.HOLD": { actions: ["takeCommand", { type: "report", params: { status: "starting", detail: "hold: the quench keeps running" } }] },
          "STATION.STOP": { target: "stopping", actions: "takeCommand" },
        },
        states: {
          writing: {
            invoke: {
              src: "writeTags",
              input: ({ context }) => ({ writes: quenchStartWrites(context.gasFlowSp) }),
              onDone: [
                { guard: ({ event }) => event.output.ok, target: "waiting" },
                { target: "#quench.fault", actions: assign({ reason: ({ event }) => writeFailureReason("quench start", event.output) }) },
              ],
              onError: { target: "#quench.fault", actions: assign({ reason: ({ event }) => writeErrorReason("quench start", event.error) }) },
            },
          },
          waiting: {
            entry: "clearDeadline",
            on: {
              TICK: [
                {
                  guard: ({ context, event }) =>
                    quenchFlowing(event.view, context.params?.minQuenchGasFlow ?? 0, context.params?.minCoolantFlow ?? 0),
                  target: "#quench.running",
                },
                {
                  guard: ({ context, event }) => deadlinePassed(context.deadline, event.now),
                  target: "#quench.fault",
                  actions: assign({ reason: ({ context, event }) => flowsTimeoutReason(context.params, event.view) }),
                },
                { actions: assign({ deadline: ({ context, event }) => armedDeadline(context.deadline, event.now, timeoutOf(context.params, "flowMs")) }) },
              ],
            },
          },
        },
      },

      running: {
        entry: { type: "report", params: { status: "running", detail: "gas and coolant flowing" } },
        on: {
          "STATION.START": { actions: ["takeCommand", { type: "report", params: { status: "running", detail: "already running" } }] },
          "STATION.HOLD": { actions: ["takeCommand", { type: "report", params: { status: "running", detail: "hold: the quench keeps running" } }] },
          "STATION.STOP": { target: "stopping", actions: "takeCommand" },
        },
      },

      stopping: {
        invoke: {
          src: "writeTags",
          input: { writes: QUENCH_OFF_WRITES },
          onDone: [
            { guard: ({ event }) => event.output.ok, target: "off", actions: assign({ offDetail: "stopped: gas and coolant off" }) },
            { target: "fault", actions: assign({ reason: ({ event }) => writeFailureReason("quench stop", event.output) }) },
          ],
          onError: { target: "fault", actions: assign({ reason: ({ event }) => writeErrorReason("quench stop", event.error) }) },
        },
      },

      aborting: {
        invoke: {
          src: "writeTags",
          input: { writes: QUENCH_OFF_WRITES },
          onDone: [
            { guard: ({ event }) => event.output.ok, target: "off", actions: assign({ offDetail: "aborted: gas and coolant off" }) },
            { target: "fault", actions: assign({ reason: ({ event }) => writeFailureReason("quench abort", event.output) }) },
          ],
          onError: { target: "fault", actions: assign({ reason: ({ event }) => writeErrorReason("quench abort", event.error) }) },
        },
      },

      fault: {
        entry: { type: "report", params: ({ context }) => ({ status: "fault", detail: context.reason }) },
        on: {
          "STATION.START": { actions: ["takeCommand", { type: "report", params: ({ context }) => ({ status: "fault", detail: context.reason }) }] },
          "STATION.HOLD": { actions: ["takeCommand", { type: "report", params: ({ context }) => ({ status: "fault", detail: context.reason }) }] },
          "STATION.STOP": { target: "stopping", actions: "takeCommand" },
        },
      },
    },
  });
}

export type QuenchMachine = ReturnType<typeof createQuenchMachine>;
