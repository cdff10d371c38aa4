/**
 * The sequencer: the line (PackML) machine's child "sequencer". It spawns the four station machines as its
 * own children (registered sources, so they persist with the snapshot), forwards every TICK to them, keeps
 * their last reports, and runs the orders of PROCESS.md for each command of an acting PackML state:
 *
 *  SEQ.START (and UNHOLD / UNSUSPEND, where stations already running just confirm):
 *    rinse water flowing → quench gas + coolant flowing → argon purge until the O₂ permissive holds →
 *    web at speed (continuous) / drives ready (pulse) with the doser on → heater enabled (continuous: at
 *    temperature) → SEQ.DONE, then Execute.
 *  Execute: pulse mode loops index the web → one pulse → …; continuous mode holds at temperature. The roll
 *    length (relative to the start) against the target → SEQ.TARGET_REACHED; feed starved → SEQ.STARVED,
 *    hopper refilled → SEQ.FED.
 *  SEQ.STOP / SEQ.COMPLETE (and SEQ.CLEAR, which then checks the safe state):
 *    doser off → heater off and the web below the safe temperature → quench off → rinse flushed below the
 *    conductivity endpoint → drives stopped → SEQ.DONE.
 *  SEQ.HOLD / SEQ.SUSPEND: heater off → doser off and web stopped (quench and rinse keep running) → SEQ.DONE.
 *  SEQ.ABORT: heater off first, then doser and drives off, rinse off — at once, SEQ.DONE once written (the
 *    quench keeps cooling; SEQ.CLEAR stops it when the web is cool).
 *  SEQ.RESET: checks every station off and heater and drives off in the PLC → SEQ.DONE.
 * A station fault (every station wait has a deadline), or an htr trip while starting, → SEQ.FAILED with the
 * station's reason. In Execute an htr trip pauses the loop: the interlock layer owns the line's reaction.
 */
import { type ActorRefFrom, and, assign, enqueueActions, sendTo, setup, spawnChild, type SnapshotFrom, stateIn } from "xstate";
import type { ProcessView } from "./control-io.js";
import type { TagBatchWriter } from "../core/tag-io.js";
import {
  STATION_IDS,
  type SequenceParams,
  type SequencerCommand,
  type SequencerEvent,
  type SequencerReport,
  type StationId,
} from "./sequencer-protocol.js";
import { createFeedMachine, hopperRefilled } from "./stations/feed.machine.js";
import { createHtrMachine } from "./stations/htr.machine.js";
import { createQuenchMachine } from "./stations/quench.machine.js";
import { createRinseMachine } from "./stations/rinse.machine.js";
import {
  DEFAULT_STATION_SETPOINTS,
  type StationCommand,
  type StationCommandType,
  type StationSetpoints,
  type StationStatus,
  type StationStatusReport,
  armedDeadline,
  deadlinePassed,
  formatNumber,
  readBool,
  readNumber,
} from "./stations/station-protocol.js";

export const ROLL_LENGTH_TAG = "rinse.roll_length";
/** How long SEQ.RESET / SEQ.CLEAR wait for the process view to confirm the safe state, ms. */
export const SAFE_CHECK_TIMEOUT_MS = 5_000;

type CommandType = SequencerCommand["type"];

export interface StationSummary {
  readonly state: StationStatus;
  readonly detail: string;
}

export interface SequencerContext {
  readonly params: SequenceParams | undefined;
  readonly setpoints: StationSetpoints;
  /** The command being worked on (or last taken). */
  readonly command: CommandType | undefined;
  /** The last command reported done. */
  readonly lastDone: CommandType | undefined;
  readonly stations: Readonly<Record<StationId, StationSummary>>;
  readonly failure: string;
  /** rinse.roll_length at the start of the run. */
  readonly startLengthM: number | undefined;
  /** Metres processed in this run (last seen). */
  readonly processedM: number;
  readonly targetReported: boolean;
  readonly starvedReported: boolean;
  readonly pulses: number;
  readonly indexes: number;
  /** Why the Execute loop is paused. */
  readonly paused: string;
  /** Deadline of the safe-state check, epoch ms. */
  readonly deadline: number | undefined;
  /** Stations whose abort outputs are not yet confirmed written. */
  readonly awaiting: readonly StationId[];
}

