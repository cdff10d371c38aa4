/**
 * The line's PackML state machine (ISA-TR88.00.02-2015), XState v5.
 *
 * One flat machine whose states are exactly PACKML_STATES. It owns no I/O: on entering an acting state it
 * sends its sequencer child the matching SequencerCommand and waits for SEQ.DONE ("state complete"); wait
 * states leave only on a command (operator CMD, or an interlock TRIP, or a sequencer report that PackML
 * treats as a state change request: starvation → Suspending, target length → Completing, failure → Abort).
 *
 * ## Transitions implemented (PACKML_COMMAND_TABLE in packml-command-table.ts is the single source of truth)
 *
 * | state        | commands accepted (→ target)                                                 | state complete (→ target)         |
 * |--------------|------------------------------------------------------------------------------|-----------------------------------|
 * | Stopped      | reset → Resetting, abort → Aborting                                          |                                   |
 * | Resetting    | stop → Stopping, abort → Aborting                                            | SEQ.DONE(SEQ.RESET) → Idle        |
 * | Idle         | start → Starting, stop → Stopping, abort → Aborting                          |                                   |
 * | Starting     | stop → Stopping, hold* → Holding, abort → Aborting                           | SEQ.DONE(SEQ.START) → Execute     |
 * | Execute      | stop → Stopping, hold → Holding, suspend → Suspending, abort → Aborting      | SEQ.TARGET_REACHED → Completing   |
 * | Completing   | stop → Stopping, abort → Aborting                                            | SEQ.DONE(SEQ.COMPLETE) → Complete |
 * | Complete     | reset → Resetting, stop → Stopping, abort → Aborting                         |                                   |
 * | Holding      | stop → Stopping, abort → Aborting                                            | SEQ.DONE(SEQ.HOLD) → Held         |
 * | Held         | stop → Stopping, unhold → Unholding, abort → Aborting                        |                                   |
 * | Unholding    | stop → Stopping, hold* → Holding, abort → Aborting                           | SEQ.DONE(SEQ.UNHOLD) → Execute    |
 * | Suspending   | stop → Stopping, hold* → Holding, abort → Aborting                           | SEQ.DONE(SEQ.SUSPEND) → Suspended |
 * | Suspended    | stop → Stopping, hold* → Holding, unsuspend → Unsuspending, abort → Aborting |                                   |
 * | Unsuspending | stop → Stopping, hold* → Holding, abort → Aborting                           | SEQ.DONE(SEQ.UNSUSPEND) → Execute |
 * | Stopping     | abort → Aborting                                                             | SEQ.DONE(SEQ.STOP) → Stopped      |
 * | Aborting     | —                                                                            | SEQ.DONE(SEQ.ABORT) → Aborted     |
 * | Aborted      | clear → Clearing                                                             |                                   |
 * | Clearing     | abort → Aborting                                                             | SEQ.DONE(SEQ.CLEAR) → Stopped     |
 *
 * `*` = the optional Hold transitions of the 2015 state model (dashed in TR88.00.02-2015 and in the OPC UA
 * PackML companion spec: StartingToHolding, SuspendingToHolding, SuspendedToHolding, UnsuspendingToHolding,
 * UnholdingToHolding). They are included so that a supervisory hold trip (IL-03/05/08/10) also holds the
 * line while it is starting, suspending, suspended or resuming, not only in Execute.
 * Stop: from every state but Stopped, Stopping, Aborting, Aborted, Clearing (the Stop superstate).
 * Abort: from every state but Aborting, Aborted (the Abort superstate).
 *
 * ## Other events
 * - TRIP abort → Aborting wherever `abort` is accepted; TRIP hold → Holding wherever `hold` is accepted;
 *   elsewhere the trip is only recorded (`lastTrip.acted = false`) — the interlock service has already
 *   written the trip's effect to the PLC.
 * - SEQ.FAILED → Aborting wherever `abort` is accepted, stop reason "sequence failed: …". The one exception to
 *   "acting states finish only on state complete": a failed SEQ.ABORT ends Aborting in Aborted (nothing else
 *   could ever leave Aborting; the fault stays in `lastFault` and the operator can Clear).
 * - SEQ.STARVED in Execute → Suspending; anywhere it is recorded in `starved` until SEQ.FED.
 * - SEQ.TARGET_REACHED in Execute → Completing ("state complete" of Execute).
 * - The sequencer child failing (xstate.error.actor.sequencer) → Aborted directly (nothing is left to run
 *   the abort sequence); a restart brings a fresh sequencer.
 * - PERMISSIVES, REJECT, SEQ.FED: recorded in any state. TICK: forwarded to the sequencer in any state and
 *   used for time-in-state and metres-processed accounting.
 * - MODE: unit mode changes only in the wait states Stopped, Idle, Complete and Aborted (no run in progress).
 *   The state model is the same in Production, Maintenance and Manual.
 * - Boot after a restart (input.restored.state = "Aborted", see line-restore.ts): Stopped's eventless,
 *   boot-only transition goes to Aborted within the initial macrostep; it can never fire again.
 *
 * ## Refusals
 * `judgeCommand` decides every command; the machine's guards call it and `commandVerdict` exposes it, so the
 * service's pre-check and the machine cannot disagree. Beyond the table: start needs params; start, unhold
 * and unsuspend (every command that resumes production toward Execute) need the permissives ok; unsuspend
 * also needs the starvation cleared (SEQ.FED). A refused command changes nothing but `lastCommand`.
 */
