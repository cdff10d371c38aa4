/**
 * The precursor feed (unwinder drives, hopper + screw doser): off → starting → running (doser on) →
 * stopping (doser off, then drives off; wait until the web stands) → off.
 *  - continuous mode: starting writes the web-speed setpoint and runs the drives, then waits until the web
 *    runs within 10 % of the setpoint;
 *  - pulse mode: the drives stay off (the PLC refuses an index while feed.drives_run is on) and STATION.INDEX
 *    moves the web one index length (index_cmd, then feed.indexing true → false); the doser runs with the index.
 * starved: the hopper fell below HOPPER_LOW_PCT while running; back to running at HOPPER_REFILLED_PCT.
 * STATION.DOSER_OFF stops only the doser (the line's stop keeps the web moving until the rinse is flushed).
 * HOLD stops the feed like STOP. ABORT writes doser off, drives off and no index at once.
 */
import { assign, enqueueActions, setup } from "xstate";
import type { ProcessView } from "../control-io.js";
import type { TagBatchWriter, TagWrite } from "../../core/tag-io.js";
import type { SequenceParams } from "../sequencer-protocol.js";
import {
  type FeedEvent,
  type FeedStatus,
  type StationCommandType,
  armedDeadline,
  createWriteTagsActor,
  deadlinePassed,
  formatNumber,
  formatReading,
  readBool,
  readNumber,
  statusReport,
  timeoutOf,
  timeoutReason,
  writeErrorReason,
  writeFailureReason,
} from "./station-protocol.js";

export const FEED_TAGS = {
  drivesRun: "feed.drives_run",
  drivesRunning: "feed.drives_running",
  webSpeed: "feed.web_speed",
  webSpeedSp: "feed.web_speed_sp",
  doserOn: "feed.doser_on",
  indexCmd: "feed.index_cmd",
  indexing: "feed.indexing",
  encoderPos: "feed.encoder_pos",
  hopperLevel: "feed.hopper_level",
} as const;

/** The web runs "at speed" within this fraction of the setpoint. */
export const WEB_SPEED_TOLERANCE = 0.1;
/** Below this the web stands, m/min. */
export const WEB_STOPPED_MPM = 0.01;
/** Hopper level below which a running feed is starved, %. */
export const HOPPER_LOW_PCT = 5;
/** Hopper level at which a starved feed counts as refilled (hysteresis), %. */
export const HOPPER_REFILLED_PCT = 10;
/** An index counts as started once the encoder moved this far, m (when feed.indexing was missed between TICKs). */
export const INDEX_MOVED_M = 0.005;

export interface FeedContext {
  readonly params: SequenceParams | undefined;
  readonly deadline: number | undefined;
  readonly reason: string;
  readonly offDetail: string;
  readonly command: StationCommandType | "none";
  /** Encoder position last seen while running (the start of the next index). */
  readonly lastEncoderM: number | undefined;
  /** Encoder position the running index started from. */
  readonly encoderAtIndex: number | undefined;
  /** Indexes completed since the station was started. */
  readonly indexes: number;
}

// ─── Pure rules ────────────────────────────────────────────────────────────────────────────────────────

export function continuousStartWrites(webSpeed: number): TagWrite[] {
  return [
    { tag: FEED_TAGS.webSpeedSp, value: webSpeed },
    { tag: FEED_TAGS.drivesRun, value: true },
  ];
}
/** Pulse mode: the drives must be off for the PLC to index. */
export const PULSE_START_WRITES: readonly TagWrite[] = [{ tag: FEED_TAGS.drivesRun, value: false }];
export const DOSER_ON_WRITES: readonly TagWrite[] = [{ tag: FEED_TAGS.doserOn, value: true }];
export const DOSER_OFF_WRITES: readonly TagWrite[] = [{ tag: FEED_TAGS.doserOn, value: false }];
export const DRIVES_OFF_WRITES: readonly TagWrite[] = [
  { tag: FEED_TAGS.drivesRun, value: false },
  { tag: FEED_TAGS.indexCmd, value: false },
];
export const INDEX_WRITES: readonly TagWrite[] = [{ tag: FEED_TAGS.indexCmd, value: true }];
/** Doser first, then drives, then no index. */
export const FEED_ABORT_WRITES: readonly TagWrite[] = [
  { tag: FEED_TAGS.doserOn, value: false },
  { tag: FEED_TAGS.drivesRun, value: false },
  { tag: FEED_TAGS.indexCmd, value: false },
];

