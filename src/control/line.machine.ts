/**
 * The line's PackML state machine (ISA-TR88.00.02-2015), XState v5.
 *
 * One flat machine whose states are exactly PACKML_STATES. It owns no I/O: on entering an acting state it
 * sends its sequencer child the matching SequencerCommand and waits for SEQ.DONE ("state complete"); wait
 * states leave only on a command (operator CMD, or an interlock TRIP, or a sequencer report that PackML
 * treats as a state change request: starvation → Suspending, target length → Completing, failure → Abort).
 *
 * ## Transitions implemented (the PACKML_COMMAND_TABLE below is the single source of truth)
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
import type { TickEvent } from "./control-io.js";
import {
  PACKML_COMMANDS,
  PACKML_STATES,
  PACKML_STATE_NUMBERS,
  UNIT_MODES,
  type PackmlCommand,
  type PackmlState,
  type UnitMode,
} from "./packml-states.js";
import type { SequenceParams, SequencerCommand, SequencerReport } from "./sequencer-protocol.js";

// ─── events ─────────────────────────────────────────────────────────────────────────────────────────────

/** An operator (or service) command. `params` is required for start (the loaded, verified recipe). */
export interface LineCommandEvent {
  readonly type: "CMD";
  readonly command: PackmlCommand;
  readonly by?: string;
  readonly reason?: string;
  readonly params?: SequenceParams;
}
export interface LineModeEvent {
  readonly type: "MODE";
  readonly mode: UnitMode;
  readonly by?: string;
}
/** From the interlock service: a trip's effect on the line. */
export interface LineTripEvent {
  readonly type: "TRIP";
  readonly effect: "abort" | "hold";
  readonly reason: string;
}
/** From the interlock service: the permissives currently missing (start/unhold/unsuspend refused unless ok). */
export interface LinePermissivesEvent {
  readonly type: "PERMISSIVES";
  readonly ok: boolean;
  readonly missing: readonly string[];
}
/** Metres of product rejected (e.g. by the quality record). */
export interface LineRejectEvent {
  readonly type: "REJECT";
  readonly metres: number;
}
export type LineEvent =
  | LineCommandEvent
  | LineModeEvent
  | TickEvent
  | SequencerReport
  | LineTripEvent
  | LinePermissivesEvent
  | LineRejectEvent;

// ─── context ────────────────────────────────────────────────────────────────────────────────────────────

export type StopReasonCode =
  | "operator-stop"
  | "operator-abort"
  | "operator-hold"
  | "operator-suspend"
  | "trip"
  | "sequence-failed"
  | "sequencer-error"
  | "starved"
  | "target-reached"
  | "restart";

/** PackTags-style Admin.StopReason: why the line last left production (kept until the next one). */
export interface StopReason {
  readonly code: StopReasonCode;
  readonly message: string;
  readonly at: number;
}
export interface LineCounts {
  readonly metresProcessed: number;
  readonly metresRejected: number;
}
export interface LastCommand {
  readonly command: PackmlCommand;
  readonly by: string | null;
  readonly at: number;
  readonly accepted: boolean;
  /** Why it was refused; null when accepted. */
  readonly reason: string | null;
}
export interface LastModeChange {
  readonly mode: UnitMode;
  readonly by: string | null;
  readonly at: number;
  readonly accepted: boolean;
  readonly reason: string | null;
}
export interface LastTrip {
  readonly effect: "abort" | "hold";
  readonly reason: string;
  readonly at: number;
  /** False when the state did not allow the effect (the trip was only recorded). */
  readonly acted: boolean;
}
export interface LineFault {
  readonly command: SequencerCommand["type"] | "sequencer";
  readonly reason: string;
  readonly at: number;
}
export interface Permissives {
  readonly ok: boolean;
  readonly missing: readonly string[];
}

export type TimeInState = Readonly<Record<PackmlState, number>>;

export interface LineContext {
  readonly mode: UnitMode;
  readonly stopReason: StopReason | null;
  /** The run's parameters (recipe) from the accepted start; kept after the run for status. */
  readonly params: SequenceParams | null;
  /** Of the current (or last) run: reset when Starting is entered. */
  readonly counts: LineCounts;
  /** Last `rinse.roll_length` seen in Execute (metres processed = sum of its increases while Execute). */
  readonly lastRollLengthM: number | null;
  /** Accumulated per state from TICK `now` (granularity: one tick). */
  readonly timeInStateMs: TimeInState;
  readonly stateEnteredAt: number;
  /** Latest known time (epoch ms): from the last TICK (or the input). Stamps every record. */
  readonly now: number;
  /** Time up to which timeInStateMs is accounted; null until the first TICK. */
  readonly accountedAt: number | null;
  readonly lastCommand: LastCommand | null;
  readonly lastModeChange: LastModeChange | null;
  readonly lastTrip: LastTrip | null;
  readonly lastFault: LineFault | null;
  readonly permissives: Permissives;
  /** Starvation reported by the sequencer and not yet cleared by SEQ.FED. */
  readonly starved: { readonly reason: string; readonly at: number } | null;
  /** Only at start-up after a restart: the safe state the line boots into (consumed at once). */
  readonly bootInto: "Aborted" | null;
}

