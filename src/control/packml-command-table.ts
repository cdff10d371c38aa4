/**
 * The PackML state model as data (pure): which command each state accepts and where it leads, and what each
 * acting state asks the sequencer to do. The table in line.machine.ts's header is this table in prose.
 */
import type { LineContext } from "./line-context.js";
import { PACKML_COMMANDS, type PackmlCommand, type PackmlState } from "./packml-states.js";
import type { SequencerCommand } from "./sequencer-protocol.js";

type CommandTargets = Readonly<Partial<Record<PackmlCommand, PackmlState>>>;

/** State → command → target state. See the table in line.machine.ts's header. */
export const PACKML_COMMAND_TABLE: Readonly<Record<PackmlState, CommandTargets>> = {
  Stopped: { reset: "Resetting", abort: "Aborting" },
  Resetting: { stop: "Stopping", abort: "Aborting" },
  Idle: { start: "Starting", stop: "Stopping", abort: "Aborting" },
  Starting: { stop: "Stopping", hold: "Holding", abort: "Aborting" },
  Execute: { stop: "Stopping", hold: "Holding", suspend: "Suspending", abort: "Aborting" },
  Completing: { stop: "Stopping", abort: "Aborting" },
  Complete: { reset: "Resetting", stop: "Stopping", abort: "Aborting" },
  Holding: { stop: "Stopping", abort: "Aborting" },
  Held: { stop: "Stopping", unhold: "Unholding", abort: "Aborting" },
  Unholding: { stop: "Stopping", hold: "Holding", abort: "Aborting" },
  Suspending: { stop: "Stopping", hold: "Holding", abort: "Aborting" },
  Suspended: { stop: "Stopping", hold: "Holding", unsuspend: "Unsuspending", abort: "Aborting" },
  Unsuspending: { stop: "Stopping", hold: "Holding", abort: "Aborting" },
  Stopping: { abort: "Aborting" },
  Aborting: {},
  Aborted: { clear: "Clearing" },
  Clearing: { abort: "Aborting" },
};

export type ActingState =
  | "Resetting" | "Starting" | "Completing" | "Holding" | "Unholding"
  | "Suspending" | "Unsuspending" | "Stopping" | "Aborting" | "Clearing";

/** Acting state → the command its entry sends the sequencer, and the state its "state complete" leads to. */
export const ACTING_STEPS: Readonly<Record<ActingState, { readonly command: SequencerCommand["type"]; readonly complete: PackmlState }>> = {
  Resetting: { command: "SEQ.RESET", complete: "Idle" },
  Starting: { command: "SEQ.START", complete: "Execute" },
  Completing: { command: "SEQ.COMPLETE", complete: "Complete" },
  Holding: { command: "SEQ.HOLD", complete: "Held" },
  Unholding: { command: "SEQ.UNHOLD", complete: "Execute" },
  Suspending: { command: "SEQ.SUSPEND", complete: "Suspended" },
  Unsuspending: { command: "SEQ.UNSUSPEND", complete: "Execute" },
  Stopping: { command: "SEQ.STOP", complete: "Stopped" },
  Aborting: { command: "SEQ.ABORT", complete: "Aborted" },
  Clearing: { command: "SEQ.CLEAR", complete: "Stopped" },
};

export function actingStep(state: PackmlState): (typeof ACTING_STEPS)[ActingState] | undefined {
  return (ACTING_STEPS as Partial<Record<PackmlState, (typeof ACTING_STEPS)[ActingState]>>)[state];
}

/** The commands the state model accepts in `state`, in PACKML_COMMANDS order. */
export function commandsAcceptedIn(state: PackmlState): PackmlCommand[] {
  return PACKML_COMMANDS.filter((c) => PACKML_COMMAND_TABLE[state][c] !== undefined);
}

/** The SequencerCommand an acting state's entry sends (SEQ.START carries the params of the accepted start). */
export function sequencerCommandFor(state: PackmlState, context: LineContext): SequencerCommand | null {
  const step = actingStep(state);
  if (!step) return null;
  if (step.command === "SEQ.START") return context.params ? { type: "SEQ.START", params: context.params } : null;
  return { type: step.command } as SequencerCommand;
}