import { assign, enqueueActions, sendTo, setup, type AnyActorLogic } from "xstate";
import { initialLineContext, type LineContext, type LineInput } from "./line-context.js";
import {
  onCommandAccepted,
  onCommandRefused,
  onEnter,
  onFailed,
  onMode,
  onPermissives,
  onReject,
  onSequencerError,
  onStarved,
  onTargetReached,
  onTick,
  onTrip,
} from "./line-context-updates.js";
import type { LineEvent } from "./line-events.js";
import { judgeCommand } from "./line-verdicts.js";
import { PACKML_COMMAND_TABLE, actingStep, commandsAcceptedIn, sequencerCommandFor } from "./packml-command-table.js";
import { PACKML_STATES, type PackmlCommand, type PackmlState } from "./packml-states.js";
import type { SequencerCommand } from "./sequencer-protocol.js";

type StateParams = { state: PackmlState };

function lineSetup(sequencer: AnyActorLogic) {
  return setup({
    types: {
      context: {} as LineContext,
      events: {} as LineEvent,
      input: {} as LineInput | void,
    },
    actors: { sequencer },
    guards: {
      commandAccepted: ({ context, event }, p: { state: PackmlState; command: PackmlCommand }) =>
        event.type === "CMD" && event.command === p.command && judgeCommand(p.state, context, event.command, event.params).allowed,
      tripIs: ({ event }, p: { effect: "abort" | "hold" }) => event.type === "TRIP" && event.effect === p.effect,
      doneFor: ({ event }, p: { command: SequencerCommand["type"] }) => event.type === "SEQ.DONE" && event.command === p.command,
      bootsIntoAborted: ({ context }) => context.bootInto === "Aborted",
    },
    actions: {
      enterState: assign(({ context }, p: StateParams) => onEnter(context, p.state)),
      tick: assign(({ context, event }, p: StateParams) => onTick(context, p.state, event)),
      forwardTick: sendTo("sequencer", ({ event }) => event),
      commandSequencer: enqueueActions(({ context, enqueue }, p: StateParams) => {
        const command = sequencerCommandFor(p.state, context);
        if (command) enqueue.sendTo("sequencer", command);
      }),
      acceptCommand: assign(({ context, event }) => onCommandAccepted(context, event)),
      refuseCommand: assign(({ context, event }, p: StateParams) => onCommandRefused(context, p.state, event)),
      mode: assign(({ context, event }, p: StateParams) => onMode(context, p.state, event)),
      trip: assign(({ context, event }, p: { acted: boolean }) => onTrip(context, event, p.acted)),
      failed: assign(({ context, event }, p: { setsStopReason: boolean }) => onFailed(context, event, p.setsStopReason)),
      starved: assign(({ context, event }, p: { suspends: boolean }) => onStarved(context, event, p.suspends)),
      fed: assign({ starved: null }),
      targetReached: assign(({ context, event }) => onTargetReached(context, event)),
      permissives: assign(({ event }) => onPermissives(event)),
      reject: assign(({ context, event }) => onReject(context, event)),
      consumeBoot: assign({ bootInto: null }),
    },
  });
}