export interface SequencerOptions {
  /** Flow setpoints the stations write when they start (default: the line's design values). */
  readonly setpoints?: Partial<StationSetpoints>;
}

type SeqEvent = SequencerEvent | StationStatusReport;

// ─── Pure rules ────────────────────────────────────────────────────────────────────────────────────────

/** A station's answer to `command`: its report with one of `statuses`, sent after it took the command. */
export function isAnswer(
  event: SeqEvent,
  station: StationId,
  statuses: readonly StationStatus[],
  command: StationCommandType,
): boolean {
  return event.type === "STATION.STATUS" && event.station === station && event.command === command && statuses.includes(event.status);
}

export function isFault(event: SeqEvent): boolean {
  return event.type === "STATION.STATUS" && event.status === "fault";
}

export function isHtrTrip(event: SeqEvent): boolean {
  return event.type === "STATION.STATUS" && event.station === "htr" && event.status === "tripped";
}

function failureReason(event: SeqEvent): string {
  if (event.type !== "STATION.STATUS") return "unknown failure";
  return event.status === "fault" ? event.detail : `${event.station} ${event.status}: ${event.detail}`;
}

/** Everything that keeps RESET / CLEAR from confirming a safe state (empty when safe). */
export function safeStateProblems(stations: Readonly<Record<StationId, StationSummary>>, view: ProcessView): string[] {
  const problems: string[] = [];
  for (const id of STATION_IDS) {
    const s = stations[id];
    if (s.state !== "off") problems.push(`${id} is ${s.state}${s.detail === "" ? "" : ` (${s.detail})`}`);
  }
  for (const tag of ["htr.heater_enable", "htr.heater_on", "feed.drives_running"]) {
    const v = readBool(view, tag);
    if (v !== false) problems.push(`${tag} is ${v === undefined ? "not Good" : "true"}`);
  }
  return problems;
}

/** Metres processed since the start of the run, or undefined before the start length is known. */
export function processedLength(startLengthM: number | undefined, view: ProcessView): number | undefined {
  const length = readNumber(view, ROLL_LENGTH_TAG);
  return startLengthM === undefined || length === undefined ? undefined : length - startLengthM;
}

const INITIAL_STATIONS: Readonly<Record<StationId, StationSummary>> = {
  feed: { state: "off", detail: "" },
  htr: { state: "off", detail: "" },
  quench: { state: "off", detail: "" },
  rinse: { state: "off", detail: "" },
};

/** Stations that get ABORT (heater first). The quench keeps cooling the web; CLEAR stops it. */
const ABORTED_STATIONS: readonly StationId[] = ["htr", "feed", "rinse"];
/** htr statuses in which the heater is off (HOLD answered). */
const HEATER_OFF_STATUSES: readonly StationStatus[] = ["cooling-down", "purging", "ready", "off", "tripped"];

function startCommand(context: SequencerContext): StationCommand {
  // params is set by SEQ.START; UNHOLD / UNSUSPEND without it go to failed before any START is sent.
  const params = context.params as SequenceParams;
  // The recipe's flows win over the design defaults, so the stations never fight the recipe download.
  return { type: "STATION.START", params, setpoints: { ...context.setpoints, ...params.flowSetpoints } };
}

// ─── Machine ───────────────────────────────────────────────────────────────────────────────────────────