/** What `restoreSafely` (line-restore.ts) hands the machine after a crash or restart. */
export interface RestoredLine {
  readonly state: "Stopped" | "Aborted";
  readonly stopReason: StopReason;
  readonly mode: UnitMode;
  readonly counts: LineCounts;
  readonly timeInStateMs: TimeInState;
  readonly params: SequenceParams | null;
  readonly lastCommand: LastCommand | null;
}

export interface LineInput {
  /** Creation time (epoch ms): stamps and time accounting start here. Default 0 (accounting then starts at the first TICK). */
  readonly now?: number;
  readonly mode?: UnitMode;
  readonly restored?: RestoredLine;
}

// ─── the PackML table (pure) ────────────────────────────────────────────────────────────────────────────

type CommandTargets = Readonly<Partial<Record<PackmlCommand, PackmlState>>>;

/** State → command → target state. See the table in the header. */
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

function actingStep(state: PackmlState): (typeof ACTING_STEPS)[ActingState] | undefined {
  return (ACTING_STEPS as Partial<Record<PackmlState, (typeof ACTING_STEPS)[ActingState]>>)[state];
}

/** Commands that lead (back) toward Execute: refused while the permissives are not ok. */
export const RESUME_COMMANDS: ReadonlySet<PackmlCommand> = new Set(["start", "unhold", "unsuspend"]);

/** Wait states in which the unit mode may change. */
export const MODE_CHANGE_STATES: ReadonlySet<PackmlState> = new Set(["Stopped", "Idle", "Complete", "Aborted"]);

export type Verdict = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

const ALLOWED: Verdict = { allowed: true };

/** The commands the state model accepts in `state`, in PACKML_COMMANDS order. */
export function commandsAcceptedIn(state: PackmlState): PackmlCommand[] {
  return PACKML_COMMANDS.filter((c) => PACKML_COMMAND_TABLE[state][c] !== undefined);
}

/** The one decision on a command (state model, then conditions). Reasons read well after "<command> refused: ". */
export function judgeCommand(state: PackmlState, context: LineContext, command: PackmlCommand, params?: SequenceParams): Verdict {
  if (PACKML_COMMAND_TABLE[state][command] === undefined) {
    const accepted = commandsAcceptedIn(state);
    return { allowed: false, reason: `${command} is not allowed in state ${state} (allowed: ${accepted.length > 0 ? accepted.join(", ") : "none"})` };
  }
  if (command === "start" && params === undefined) {
    return { allowed: false, reason: "no run parameters (a loaded, verified recipe) were given" };
  }
  return judgeConditions(context, command);
}

/** The conditions beyond the state model (permissives, starvation). */
function judgeConditions(context: LineContext, command: PackmlCommand): Verdict {
  if (RESUME_COMMANDS.has(command) && !context.permissives.ok) {
    const missing = context.permissives.missing;
    return { allowed: false, reason: `permissive missing: ${missing.length > 0 ? missing.join("; ") : "permissives not ok"}` };
  }
  if (command === "unsuspend" && context.starved !== null) {
    return { allowed: false, reason: `still starved: ${context.starved.reason}` };
  }
  return ALLOWED;
}

export function judgeMode(state: PackmlState, mode: UnitMode): Verdict {
  if (!MODE_CHANGE_STATES.has(state)) {
    return { allowed: false, reason: `mode change to ${mode} is not allowed in state ${state} (allowed in: ${[...MODE_CHANGE_STATES].join(", ")})` };
  }
  return ALLOWED;
}

// ─── pure context updates ───────────────────────────────────────────────────────────────────────────────

export function zeroTimeInState(): Record<PackmlState, number> {
  return Object.fromEntries(PACKML_STATES.map((s) => [s, 0])) as Record<PackmlState, number>;
}

const NOT_EVALUATED: Permissives = { ok: false, missing: ["permissives not evaluated yet"] };

export function initialLineContext(input: LineInput = {}): LineContext {
  const now = input.now ?? 0;
  const r = input.restored;
  return {
    mode: r?.mode ?? input.mode ?? "Production",
    stopReason: r?.stopReason ?? null,
    params: r?.params ?? null,
    counts: r?.counts ?? { metresProcessed: 0, metresRejected: 0 },
    lastRollLengthM: null,
    timeInStateMs: r?.timeInStateMs ?? zeroTimeInState(),
    stateEnteredAt: now,
    now,
    accountedAt: input.now === undefined ? null : now,
    lastCommand: r?.lastCommand ?? null,
    lastModeChange: null,
    lastTrip: null,
    lastFault: null,
    permissives: NOT_EVALUATED,
    starved: null,
    bootInto: r?.state === "Aborted" ? "Aborted" : null,
  };
}