type LineSetup = ReturnType<typeof lineSetup>;
/** A state node of this machine; without `states`, so XState types each state as a leaf (value: PackmlState). */
type LineStateConfig = Omit<NonNullable<Parameters<LineSetup["createMachine"]>[0]["states"]>[string], "states">;

/** One state's node: the common handlers plus what its place in the PackML model adds. */
function stateNode(state: PackmlState): LineStateConfig {
  const table = PACKML_COMMAND_TABLE[state];
  const step = actingStep(state);
  const abortable = table.abort !== undefined;
  const holdable = table.hold !== undefined;
  return {
    entry: [{ type: "enterState", params: { state } }, ...(step ? [{ type: "commandSequencer" as const, params: { state } }] : [])],
    ...(state === "Stopped" ? { always: { guard: "bootsIntoAborted", target: "Aborted", actions: "consumeBoot" } } : {}),
    on: {
      TICK: { actions: [{ type: "tick", params: { state } }, "forwardTick"] },
      CMD: [
        ...commandsAcceptedIn(state).map((command) => ({
          guard: { type: "commandAccepted" as const, params: { state, command } },
          target: table[command]!,
          actions: "acceptCommand" as const,
        })),
        { actions: { type: "refuseCommand", params: { state } } },
      ],
      MODE: { actions: { type: "mode", params: { state } } },
      TRIP: [
        ...(abortable ? [{ guard: { type: "tripIs" as const, params: { effect: "abort" as const } }, target: "Aborting", actions: { type: "trip" as const, params: { acted: true } } }] : []),
        ...(holdable ? [{ guard: { type: "tripIs" as const, params: { effect: "hold" as const } }, target: "Holding", actions: { type: "trip" as const, params: { acted: true } } }] : []),
        { actions: { type: "trip", params: { acted: false } } },
      ],
      "SEQ.DONE": step ? { guard: { type: "doneFor", params: { command: step.command } }, target: step.complete } : [],
      "SEQ.FAILED": abortable
        ? { target: "Aborting", actions: { type: "failed", params: { setsStopReason: true } } }
        : state === "Aborting"
          ? { target: "Aborted", actions: { type: "failed", params: { setsStopReason: false } } }
          : { actions: { type: "failed", params: { setsStopReason: false } } },
      "SEQ.STARVED": state === "Execute"
        ? { target: "Suspending", actions: { type: "starved", params: { suspends: true } } }
        : { actions: { type: "starved", params: { suspends: false } } },
      "SEQ.FED": { actions: "fed" },
      "SEQ.TARGET_REACHED": state === "Execute" ? { target: "Completing", actions: "targetReached" } : [],
      PERMISSIVES: { actions: "permissives" },
      REJECT: { actions: "reject" },
    },
  };
}

/**
 * The PackML line machine. `sequencer` is the logic of the child that runs the stations (registered as the
 * actor source "sequencer", invoked on the root with id and systemId "sequencer", so it is persisted and
 * restored with the line's snapshot). Input: see LineInput; `restoreSafely` (line-restore.ts) builds it
 * after a restart.
 */
export function createLineMachine(sequencer: AnyActorLogic) {
  return lineSetup(sequencer).createMachine({
    id: "line",
    context: ({ input }) => initialLineContext(input ?? {}),
    invoke: {
      id: "sequencer",
      systemId: "sequencer",
      src: "sequencer",
      onError: {
        target: ".Aborted",
        actions: assign(({ context, event }) => onSequencerError(context, event.error)),
      },
    },
    initial: "Stopped",
    states: Object.fromEntries(PACKML_STATES.map((s) => [s, stateNode(s)])) as Record<PackmlState, LineStateConfig>,
  });
}

export type LineMachine = ReturnType<typeof createLineMachine>;