export function createSequencerMachine(io: TagBatchWriter, options: SequencerOptions = {}) {
  const setpoints: StationSetpoints = { ...DEFAULT_STATION_SETPOINTS, ...options.setpoints };
  return setup({
    types: {
      context: {} as SequencerContext,
      events: {} as SeqEvent,
    },
    actors: {
      feed: createFeedMachine(io),
      htr: createHtrMachine(io),
      quench: createQuenchMachine(io),
      rinse: createRinseMachine(io),
    },
    guards: {
      hasParams: ({ context }) => context.params !== undefined,
      pulseMode: ({ context }) => context.params?.mode === "pulse",
      isFault: ({ event }) => isFault(event),
      isHtrTrip: ({ event }) => isHtrTrip(event),
      executing: stateIn({ sequence: "execute" }),
      feedStarved: ({ event }) => event.type === "STATION.STATUS" && event.station === "feed" && event.status === "starved",
    },
    actions: {
      reportDone: enqueueActions(({ context, self, enqueue }) => {
        const command = context.command;
        if (command === undefined) return;
        if (self._parent !== undefined) enqueue.sendParent({ type: "SEQ.DONE", command } satisfies SequencerReport);
        enqueue.assign({ lastDone: command });
      }),
      reportFailed: enqueueActions(({ context, self, enqueue }) => {
        const report: SequencerReport = { type: "SEQ.FAILED", command: context.command ?? "SEQ.START", reason: context.failure };
        if (self._parent !== undefined) enqueue.sendParent(report);
      }),
      noteFailure: assign({ failure: ({ event }) => failureReason(event) }),
      takeCommand: assign({ command: ({ event }) => (event.type.startsWith("SEQ.") ? (event.type as CommandType) : undefined) }),
      record: assign({
        stations: ({ context, event }) =>
          event.type === "STATION.STATUS"
            ? { ...context.stations, [event.station]: { state: event.status, detail: event.detail } }
            : context.stations,
      }),
      forwardTick: enqueueActions(({ event, enqueue }) => {
        if (event.type !== "TICK") return;
        // htr first: its trip detection matters most.
        for (const id of ["htr", "feed", "quench", "rinse"] as const) enqueue.sendTo(id, event);
      }),
      watchRun: enqueueActions(({ context, event, self, enqueue }) => {
        if (event.type !== "TICK" || context.params === undefined) return;
        if (context.startLengthM === undefined) {
          const length = readNumber(event.view, ROLL_LENGTH_TAG);
          if (length !== undefined) enqueue.assign({ startLengthM: length });
        }
        if (context.starvedReported && hopperRefilled(event.view)) {
          if (self._parent !== undefined) enqueue.sendParent({ type: "SEQ.FED" } satisfies SequencerReport);
          enqueue.assign({ starvedReported: false });
        }
      }),
      watchTarget: enqueueActions(({ context, event, self, enqueue }) => {
        if (event.type !== "TICK" || context.params === undefined) return;
        const processed = processedLength(context.startLengthM, event.view);
        if (processed === undefined) return;
        enqueue.assign({ processedM: processed });
        if (!context.targetReported && processed >= context.params.targetLengthM) {
          if (self._parent !== undefined) enqueue.sendParent({ type: "SEQ.TARGET_REACHED", lengthM: processed } satisfies SequencerReport);
          enqueue.assign({ targetReported: true });
        }
      }),
      reportStarvedOnce: enqueueActions(({ context, self, enqueue }) => {
        const feed = context.stations.feed;
        if (feed.state !== "starved" || context.starvedReported) return;
        if (self._parent !== undefined) enqueue.sendParent({ type: "SEQ.STARVED", reason: feed.detail } satisfies SequencerReport);
        enqueue.assign({ starvedReported: true });
      }),
      sendStart: sendTo((_, p: { station: StationId }) => p.station, ({ context }) => startCommand(context)),
      sendToStation: sendTo((_, p: { station: StationId; command: StationCommand }) => p.station, (_, p) => p.command),
    },
  }).createMachine({
    id: "sequencer",
    type: "parallel",
    context: {
      params: undefined,
      setpoints,
      command: undefined,
      lastDone: undefined,
      stations: INITIAL_STATIONS,
      failure: "",
      startLengthM: undefined,
      processedM: 0,
      targetReported: false,
      starvedReported: false,
      pulses: 0,
      indexes: 0,
      paused: "",
      deadline: undefined,
      awaiting: [],
    },
    entry: [
      spawnChild("feed", { id: "feed", systemId: "station.feed" }),
      spawnChild("htr", { id: "htr", systemId: "station.htr" }),
      spawnChild("quench", { id: "quench", systemId: "station.quench" }),
      spawnChild("rinse", { id: "rinse", systemId: "station.rinse" }),
    ],
    states: {
      // ── Always: forward time and values to the stations, keep their reports, watch the hopper refill.
      monitor: {
        on: {
          TICK: { actions: ["forwardTick", "watchRun"] },
          "STATION.STATUS": [
            { guard: and(["feedStarved", "executing"]), actions: ["record", "reportStarvedOnce"] },
            { actions: "record" },
          ],
        },
      },

      // ── The order of the current command.
      sequence: {
        initial: "idle",
        on: {
          "SEQ.START": {
            target: ".starting",
            actions: [
              "takeCommand",
              assign({
                params: ({ event }) => event.params,
                startLengthM: undefined,
                processedM: 0,
                targetReported: false,
                starvedReported: false,
                pulses: 0,
                indexes: 0,
                failure: "",
              }),
            ],
          },
          "SEQ.UNHOLD": [
            { guard: "hasParams", target: ".starting", actions: "takeCommand" },
            { target: ".failed", actions: ["takeCommand", assign({ failure: "SEQ.UNHOLD without a run: no START parameters" })] },
          ],
          "SEQ.UNSUSPEND": [
            { guard: "hasParams", target: ".starting", actions: "takeCommand" },
            { target: ".failed", actions: ["takeCommand", assign({ failure: "SEQ.UNSUSPEND without a run: no START parameters" })] },
          ],
          "SEQ.STOP": { target: ".stopping", actions: "takeCommand" },
          "SEQ.COMPLETE": { target: ".stopping", actions: "takeCommand" },
          "SEQ.CLEAR": { target: ".stopping", actions: "takeCommand" },
          "SEQ.HOLD": { target: ".holding", actions: "takeCommand" },
          "SEQ.SUSPEND": { target: ".holding", actions: "takeCommand" },
          "SEQ.ABORT": { target: ".aborting", actions: "takeCommand" },
          "SEQ.RESET": { target: ".resetting", actions: "takeCommand" },
        },
        states: {
          idle: {},

          failed: {
            entry: "reportFailed",
          },

          starting: {
            initial: "rinse",
            on: {
              "STATION.STATUS": [
                { guard: "isFault", target: "failed", actions: "noteFailure" },
                { guard: "isHtrTrip", target: "failed", actions: "noteFailure" },
              ],
            },
            states: {
              rinse: {
                entry: { type: "sendStart", params: { station: "rinse" } },
                on: { "STATION.STATUS": { guard: ({ event }) => isAnswer(event, "rinse", ["running"], "STATION.START"), target: "quench" } },
              },
              quench: {
                entry: { type: "sendStart", params: { station: "quench" } },
                on: { "STATION.STATUS": { guard: ({ event }) => isAnswer(event, "quench", ["running"], "STATION.START"), target: "purge" } },
              },
              purge: {
                entry: { type: "sendStart", params: { station: "htr" } },
                on: {
                  "STATION.STATUS": {
                    guard: ({ event }) => isAnswer(event, "htr", ["ready", "heating", "pulsing", "at-temperature"], "STATION.START"),
                    target: "web",
                  },
                },
              },
              web: {
                entry: { type: "sendStart", params: { station: "feed" } },
                on: { "STATION.STATUS": { guard: ({ event }) => isAnswer(event, "feed", ["running", "starved"], "STATION.START"), target: "heater" } },
              },
              heater: {
                entry: { type: "sendToStation", params: { station: "htr", command: { type: "STATION.HEAT" } } },
                on: {
                  "STATION.STATUS": [
                    {
                      guard: ({ context, event }) =>
                        context.params?.mode === "pulse"
                          ? isAnswer(event, "htr", ["heating"], "STATION.HEAT")
                          : isAnswer(event, "htr", ["at-temperature"], "STATION.HEAT"),
                      target: "done",
                    },
                  ],
                },
              },
              done: { type: "final" },
            },
            onDone: { target: "execute", actions: "reportDone" },
          },

          execute: {
            entry: "reportStarvedOnce",
            initial: "choose",
            on: {
              TICK: { actions: "watchTarget" },
              "STATION.STATUS": [
                { guard: "isFault", target: "failed", actions: "noteFailure" },
                {
                  guard: "isHtrTrip",
                  target: ".paused",
                  actions: assign({ paused: ({ event }) => (event.type === "STATION.STATUS" ? `htr tripped: ${event.detail}` : "htr tripped") }),
                },
              ],
            },
            states: {
              choose: { always: [{ guard: "pulseMode", target: "pulse" }, { target: "continuous" }] },
              continuous: {},
              paused: {},
              pulse: {
                initial: "index",
                states: {
                  index: {
                    entry: { type: "sendToStation", params: { station: "feed", command: { type: "STATION.INDEX" } } },
                    initial: "requested",
                    states: {
                      requested: {
                        on: { "STATION.STATUS": { guard: ({ event }) => isAnswer(event, "feed", ["indexing"], "STATION.INDEX"), target: "moving" } },
                      },
                      moving: {
                        on: {
                          "STATION.STATUS": {
                            guard: ({ event }) => isAnswer(event, "feed", ["running", "starved"], "STATION.INDEX"),
                            target: "#sequencer.sequence.execute.pulse.fire",
                            actions: assign({ indexes: ({ context }) => context.indexes + 1 }),
                          },
                        },
                      },
                    },
                  },
                  fire: {
                    entry: { type: "sendToStation", params: { station: "htr", command: { type: "STATION.PULSE" } } },
                    initial: "requested",
                    states: {
                      requested: {
                        on: { "STATION.STATUS": { guard: ({ event }) => isAnswer(event, "htr", ["pulsing"], "STATION.PULSE"), target: "running" } },
                      },
                      running: {
                        on: {
                          "STATION.STATUS": {
                            guard: ({ event }) => isAnswer(event, "htr", ["heating"], "STATION.PULSE"),
                            target: "#sequencer.sequence.execute.pulse.index",
                            actions: assign({ pulses: ({ context }) => context.pulses + 1 }),
                          },
                        },
                      },
                    },
                  },
                },
              },
            },
          },

          holding: {
            initial: "heater",
            on: { "STATION.STATUS": { guard: "isFault", target: "failed", actions: "noteFailure" } },
            states: {
              heater: {
                entry: { type: "sendToStation", params: { station: "htr", command: { type: "STATION.HOLD" } } },
                on: { "STATION.STATUS": { guard: ({ event }) => isAnswer(event, "htr", HEATER_OFF_STATUSES, "STATION.HOLD"), target: "feed" } },
              },
              feed: {
                entry: { type: "sendToStation", params: { station: "feed", command: { type: "STATION.HOLD" } } },
                on: { "STATION.STATUS": { guard: ({ event }) => isAnswer(event, "feed", ["off"], "STATION.HOLD"), target: "done" } },
              },
              done: { type: "final" },
            },
            onDone: { target: "idle", actions: "reportDone" },
          },

          stopping: {
            initial: "doser",
            on: { "STATION.STATUS": { guard: "isFault", target: "failed", actions: "noteFailure" } },
            states: {
              doser: {
                entry: { type: "sendToStation", params: { station: "feed", command: { type: "STATION.DOSER_OFF" } } },
                on: {
                  "STATION.STATUS": { guard: ({ event }) => isAnswer(event, "feed", ["doser-off", "off"], "STATION.DOSER_OFF"), target: "heater" },
                },
              },
              heater: {
                entry: { type: "sendToStation", params: { station: "htr", command: { type: "STATION.STOP" } } },
                on: { "STATION.STATUS": { guard: ({ event }) => isAnswer(event, "htr", ["off"], "STATION.STOP"), target: "quench" } },
              },
              quench: {
                entry: { type: "sendToStation", params: { station: "quench", command: { type: "STATION.STOP" } } },
                on: { "STATION.STATUS": { guard: ({ event }) => isAnswer(event, "quench", ["off"], "STATION.STOP"), target: "rinse" } },
              },
              rinse: {
                entry: { type: "sendToStation", params: { station: "rinse", command: { type: "STATION.STOP" } } },
                on: { "STATION.STATUS": { guard: ({ event }) => isAnswer(event, "rinse", ["off"], "STATION.STOP"), target: "drives" } },
              },
              drives: {
                entry: { type: "sendToStation", params: { station: "feed", command: { type: "STATION.STOP" } } },
                on: {
                  "STATION.STATUS": [
                    { guard: ({ event, context }) => context.command === "SEQ.CLEAR" && isAnswer(event, "feed", ["off"], "STATION.STOP"), target: "checking" },
                    { guard: ({ event }) => isAnswer(event, "feed", ["off"], "STATION.STOP"), target: "done" },
                  ],
                },
              },
              checking: {
                entry: assign({ deadline: undefined }),
                on: {
                  TICK: [
                    { guard: ({ context, event }) => safeStateProblems(context.stations, event.view).length === 0, target: "done" },
                    {
                      guard: ({ context, event }) => deadlinePassed(context.deadline, event.now),
                      target: "#sequencer.sequence.failed",
                      actions: assign({
                        failure: ({ context, event }) => `clear: not safe after ${formatNumber(SAFE_CHECK_TIMEOUT_MS / 1000)} s: ${safeStateProblems(context.stations, event.view).join("; ")}`,
                      }),
                    },
                    { actions: assign({ deadline: ({ context, event }) => armedDeadline(context.deadline, event.now, SAFE_CHECK_TIMEOUT_MS) }) },
                  ],
                },
              },
              done: { type: "final" },
            },
            onDone: { target: "idle", actions: "reportDone" },
          },

          aborting: {
            entry: [
              assign({ awaiting: ABORTED_STATIONS }),
              // Heater first.
              { type: "sendToStation", params: { station: "htr", command: { type: "STATION.ABORT" } } },
              { type: "sendToStation", params: { station: "feed", command: { type: "STATION.ABORT" } } },
              { type: "sendToStation", params: { station: "rinse", command: { type: "STATION.ABORT" } } },
            ],
            on: {
              "STATION.STATUS": [
                { guard: "isFault", target: "failed", actions: "noteFailure" },
                {
                  guard: ({ context, event }) =>
                    event.type === "STATION.STATUS" &&
                    context.awaiting.length === 1 &&
                    context.awaiting[0] === event.station &&
                    isAnswer(event, event.station, ["off"], "STATION.ABORT"),
                  target: "idle",
                  actions: [assign({ awaiting: [] }), "reportDone"],
                },
                {
                  guard: ({ context, event }) =>
                    event.type === "STATION.STATUS" &&
                    context.awaiting.includes(event.station) &&
                    isAnswer(event, event.station, ["off"], "STATION.ABORT"),
                  actions: assign({
                    awaiting: ({ context, event }) => context.awaiting.filter((id) => event.type !== "STATION.STATUS" || id !== event.station),
                  }),
                },
              ],
            },
          },

          resetting: {
            entry: assign({ deadline: undefined }),
            on: {
              TICK: [
                { guard: ({ context, event }) => safeStateProblems(context.stations, event.view).length === 0, target: "idle", actions: "reportDone" },
                {
                  guard: ({ context, event }) => deadlinePassed(context.deadline, event.now),
                  target: "failed",
                  actions: assign({
                    failure: ({ context, event }) =>
                      `reset: not safe after ${formatNumber(SAFE_CHECK_TIMEOUT_MS / 1000)} s: ${safeStateProblems(context.stations, event.view).join("; ")}`,
                  }),
                },
                { actions: assign({ deadline: ({ context, event }) => armedDeadline(context.deadline, event.now, SAFE_CHECK_TIMEOUT_MS) }) },
              ],
            },
          },
        },
      },
    },
  });
}