export function webAtSpeed(view: ProcessView, setpoint: number): boolean {
  const speed = readNumber(view, FEED_TAGS.webSpeed);
  return (
    readBool(view, FEED_TAGS.drivesRunning) === true &&
    speed !== undefined &&
    Math.abs(speed - setpoint) <= WEB_SPEED_TOLERANCE * setpoint
  );
}

/** Drives not running and no index under way (pulse mode ready to index). */
export function drivesIdle(view: ProcessView): boolean {
  return readBool(view, FEED_TAGS.drivesRunning) === false && readBool(view, FEED_TAGS.indexing) === false;
}

export function webStopped(view: ProcessView): boolean {
  const speed = readNumber(view, FEED_TAGS.webSpeed);
  return drivesIdle(view) && speed !== undefined && speed < WEB_STOPPED_MPM;
}

export function hopperLow(view: ProcessView): boolean {
  const level = readNumber(view, FEED_TAGS.hopperLevel);
  return level !== undefined && level < HOPPER_LOW_PCT;
}

export function hopperRefilled(view: ProcessView): boolean {
  const level = readNumber(view, FEED_TAGS.hopperLevel);
  return level !== undefined && level >= HOPPER_REFILLED_PCT;
}

export function indexStarted(view: ProcessView, encoderAtIndex: number | undefined): boolean {
  if (readBool(view, FEED_TAGS.indexing) === true) return true;
  const pos = readNumber(view, FEED_TAGS.encoderPos);
  return pos !== undefined && encoderAtIndex !== undefined && pos - encoderAtIndex >= INDEX_MOVED_M;
}

function webReadings(view: ProcessView): string {
  return [
    formatReading("speed", readNumber(view, FEED_TAGS.webSpeed), "m/min"),
    formatReading("drives running", readBool(view, FEED_TAGS.drivesRunning)),
    formatReading("indexing", readBool(view, FEED_TAGS.indexing)),
  ].join(", ");
}

function runningDetail(context: FeedContext): string {
  return context.params?.mode === "continuous"
    ? `web at ${context.params.webSpeed} m/min, doser on`
    : `pulse mode: drives off, doser on, ${context.indexes} indexes done`;
}

// ─── Machine ───────────────────────────────────────────────────────────────────────────────────────────

