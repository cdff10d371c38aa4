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
import { assign } from "xstate";
import type { ProcessView, TickEvent } from "../control-io.js";
import type { TagBatchWriter, TagWrite } from "../../core/tag-io.js";
import {
  type FeedEvent,
  type FeedStatus,
  formatNumber,
  formatReading,
  readBool,
  readNumber,
  timeoutOf,
  timeoutReason,
} from "./station-protocol.js";
import { STATION_CONTEXT, type StationActionOn, type StationContext, type StationNode, stationSetup } from "./station-setup.js";
import { StationStates, type WaitOptions } from "./station-states.js";

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

export interface FeedContext extends StationContext {
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

function hopperLowReason(view: ProcessView): string {
  return `hopper low: ${formatReading("level", readNumber(view, FEED_TAGS.hopperLevel), "%")} (< ${HOPPER_LOW_PCT} %)`;
}

// ─── Machine ───────────────────────────────────────────────────────────────────────────────────────────

const s = new StationStates<FeedContext, FeedEvent, FeedStatus>("feed");

const trackEncoder: StationActionOn<FeedContext, TickEvent, FeedEvent, FeedStatus> = assign({
  lastEncoderM: ({ context, event }) => readNumber(event.view, FEED_TAGS.encoderPos) ?? context.lastEncoderM,
});

/** A wait on the web (its timeout: webMs); the fault reason shows speed, drives and index. */
function webWait(what: string, needs: (context: FeedContext) => string, until: WaitOptions<FeedContext, FeedEvent, FeedStatus>["until"]) {
  return s.waitUntil({
    until,
    timeoutMs: (c) => timeoutOf(c.params, "webMs"),
    timedOut: (c, view) => timeoutReason(what, webReadings(view), timeoutOf(c.params, "webMs"), needs(c)),
  });
}

/** Running or starved: an index (pulse mode), the doser off, or a stop. */
const FEEDING_COMMANDS = {
  "STATION.INDEX": [{ guard: "pulseMode", target: "indexing", actions: "takeCommand" }, s.refuse("in continuous mode")],
  "STATION.DOSER_OFF": s.take("doserOff"),
  "STATION.STOP": s.take("stopping"),
  "STATION.HOLD": s.take("stopping"),
} satisfies StationNode<FeedContext, FeedEvent, FeedStatus>["on"];

export function createFeedMachine(io: TagBatchWriter) {
  return stationSetup<FeedContext, FeedEvent, FeedStatus>({ station: "feed", name: "the feed", io }).createMachine(
    s.machine({ ...STATION_CONTEXT, lastEncoderM: undefined, encoderAtIndex: undefined, indexes: 0 }, {
      off: s.offState({
        "STATION.START": s.start("starting", () => ({ indexes: 0 })),
        // STOP when off still writes doser and drives off and waits for the web to stand: after a restart the
        // station starts off whatever the PLC is doing, and SEQ.CLEAR relies on STOP to make it so.
        "STATION.STOP": s.take("stopping"),
        "STATION.HOLD": s.answer("off", "already off"),
        "STATION.DOSER_OFF": s.answer("off", "already off"),
        "STATION.INDEX": s.refuse("off"),
      }),

      starting: {
        entry: s.report("starting", (c) =>
          c.params?.mode === "continuous" ? `drives run at ${c.params.webSpeed} m/min` : "pulse mode: drives off, ready to index",
        ),
        initial: "choose",
        on: {
          "STATION.START": s.answer("starting", "already starting"),
          "STATION.STOP": s.take("stopping"),
          "STATION.HOLD": s.take("stopping"),
          "STATION.DOSER_OFF": s.take("doserOff"),
          "STATION.INDEX": s.refuse("starting"),
        },
        states: {
          choose: {
            always: [{ guard: "pulseMode", target: "pulseWriting" }, { target: "continuousWriting" }],
          },
          continuousWriting: s.writeThenWait("drives start", (c) => continuousStartWrites(c.params?.webSpeed ?? 0), "waitingForSpeed"),
          waitingForSpeed: webWait(
            "web start",
            (c) => {
              const sp = c.params?.webSpeed ?? 0;
              return `drives running at ${formatNumber(sp)} ± ${formatNumber(sp * WEB_SPEED_TOLERANCE)} m/min`;
            },
            [{ guard: ({ context, event }) => webAtSpeed(event.view, context.params?.webSpeed ?? 0), target: "doserOn" }],
          ),
          pulseWriting: s.writeThenWait("drives off (pulse mode)", PULSE_START_WRITES, "waitingForIdleDrives"),
          waitingForIdleDrives: webWait("drives ready (pulse mode)", () => "drives not running, no index", [
            { guard: ({ event }) => drivesIdle(event.view), target: "doserOn", actions: trackEncoder },
          ]),
          doserOn: s.writeThenWait("doser on", DOSER_ON_WRITES, "#feed.running"),
        },
      },

      running: {
        entry: s.report("running", runningDetail),
        on: {
          TICK: [
            {
              guard: ({ event }) => hopperLow(event.view),
              target: "starved",
              actions: [{ type: "note", params: ({ event }) => ({ reason: hopperLowReason(event.view) }) }, trackEncoder],
            },
            { actions: trackEncoder },
          ],
          "STATION.START": s.answer("running", runningDetail),
          ...FEEDING_COMMANDS,
        },
      },

      starved: {
        entry: s.report("starved", (c) => c.reason),
        on: {
          TICK: [{ guard: ({ event }) => hopperRefilled(event.view), target: "running", actions: trackEncoder }, { actions: trackEncoder }],
          "STATION.START": s.answer("starved", (c) => c.reason),
          ...FEEDING_COMMANDS,
        },
      },

      indexing: {
        entry: [assign({ encoderAtIndex: ({ context }) => context.lastEncoderM }), s.report("indexing", (c) => `index ${c.indexes + 1}`)],
        initial: "writing",
        on: {
          "STATION.STOP": s.take("stopping"),
          "STATION.HOLD": s.take("stopping"),
          "STATION.DOSER_OFF": s.take("doserOff"),
          "STATION.START": s.answer("indexing", "indexing"),
          "STATION.INDEX": s.refuse("already indexing"),
        },
        states: {
          writing: s.writeThenWait("index", INDEX_WRITES, "awaitingMove"),
          awaitingMove: webWait("index start", () => "feed.indexing true; the PLC refuses an index while feed.drives_run is on", [
            { guard: ({ context, event }) => indexStarted(event.view, context.encoderAtIndex), target: "moving" },
          ]),
          moving: webWait("index", () => "feed.indexing false (index done)", [
            {
              guard: ({ event }) => readBool(event.view, FEED_TAGS.indexing) === false,
              target: "#feed.running",
              actions: [trackEncoder, assign({ indexes: ({ context }) => context.indexes + 1 })],
            },
          ]),
        },
      },

      doserOff: {
        initial: "writing",
        on: {
          "STATION.STOP": s.take("stopping"),
          "STATION.HOLD": s.take("stopping"),
          "STATION.START": s.take("starting"),
          "STATION.INDEX": s.refuse("stopping its doser"),
        },
        states: {
          writing: {
            ...s.writeThenWait("doser off", DOSER_OFF_WRITES, "done"),
            on: { "STATION.DOSER_OFF": { actions: "takeCommand" } },
          },
          done: {
            entry: s.report("doser-off", "doser off, drives as they were"),
            on: { "STATION.DOSER_OFF": s.answer("doser-off", "doser off") },
          },
        },
      },

      stopping: {
        entry: s.report("stopping", "doser off, then drives off"),
        initial: "doserOff",
        on: {
          "STATION.START": s.answer("stopping", "stopping"),
          "STATION.STOP": s.answer("stopping", "already stopping"),
          "STATION.HOLD": s.answer("stopping", "already stopping"),
          "STATION.DOSER_OFF": s.answer("stopping", "stopping"),
          "STATION.INDEX": s.refuse("stopping"),
        },
        states: {
          doserOff: s.writeThenWait("doser off", DOSER_OFF_WRITES, "drivesOff"),
          drivesOff: s.writeThenWait("drives off", DRIVES_OFF_WRITES, "waiting"),
          waiting: webWait("web stop", () => `drives stopped, speed < ${WEB_STOPPED_MPM} m/min`, [
            {
              guard: ({ event }) => webStopped(event.view),
              target: "#feed.off",
              actions: { type: "setOffDetail", params: { detail: "stopped: web standing" } },
            },
          ]),
        },
      },

      aborting: s.writeThenOff("feed abort", FEED_ABORT_WRITES, "aborted: doser and drives off"),

      fault: s.faultState({
        answered: ["STATION.START", "STATION.DOSER_OFF", "STATION.INDEX"],
        on: { "STATION.STOP": s.take("stopping"), "STATION.HOLD": s.take("stopping") },
      }),
    }),
  );
}

export type FeedMachine = ReturnType<typeof createFeedMachine>;