export type SequencerMachine = ReturnType<typeof createSequencerMachine>;
export type SequencerActor = ActorRefFrom<SequencerMachine>;
export type SequencerSnapshot = SnapshotFrom<SequencerMachine>;

// ─── Status for the API ────────────────────────────────────────────────────────────────────────────────

export interface SequencerStatus {
  /** What the sequencer is doing, e.g. "starting: argon purge (O₂ < 50 ppm)", "execute: pulse 12", "held". */
  readonly step: string;
  readonly stations: Readonly<Record<StationId, StationSummary>>;
  /** Metres processed in this run (roll length since the start). */
  readonly processedM: number;
  /** Pulses completed in this run (pulse mode). */
  readonly pulses: number;
}

const VERBS: Readonly<Record<CommandType, string>> = {
  "SEQ.START": "starting",
  "SEQ.UNHOLD": "unholding",
  "SEQ.UNSUSPEND": "unsuspending",
  "SEQ.STOP": "stopping",
  "SEQ.COMPLETE": "completing",
  "SEQ.CLEAR": "clearing",
  "SEQ.HOLD": "holding",
  "SEQ.SUSPEND": "suspending",
  "SEQ.ABORT": "aborting",
  "SEQ.RESET": "resetting",
};

const AT_REST: Readonly<Record<CommandType, string>> = {
  "SEQ.START": "executing",
  "SEQ.UNHOLD": "executing",
  "SEQ.UNSUSPEND": "executing",
  "SEQ.STOP": "stopped",
  "SEQ.COMPLETE": "complete",
  "SEQ.CLEAR": "stopped",
  "SEQ.HOLD": "held",
  "SEQ.SUSPEND": "suspended",
  "SEQ.ABORT": "aborted",
  "SEQ.RESET": "idle",
};