export function createFeedMachine(io: TagBatchWriter) {
  return setup({
    types: {
      context: {} as FeedContext,
      events: {} as FeedEvent,
    },
    actors: { writeTags: createWriteTagsActor(io) },
    guards: {
      pulseMode: ({ context }) => context.params?.mode === "pulse",
    },
    actions: {
      // To the parent (the sequencer); a machine run without one (pure transitions, tools) reports nothing.
      report: enqueueActions(({ context, self, enqueue }, p: { status: FeedStatus; detail: string }) => {
        if (self._parent !== undefined) enqueue.sendParent(statusReport("feed", p.status, p.detail, context.command));
      }),
      takeCommand: assign({ command: ({ event }) => (event.type === "TICK" ? "none" : event.type) }),
      clearDeadline: assign({ deadline: undefined }),
      trackEncoder: assign({
        lastEncoderM: ({ context, event }) =>
          event.type === "TICK" ? (readNumber(event.view, FEED_TAGS.encoderPos) ?? context.lastEncoderM) : context.lastEncoderM,
      }),
      refuse: assign({ reason: ({ event }, p: { state: string }) => `${event.type} refused: the feed is ${p.state}` }),
      noteHopper: assign({
        reason: ({ event }) =>
          event.type === "TICK"
            ? `hopper low: ${formatReading("level", readNumber(event.view, FEED_TAGS.hopperLevel), "%")} (< ${HOPPER_LOW_PCT} %)`
            : "hopper low",
      }),
    },
  }).createMachine({
    id: "feed",
    context: {
      params: undefined,
      deadline: undefined,
      reason: "",
      offDetail: "off",
      command: "none",
      lastEncoderM: undefined,
      encoderAtIndex: undefined,
      indexes: 0,
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
            actions: ["takeCommand", assign({ params: ({ event }) => event.params, indexes: 0 })],
          },
          // STOP when off still writes doser and drives off and waits for the web to stand: after a restart the
          // station starts off whatever the PLC is doing, and SEQ.CLEAR relies on STOP to make it so.
          "STATION.STOP": { target: "stopping", actions: "takeCommand" },
          "STATION.HOLD": { actions: ["takeCommand", { type: "report", params: { status: "off", detail: "already off" } }] },
          "STATION.DOSER_OFF": { actions: ["takeCommand", { type: "report", params: { status: "off", detail: "already off" } }] },
          "STATION.INDEX": { target: "fault", actions: ["takeCommand", { type: "refuse", params: { state: "off" } }] },
        },
      },

      starting: {
        entry: {
          type: "report",
          params: ({ context }) => ({
            status: "starting",
            detail:
              context.params?.mode === "continuous"
                ? `drives run at ${context.params.webSpeed} m/min`
                : "pulse mode: drives off, ready to index",
          }),
        },
        initial: "choose",
        on: {
          "STATION.START": { actions: ["takeCommand", { type: "report", params: { status: "starting", detail: "already starting" } }] },
          "STATION.STOP": { target: "stopping", actions: "takeCommand" },
          "STATION.HOLD": { target: "stopping", actions: "takeCommand" },
          "STATION.DOSER_OFF": { target: "doserOff", actions: "takeCommand" },
          "STATION.INDEX": { target: "fault", actions: ["takeCommand", { type: "refuse", params: { state: "starting" } }] },
        },
        states: {
          choose: {
            always: [{ guard: "pulseMode", target: "pulseWriting" }, { target: "continuousWriting" }],
          },
          continuousWriting: {
            invoke: {
              src: "writeTags",
              input: ({ context }) => ({ writes: continuousStartWrites(context.params?.webSpeed ?? 0) }),
              onDone: [
                { guard: ({ event }) => event.output.ok, target: "waitingForSpeed" },
                { target: "#feed.fault", actions: assign({ reason: ({ event }) => writeFailureReason("drives start", event.output) }) },
              ],
              onError: { target: "#feed.fault", actions: assign({ reason: ({ event }) => writeErrorReason("drives start", event.error) }) },
            },
          },
          waitingForSpeed: {
            entry: "clearDeadline",
            on: {
              TICK: [
                { guard: ({ context, event }) => webAtSpeed(event.view, context.params?.webSpeed ?? 0), target: "doserOn" },
                {
                  guard: ({ context, event }) => deadlinePassed(context.deadline, event.now),
                  target: "#feed.fault",
                  actions: assign({
                    reason: ({ context, event }) => {
                      const sp = context.params?.webSpeed ?? 0;
                      return timeoutReason(
                        "web start",
                        webReadings(event.view),
                        timeoutOf(context.params, "webMs"),
                        `drives running at ${formatNumber(sp)} ± ${formatNumber(sp * WEB_SPEED_TOLERANCE)} m/min`,
                      );
                    },
                  }),
                },
                { actions: assign({ deadline: ({ context, event }) => armedDeadline(context.deadline, event.now, timeoutOf(context.params, "webMs")) }) },
              ],
            },
          },
          pulseWriting: {
            invoke: {
              src: "writeTags",
              input: { writes: PULSE_START_WRITES },
              onDone: [
                { guard: ({ event }) => event.output.ok, target: "waitingForIdleDrives" },
                { target: "#feed.fault", actions: assign({ reason: ({ event }) => writeFailureReason("drives off (pulse mode)", event.output) }) },
              ],
              onError: { target: "#feed.fault", actions: assign({ reason: ({ event }) => writeErrorReason("drives off (pulse mode)", event.error) }) },
            },
          },
          waitingForIdleDrives: {
            entry: "clearDeadline",
            on: {
              TICK: [
                { guard: ({ event }) => drivesIdle(event.view), target: "doserOn", actions: "trackEncoder" },
                {
                  guard: ({ context, event }) => deadlinePassed(context.deadline, event.now),
                  target: "#feed.fault",
                  actions: assign({
                    reason: ({ context, event }) =>
                      timeoutReason("drives ready (pulse mode)", webReadings(event.view), timeoutOf(context.params, "webMs"), "drives not running, no index"),
                  }),
                },
                { actions: assign({ deadline: ({ context, event }) => armedDeadline(context.deadline, event.now, timeoutOf(context.params, "webMs")) }) },
              ],
            },
          },
          doserOn: {
            invoke: {
              src: "writeTags",
              input: { writes: DOSER_ON_WRITES },
              onDone: [
                { guard: ({ event }) => event.output.ok, target: "#feed.running" },
                { target: "#feed.fault", actions: assign({ reason: ({ event }) => writeFailureReason("doser on", event.output) }) },
              ],
              onError: { target: "#feed.fault", actions: assign({ reason: ({ event }) => writeErrorReason("doser on", event.error) }) },
            },
          },
        },
      },

      running: {
        entry: { type: "report", params: ({ context }) => ({ status: "running", detail: runningDetail(context) }) },
        on: {
          TICK: [{ guard: ({ event }) => hopperLow(event.view), target: "starved", actions: ["noteHopper", "trackEncoder"] }, { actions: "trackEncoder" }],
          "STATION.INDEX": [
            { guard: "pulseMode", target: "indexing", actions: "takeCommand" },
            { target: "fault", actions: ["takeCommand", { type: "refuse", params: { state: "in continuous mode" } }] },
          ],
          "STATION.START": { actions: ["takeCommand", { type: "report", params: ({ context }) => ({ status: "running", detail: runningDetail(context) }) }] },
          "STATION.DOSER_OFF": { target: "doserOff", actions: "takeCommand" },
          "STATION.STOP": { target: "stopping", actions: "takeCommand" },
          "STATION.HOLD": { target: "stopping", actions: "takeCommand" },
        },
      },

      starved: {
        entry: { type: "report", params: ({ context }) => ({ status: "starved", detail: context.reason }) },
        on: {
          TICK: [{ guard: ({ event }) => hopperRefilled(event.view), target: "running", actions: "trackEncoder" }, { actions: "trackEncoder" }],
          "STATION.INDEX": [
            { guard: "pulseMode", target: "indexing", actions: "takeCommand" },
            { target: "fault", actions: ["takeCommand", { type: "refuse", params: { state: "in continuous mode" } }] },
          ],
          "STATION.START": { actions: ["takeCommand", { type: "report", params: ({ context }) => ({ status: "starved", detail: context.reason }) }] },
          "STATION.DOSER_OFF": { target: "doserOff", actions: "takeCommand" },
          "STATION.STOP": { target: "stopping", actions: "takeCommand" },
          "STATION.HOLD": { target: "stopping", actions: "takeCommand" },
        },
      },

      indexing: {
        entry: [
          assign({ encoderAtIndex: ({ context }) => context.lastEncoderM }),
          { type: "report", params: ({ context }) => ({ status: "indexing", detail: `index ${context.indexes + 1}` }) },
        ],
        initial: "writing",
        on: {
          "STATION.STOP": { target: "stopping", actions: "takeCommand" },
          "STATION.HOLD": { target: "stopping", actions: "takeCommand" },
          "STATION.DOSER_OFF": { target: "doserOff", actions: "takeCommand" },
          "STATION.START": { actions: ["takeCommand", { type: "report", params: { status: "indexing", detail: "indexing" } }] },
          "STATION.INDEX": { target: "fault", actions: ["takeCommand", { type: "refuse", params: { state: "already indexing" } }] },
        },
        states: {
          writing: {
            invoke: {
              src: "writeTags",
              input: { writes: INDEX_WRITES },
              onDone: [
                { guard: ({ event }) => event.output.ok, target: "awaitingMove" },
                { target: "#feed.fault", actions: assign({ reason: ({ event }) => writeFailureReason("index", event.output) }) },
              ],
              onError: { target: "#feed.fault", actions: assign({ reason: ({ event }) => writeErrorReason("index", event.error) }) },
            },
          },
          awaitingMove: {
            entry: "clearDeadline",
            on: {
              TICK: [
                { guard: ({ context, event }) => indexStarted(event.view, context.encoderAtIndex), target: "moving" },
                {
                  guard: ({ context, event }) => deadlinePassed(context.deadline, event.now),
                  target: "#feed.fault",
                  actions: assign({
                    reason: ({ context, event }) =>
                      timeoutReason(
                        "index start",
                        webReadings(event.view),
                        timeoutOf(context.params, "webMs"),
                        "feed.indexing true; the PLC refuses an index while feed.drives_run is on",
                      ),
                  }),
                },
                { actions: assign({ deadline: ({ context, event }) => armedDeadline(context.deadline, event.now, timeoutOf(context.params, "webMs")) }) },
              ],
            },
          },
          moving: {
            entry: "clearDeadline",
            on: {
              TICK: [
                {
                  guard: ({ event }) => readBool(event.view, FEED_TAGS.indexing) === false,
                  target: "#feed.running",
                  actions: ["trackEncoder", assign({ indexes: ({ context }) => context.indexes + 1 })],
                },
                {
                  guard: ({ context, event }) => deadlinePassed(context.deadline, event.now),
                  target: "#feed.fault",
                  actions: assign({
                    reason: ({ context, event }) =>
                      timeoutReason("index", webReadings(event.view), timeoutOf(context.params, "webMs"), "feed.indexing false (index done)"),
                  }),
                },
                { actions: assign({ deadline: ({ context, event }) => armedDeadline(context.deadline, event.now, timeoutOf(context.params, "webMs")) }) },
              ],
            },
          },
        },
      },

      doserOff: {
        initial: "writing",
        on: {
          "STATION.STOP": { target: "stopping", actions: "takeCommand" },
          "STATION.HOLD": { target: "stopping", actions: "takeCommand" },
          "STATION.START": { target: "starting", actions: "takeCommand" },
          "STATION.INDEX": { target: "fault", actions: ["takeCommand", { type: "refuse", params: { state: "stopping its doser" } }] },
        },
        states: {
          writing: {
            invoke: {
              src: "writeTags",
              input: { writes: DOSER_OFF_WRITES },
              onDone: [
                { guard: ({ event }) => event.output.ok, target: "done" },
                { target: "#feed.fault", actions: assign({ reason: ({ event }) => writeFailureReason("doser off", event.output) }) },
              ],
              onError: { target: "#feed.fault", actions: assign({ reason: ({ event }) => writeErrorReason("doser off", event.error) }) },
            },
            on: { "STATION.DOSER_OFF": { actions: "takeCommand" } },
          },
          done: {
            entry: { type: "report", params: { status: "doser-off", detail: "doser off, drives as they were" } },
            on: {
              "STATION.DOSER_OFF": { actions: ["takeCommand", { type: "report", params: { status: "doser-off", detail: "doser off" } }] },
            },
          },
        },
      },

      stopping: {
        entry: { type: "report", params: { status: "stopping", detail: "doser off, then drives off" } },
        initial: "doserOff",
        on: {
          "STATION.START": { actions: ["takeCommand", { type: "report", params: { status: "stopping", detail: "stopping" } }] },
          "STATION.STOP": { actions: ["takeCommand", { type: "report", params: { status: "stopping", detail: "already stopping" } }] },
          "STATION.HOLD": { actions: ["takeCommand", { type: "report", params: { status: "stopping", detail: "already stopping" } }] },
          "STATION.DOSER_OFF": { actions: ["takeCommand", { type: "report", params: { status: "stopping", detail: "stopping" } }] },
          "STATION.INDEX": { target: "fault", actions: ["takeCommand", { type: "refuse", params: { state: "stopping" } }] },
        },
        states: {
          doserOff: {
            invoke: {
              src: "writeTags",
              input: { writes: DOSER_OFF_WRITES },
              onDone: [
                { guard: ({ event }) => event.output.ok, target: "drivesOff" },
                { target: "#feed.fault", actions: assign({ reason: ({ event }) => writeFailureReason("doser off", event.output) }) },
              ],
              onError: { target: "#feed.fault", actions: assign({ reason: ({ event }) => writeErrorReason("doser off", event.error) }) },
            },
          },
          drivesOff: {
            invoke: {
              src: "writeTags",
              input: { writes: DRIVES_OFF_WRITES },
              onDone: [
                { guard: ({ event }) => event.output.ok, target: "waiting" },
                { target: "#feed.fault", actions: assign({ reason: ({ event }) => writeFailureReason("drives off", event.output) }) },
              ],
              onError: { target: "#feed.fault", actions: assign({ reason: ({ event }) => writeErrorReason("drives off", event.error) }) },
            },
          },
          waiting: {
            entry: "clearDeadline",
            on: {
              TICK: [
                { guard: ({ event }) => webStopped(event.view), target: "#feed.off", actions: assign({ offDetail: "stopped: web standing" }) },
                {
                  guard: ({ context, event }) => deadlinePassed(context.deadline, event.now),
                  target: "#feed.fault",
                  actions: assign({
                    reason: ({ context, event }) =>
                      timeoutReason("web stop", webReadings(event.view), timeoutOf(context.params, "webMs"), `drives stopped, speed < ${WEB_STOPPED_MPM} m/min`),
                  }),
                },
                { actions: assign({ deadline: ({ context, event }) => armedDeadline(context.deadline, event.now, timeoutOf(context.params, "webMs")) }) },
              ],
            },
          },
        },
      },

      aborting: {
        invoke: {
          src: "writeTags",
          input: { writes: FEED_ABORT_WRITES },
          onDone: [
            { guard: ({ event }) => event.output.ok, target: "off", actions: assign({ offDetail: "aborted: doser and drives off" }) },
            { target: "fault", actions: assign({ reason: ({ event }) => writeFailureReason("feed abort", event.output) }) },
          ],
          onError: { target: "fault", actions: assign({ reason: ({ event }) => writeErrorReason("feed abort", event.error) }) },
        },
      },

      fault: {
        entry: { type: "report", params: ({ context }) => ({ status: "fault", detail: context.reason }) },
        on: {
          "STATION.STOP": { target: "stopping", actions: "takeCommand" },
          "STATION.HOLD": { target: "stopping", actions: "takeCommand" },
          "STATION.START": { actions: ["takeCommand", { type: "report", params: ({ context }) => ({ status: "fault", detail: context.reason }) }] },
          "STATION.DOSER_OFF": { actions: ["takeCommand", { type: "report", params: ({ context }) => ({ status: "fault", detail: context.reason }) }] },
          "STATION.INDEX": { actions: ["takeCommand", { type: "report", params: ({ context }) => ({ status: "fault", detail: context.reason }) }] },
        },
      },
    },
  });
}

export type FeedMachine = ReturnType<typeof createFeedMachine>;