function onEnter(context: LineContext, state: PackmlState): Partial<LineContext> {
  const base: Partial<LineContext> = { stateEnteredAt: context.now };
  switch (state) {
    case "Starting":
      return { ...base, counts: { metresProcessed: 0, metresRejected: 0 }, lastRollLengthM: null, starved: null };
    case "Resetting":
      return { ...base, starved: null };
    case "Execute":
      return { ...base, lastRollLengthM: null };
    default:
      return base;
  }
}

export const ROLL_LENGTH_TAG = "rinse.roll_length";

function onTick(context: LineContext, state: PackmlState, event: LineEvent): Partial<LineContext> {
  if (event.type !== "TICK") return {};
  const update: { -readonly [K in keyof LineContext]?: LineContext[K] } = { now: event.now, accountedAt: event.now };
  if (context.accountedAt !== null) {
    const delta = Math.max(0, event.now - context.accountedAt);
    update.timeInStateMs = { ...context.timeInStateMs, [state]: context.timeInStateMs[state] + delta };
  }
  if (state === "Execute") {
    const length = event.view[ROLL_LENGTH_TAG];
    if (typeof length === "number" && Number.isFinite(length)) {
      const last = context.lastRollLengthM;
      // A shorter roll means a new roll was started: take it as the new baseline.
      if (last !== null && length > last) {
        update.counts = { ...context.counts, metresProcessed: context.counts.metresProcessed + (length - last) };
      }
      update.lastRollLengthM = length;
    }
  }
  return update;
}

function withWhoAndWhy(what: string, by: string | undefined, reason: string | undefined): string {
  return `${what}${by ? ` by ${by}` : ""}${reason ? `: ${reason}` : ""}`;
}

const COMMAND_STOP_REASONS: Partial<Record<PackmlCommand, { code: StopReasonCode; what: string }>> = {
  stop: { code: "operator-stop", what: "operator stop" },
  abort: { code: "operator-abort", what: "operator abort" },
  hold: { code: "operator-hold", what: "operator hold" },
  suspend: { code: "operator-suspend", what: "operator suspend" },
};

function onCommandAccepted(context: LineContext, event: LineEvent): Partial<LineContext> {
  if (event.type !== "CMD") return {};
  const update: { -readonly [K in keyof LineContext]?: LineContext[K] } = {
    lastCommand: { command: event.command, by: event.by ?? null, at: context.now, accepted: true, reason: null },
  };
  const stop = COMMAND_STOP_REASONS[event.command];
  if (stop) update.stopReason = { code: stop.code, message: withWhoAndWhy(stop.what, event.by, event.reason), at: context.now };
  if (event.command === "start" && event.params) update.params = event.params;
  return update;
}

function onCommandRefused(context: LineContext, state: PackmlState, event: LineEvent): Partial<LineContext> {
  if (event.type !== "CMD") return {};
  const verdict = judgeCommand(state, context, event.command, event.params);
  const reason = verdict.allowed ? "not taken" : verdict.reason;
  return { lastCommand: { command: event.command, by: event.by ?? null, at: context.now, accepted: false, reason } };
}

function onMode(context: LineContext, state: PackmlState, event: LineEvent): Partial<LineContext> {
  if (event.type !== "MODE") return {};
  const verdict = judgeMode(state, event.mode);
  const record: LastModeChange = {
    mode: event.mode,
    by: event.by ?? null,
    at: context.now,
    accepted: verdict.allowed,
    reason: verdict.allowed ? null : verdict.reason,
  };
  return verdict.allowed ? { mode: event.mode, lastModeChange: record } : { lastModeChange: record };
}

function onTrip(context: LineContext, event: LineEvent, acted: boolean): Partial<LineContext> {
  if (event.type !== "TRIP") return {};
  const lastTrip: LastTrip = { effect: event.effect, reason: event.reason, at: context.now, acted };
  return acted ? { lastTrip, stopReason: { code: "trip", message: `trip: ${event.reason}`, at: context.now } } : { lastTrip };
}

function onFailed(context: LineContext, event: LineEvent, setsStopReason: boolean): Partial<LineContext> {
  if (event.type !== "SEQ.FAILED") return {};
  const lastFault: LineFault = { command: event.command, reason: event.reason, at: context.now };
  if (!setsStopReason) return { lastFault };
  return { lastFault, stopReason: { code: "sequence-failed", message: `sequence failed: ${event.command}: ${event.reason}`, at: context.now } };
}