/** The active state path below `value` ("execute.pulse.fire.running"). */
function statePath(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (value !== null && typeof value === "object") {
    const [key, child] = Object.entries(value as Record<string, unknown>)[0] ?? [];
    return key === undefined ? [] : [key, ...statePath(child)];
  }
  return [];
}

function stepLabel(path: readonly string[], c: SequencerContext): string {
  const [top, sub, leaf] = path;
  const verb = c.command === undefined ? "" : VERBS[c.command];
  const pulse = c.params?.mode === "pulse";
  switch (top) {
    case "starting":
      return `${verb}: ${
        {
          rinse: "rinse water",
          quench: "quench gas and coolant",
          purge: `argon purge (O₂ < ${c.params?.o2PermissivePpm ?? "?"} ppm)`,
          web: pulse ? "drives ready for indexing" : `web to ${c.params?.webSpeed ?? "?"} m/min`,
          heater: pulse ? "heater enable" : "heater enable, ramp to temperature",
          done: "done",
        }[sub ?? ""] ?? sub
      }`;
    case "execute":
      if (sub === "paused") return `execute: paused (${c.paused})`;
      if (sub === "pulse") return leaf === "fire" ? `execute: pulse ${c.pulses + 1}` : `execute: index ${c.indexes + 1}`;
      return "execute: at temperature";
    case "stopping":
      return `${verb}: ${
        {
          doser: "doser off",
          heater: `heater off, web cooling below ${c.params?.safeWebTempK ?? "the safe temperature"} K`,
          quench: "quench off",
          rinse: `rinse flush (conductivity < ${c.params?.conductivityEndpoint ?? "?"} µS/cm)`,
          drives: "drives stop",
          checking: "checking the safe state",
          done: "done",
        }[sub ?? ""] ?? sub
      }`;
    case "holding":
      return `${verb}: ${sub === "heater" ? "heater off" : sub === "feed" ? "doser off, web stop" : "done"}`;
    case "aborting":
      return `aborting: safe outputs (waiting for ${c.awaiting.join(", ") || "none"})`;
    case "resetting":
      return "resetting: checking the safe state";
    case "failed":
      return `failed: ${c.failure}`;
    default:
      return c.lastDone === undefined ? "idle" : AT_REST[c.lastDone];
  }
}

/** Pure: what the API shows of the sequencer (works on a live or a persisted snapshot). */
export function sequencerStatus(snapshot: { readonly value: unknown; readonly context: SequencerContext }): SequencerStatus {
  const value = snapshot.value as { sequence?: unknown };
  const c = snapshot.context;
  return {
    step: stepLabel(statePath(value.sequence), c),
    stations: c.stations,
    processedM: c.processedM,
    pulses: c.pulses,
  };
}
