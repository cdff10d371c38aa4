/**
 * Builders of the sequencer's steps (convention 12: a sequence reuses its builders instead of copying state
 * shapes): ask a station and wait for its answer, one phase of the pulse loop, the safe-state check.
 */
import { assign } from "xstate";
import type { SequencerContext } from "./sequencer-context.js";
import type { StationId } from "./sequencer-protocol.js";
import { SAFE_CHECK_TIMEOUT_MS, isAnswer, notSafeReason, safeStateProblems } from "./sequencer-rules.js";
import type { SequencerStateConfig } from "./sequencer-setup.js";
import {
  type StationCommand,
  type StationCommandType,
  type StationStatus,
  armedDeadline,
  deadlinePassed,
} from "./stations/station-protocol.js";

type Statuses = readonly StationStatus[] | ((context: SequencerContext) => readonly StationStatus[]);

/** The entry that sends `command` to `station`: STATION.START carries the run's params and setpoints. */
function sendCommand(station: StationId, command: StationCommandType) {
  return command === "STATION.START"
    ? ({ type: "sendStart", params: { station } } as const)
    : ({ type: "sendToStation", params: { station, command: { type: command } as StationCommand } } as const);
}

/** Sends `command` to `station` on entry; goes to `target` once the station answers it with one of `statuses`. */
export function askStation(station: StationId, command: StationCommandType, statuses: Statuses, target: string): SequencerStateConfig {
  return {
    entry: sendCommand(station, command),
    on: {
      "STATION.STATUS": {
        guard: ({ context, event }) => isAnswer(event, station, typeof statuses === "function" ? statuses(context) : statuses, command),
        target,
      },
    },
  };
}

/**
 * One phase of the pulse loop (index the web, fire a pulse): sends `command` to `station`, waits in
 * "requested" until it reports `started`, then in `running` until it reports `finished`, counts the phase
 * and goes on to `next`.
 */
export function pulsePhase(phase: {
  readonly station: StationId;
  readonly command: "STATION.INDEX" | "STATION.PULSE";
  readonly started: readonly StationStatus[];
  readonly running: string;
  readonly finished: readonly StationStatus[];
  readonly next: string;
  readonly counts: "indexes" | "pulses";
}): SequencerStateConfig {
  const { station, command, started, running, finished, next, counts } = phase;
  return {
    entry: sendCommand(station, command),
    initial: "requested",
    states: {
      requested: {
        on: { "STATION.STATUS": { guard: ({ event }) => isAnswer(event, station, started, command), target: running } },
      },
      [running]: {
        on: {
          "STATION.STATUS": {
            guard: ({ event }) => isAnswer(event, station, finished, command),
            target: next,
            actions: assign(({ context }) => (counts === "indexes" ? { indexes: context.indexes + 1 } : { pulses: context.pulses + 1 })),
          },
        },
      },
    },
  };
}

/**
 * RESET / CLEAR's check of the safe state on every TICK: `done` once the process view confirms it, `failed`
 * (with the problems as the failure) when it is not confirmed within SAFE_CHECK_TIMEOUT_MS. The deadline is
 * kept in context, armed by the first TICK.
 */
export function safeStateCheck(what: "reset" | "clear", done: { readonly target: string; readonly actions?: "reportDone" }, failed: string): SequencerStateConfig {
  return {
    entry: assign({ deadline: undefined }),
    on: {
      TICK: [
        { guard: ({ context, event }) => safeStateProblems(context.stations, event.view).length === 0, ...done },
        {
          guard: ({ context, event }) => deadlinePassed(context.deadline, event.now),
          target: failed,
          actions: assign({ failure: ({ context, event }) => notSafeReason(what, context.stations, event.view) }),
        },
        { actions: assign({ deadline: ({ context, event }) => armedDeadline(context.deadline, event.now, SAFE_CHECK_TIMEOUT_MS) }) },
      ],
    },
  };
}
