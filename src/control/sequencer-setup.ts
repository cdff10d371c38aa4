/**
 * The sequencer's setup (XState v5): its four station machines as actor sources, its named guards and
 * actions (thin wrappers over sequencer-rules.ts), and the type of one of its state nodes for the step
 * builders (sequencer-steps.ts).
 */
import { assign, enqueueActions, sendTo, setup, stateIn } from "xstate";
import type { TagBatchWriter } from "../core/tag-io.js";
import type { SequencerContext } from "./sequencer-context.js";
import { ROLL_LENGTH_TAG, type SequencerCommand, type SequencerReport, type StationId } from "./sequencer-protocol.js";
import { type SequencerMachineEvent, failureReason, isFault, isHtrTrip, processedLength, startCommand } from "./sequencer-rules.js";
import { createFeedMachine, hopperRefilled } from "./stations/feed.machine.js";
import { createHtrMachine } from "./stations/htr.machine.js";
import { createQuenchMachine } from "./stations/quench.machine.js";
import { createRinseMachine } from "./stations/rinse.machine.js";
import { type StationCommand, readNumber } from "./stations/station-protocol.js";

type CommandType = SequencerCommand["type"];

export function sequencerSetup(io: TagBatchWriter) {
  return setup({
    types: {
      context: {} as SequencerContext,
      events: {} as SequencerMachineEvent,
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
  });
}

type SequencerSetup = ReturnType<typeof sequencerSetup>;
/** One state node of the sequencer machine (what the step builders return). */
export type SequencerStateConfig = NonNullable<Parameters<SequencerSetup["createMachine"]>[0]["states"]>[string];
