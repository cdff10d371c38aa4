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
import { type ActorRefFrom, and, assign, spawnChild, type SnapshotFrom } from "xstate";
import type { TagBatchWriter } from "../core/tag-io.js";
import { FRESH_RUN, initialSequencerContext, type SequencerOptions } from "./sequencer-context.js";
import { ABORTED_STATIONS, HEATER_OFF_STATUSES, confirmsAbort, isAnswer } from "./sequencer-rules.js";
import { sequencerSetup } from "./sequencer-setup.js";
import { askStation, pulsePhase, safeStateCheck } from "./sequencer-steps.js";
import { DEFAULT_STATION_SETPOINTS, type StationSetpoints } from "./stations/station-protocol.js";

export function createSequencerMachine(io: TagBatchWriter, options: SequencerOptions = {}) {
  const setpoints: StationSetpoints = { ...DEFAULT_STATION_SETPOINTS, ...options.setpoints };
  return sequencerSetup(io).createMachine({
    id: "sequencer",
    type: "parallel",
    context: initialSequencerContext(setpoints),
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
              assign(({ event }) => ({ params: event.params, ...FRESH_RUN, failure: "" })),
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
              rinse: askStation("rinse", "STATION.START", ["running"], "quench"),
              quench: askStation("quench", "STATION.START", ["running"], "purge"),
              purge: askStation("htr", "STATION.START", ["ready", "heating", "pulsing", "at-temperature"], "web"),
              web: askStation("feed", "STATION.START", ["running", "starved"], "heater"),
              // Pulse mode: done once the heater is enabled; continuous: once the PLC holds the web at temperature.
              heater: askStation("htr", "STATION.HEAT", (c) => (c.params?.mode === "pulse" ? ["heating"] : ["at-temperature"]), "done"),
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
                  index: pulsePhase({
                    station: "feed",
                    command: "STATION.INDEX",
                    started: ["indexing"],
                    running: "moving",
                    finished: ["running", "starved"],
                    next: "#sequencer.sequence.execute.pulse.fire",
                    counts: "indexes",
                  }),
                  fire: pulsePhase({
                    station: "htr",
                    command: "STATION.PULSE",
                    started: ["pulsing"],
                    running: "running",
                    finished: ["heating"],
                    next: "#sequencer.sequence.execute.pulse.index",
                    counts: "pulses",
                  }),
                },
              },
            },
          },

          holding: {
            initial: "heater",
            on: { "STATION.STATUS": { guard: "isFault", target: "failed", actions: "noteFailure" } },
            states: {
              heater: askStation("htr", "STATION.HOLD", HEATER_OFF_STATUSES, "feed"),
              feed: askStation("feed", "STATION.HOLD", ["off"], "done"),
              done: { type: "final" },
            },
            onDone: { target: "idle", actions: "reportDone" },
          },

          stopping: {
            initial: "doser",
            on: { "STATION.STATUS": { guard: "isFault", target: "failed", actions: "noteFailure" } },
            states: {
              doser: askStation("feed", "STATION.DOSER_OFF", ["doser-off", "off"], "heater"),
              heater: askStation("htr", "STATION.STOP", ["off"], "quench"),
              quench: askStation("quench", "STATION.STOP", ["off"], "rinse"),
              rinse: askStation("rinse", "STATION.STOP", ["off"], "drives"),
              drives: {
                entry: { type: "sendToStation", params: { station: "feed", command: { type: "STATION.STOP" } } },
                on: {
                  "STATION.STATUS": [
                    { guard: ({ event, context }) => context.command === "SEQ.CLEAR" && isAnswer(event, "feed", ["off"], "STATION.STOP"), target: "checking" },
                    { guard: ({ event }) => isAnswer(event, "feed", ["off"], "STATION.STOP"), target: "done" },
                  ],
                },
              },
              checking: safeStateCheck("clear", { target: "done" }, "#sequencer.sequence.failed"),
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
                  guard: ({ context, event }) => context.awaiting.length === 1 && confirmsAbort(event, context.awaiting),
                  target: "idle",
                  actions: [assign({ awaiting: [] }), "reportDone"],
                },
                {
                  guard: ({ context, event }) => confirmsAbort(event, context.awaiting),
                  actions: assign({
                    awaiting: ({ context, event }) => context.awaiting.filter((id) => event.type !== "STATION.STATUS" || id !== event.station),
                  }),
                },
              ],
            },
          },

          resetting: safeStateCheck("reset", { target: "idle", actions: "reportDone" }, "failed"),
        },
      },
    },
  });
}

export type SequencerMachine = ReturnType<typeof createSequencerMachine>;
export type SequencerActor = ActorRefFrom<SequencerMachine>;
export type SequencerSnapshot = SnapshotFrom<SequencerMachine>;