function onStarved(context: LineContext, event: LineEvent, suspends: boolean): Partial<LineContext> {
  if (event.type !== "SEQ.STARVED") return {};
  const starved = { reason: event.reason, at: context.now };
  return suspends ? { starved, stopReason: { code: "starved", message: `starved: ${event.reason}`, at: context.now } } : { starved };
}

function onTargetReached(context: LineContext, event: LineEvent): Partial<LineContext> {
  if (event.type !== "SEQ.TARGET_REACHED") return {};
  return { stopReason: { code: "target-reached", message: `target length reached: ${event.lengthM} m`, at: context.now } };
}

function onPermissives(event: LineEvent): Partial<LineContext> {
  if (event.type !== "PERMISSIVES") return {};
  // Fail safe: "ok" with something listed as missing is not ok.
  const ok = event.ok && event.missing.length === 0;
  return { permissives: { ok, missing: ok ? [] : event.missing.length > 0 ? [...event.missing] : ["permissives not ok"] } };
}

function onReject(context: LineContext, event: LineEvent): Partial<LineContext> {
  if (event.type !== "REJECT" || !Number.isFinite(event.metres) || event.metres <= 0) return {};
  return { counts: { ...context.counts, metresRejected: context.counts.metresRejected + event.metres } };
}

function onSequencerError(context: LineContext, error: unknown): Partial<LineContext> {
  const reason = error instanceof Error ? error.message : String(error);
  return {
    lastFault: { command: "sequencer", reason, at: context.now },
    stopReason: { code: "sequencer-error", message: `sequencer failed: ${reason}`, at: context.now },
  };
}

/** The SequencerCommand an acting state's entry sends (SEQ.START carries the params of the accepted start). */
export function sequencerCommandFor(state: PackmlState, context: LineContext): SequencerCommand | null {
  const step = actingStep(state);
  if (!step) return null;
  if (step.command === "SEQ.START") return context.params ? { type: "SEQ.START", params: context.params } : null;
  return { type: step.command } as SequencerCommand;
}

// ─── the machine ────────────────────────────────────────────────────────────────────────────────────────

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

// ─── pure views over a snapshot ─────────────────────────────────────────────────────────────────────────

/** What commandVerdict / lineStatus need from a snapshot (a live one or a persisted one). */
export interface LineSnapshotLike {
  readonly value: unknown;
  readonly context: LineContext;
}

export function isPackmlState(value: unknown): value is PackmlState {
  return typeof value === "string" && (PACKML_STATES as readonly string[]).includes(value);
}

export function lineState(snapshot: LineSnapshotLike): PackmlState {
  if (!isPackmlState(snapshot.value)) throw new Error(`line snapshot has no PackML state: ${JSON.stringify(snapshot.value)}`);
  return snapshot.value;
}

/** Would the line take this command now? The same decision the machine's guards make. */
export function commandVerdict(snapshot: LineSnapshotLike, command: PackmlCommand, params?: SequenceParams): Verdict {
  return judgeCommand(lineState(snapshot), snapshot.context, command, params);
}

/** Would the line take this mode change now? */
export function modeVerdict(snapshot: LineSnapshotLike, mode: UnitMode): Verdict {
  if (!(UNIT_MODES as readonly string[]).includes(mode)) return { allowed: false, reason: `unknown mode ${String(mode)}` };
  return judgeMode(lineState(snapshot), mode);
}

export interface LineStatus {
  readonly state: PackmlState;
  /** PackTags StateCurrent. */
  readonly stateNumber: number;
  readonly mode: UnitMode;
  readonly stopReason: StopReason | null;
  readonly counts: LineCounts;
  readonly timeInStateMs: TimeInState;
  readonly stateEnteredAt: number;
  readonly recipe: string | null;
  readonly permissives: Permissives;
  /** Commands the line would take now (start: given a recipe). */
  readonly availableCommands: readonly PackmlCommand[];
  readonly lastCommand: LastCommand | null;
  readonly lastTrip: LastTrip | null;
  readonly lastFault: LineFault | null;
  readonly starved: { readonly reason: string; readonly at: number } | null;
}

export function lineStatus(snapshot: LineSnapshotLike): LineStatus {
  const state = lineState(snapshot);
  const c = snapshot.context;
  return {
    state,
    stateNumber: PACKML_STATE_NUMBERS[state],
    mode: c.mode,
    stopReason: c.stopReason,
    counts: c.counts,
    timeInStateMs: c.timeInStateMs,
    stateEnteredAt: c.stateEnteredAt,
    recipe: c.params?.recipe ?? null,
    permissives: c.permissives,
    availableCommands: commandsAcceptedIn(state).filter((command) => judgeConditions(c, command).allowed),
    lastCommand: c.lastCommand,
    lastTrip: c.lastTrip,
    lastFault: c.lastFault,
    starved: c.starved,
  };
}
