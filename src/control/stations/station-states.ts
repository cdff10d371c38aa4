/**
 * The state builders every station machine is made of (ARCHITECTURE.md convention 12):
 *  - write-then-wait: invoke writeTags; once written go on, on a failed write go to fault;
 *  - keep-written: write without leaving the state; a failed write adds itself to the reason;
 *  - wait-until-with-deadline: on TICK, a condition met → on; the deadline passed → fault with a reason; else
 *    arm the deadline. Deadlines live in context as epoch ms (never `after`), so a restored machine re-arms them;
 *  - fault (and tripped): report the reason on entry and answer every command with it;
 *  - answer / take / start / refuse: what a state does with a command;
 *  - the machine's root and its off state.
 * Station files keep their tags, their pure rules and their state list built from these.
 */
import type { DoneActorEvent, ErrorActorEvent } from "xstate";
import type { TagWrite, WriteOutcome } from "../../core/tag-io.js";
import type { ProcessView, TickEvent } from "../control-io.js";
import type { StationId } from "../sequencer-protocol.js";
import { type StationStart, type StationStatus, deadlinePassed } from "./station-protocol.js";
import type { StationActionOn, StationContext, StationEvent, StationNode, StationState, StationTransition } from "./station-setup.js";
import { writeErrorReason, writeFailureReason } from "./write-tags-actor.js";

type WriteDone = DoneActorEvent<WriteOutcome, string>;
type Start<E> = Extract<E, StationStart>;
type OneOrMore<T> = T | readonly T[];
type Handlers<C extends StationContext, E extends StationEvent, S extends StationStatus> = NonNullable<StationNode<C, E, S>["on"]>;

/** A report's detail: fixed, or from the context when the report is made. */
export type Detail<C> = string | ((context: C) => string);

/** A batch of writes: fixed, or from the context when the write is made. */
export type Writes<C> = readonly TagWrite[] | ((context: C) => readonly TagWrite[]);

/** Where a write-then-wait goes once written: the first whose `when` holds. */
export interface WrittenNext<C extends StationContext, E extends StationEvent, S extends StationStatus> {
  readonly when?: (context: C) => boolean;
  readonly target: string;
  readonly actions?: readonly StationActionOn<C, WriteDone, E, S>[];
}

export interface WaitOptions<C extends StationContext, E extends StationEvent, S extends StationStatus> {
  /** The transitions of a TICK that finds the wait over (condition met, or something else that ends it), in order. */
  readonly until: readonly StationTransition<C, TickEvent, E, S>[];
  readonly timeoutMs: (context: C) => number;
  /** The fault reason when the deadline passed. */
  readonly timedOut: (context: C, view: ProcessView) => string;
  /** Run on a TICK that leaves the wait going on, before the deadline is armed. */
  readonly waiting?: readonly StationActionOn<C, TickEvent, E, S>[];
  /** Run on entry, after the deadline is cleared. */
  readonly entry?: readonly StationActionOn<C, E, E, S>[];
  /** The state's other events. */
  readonly on?: Handlers<C, E, S>;
}

export interface FaultOptions<C extends StationContext, E extends StationEvent, S extends StationStatus> {
  /** "fault" unless given (htr's tripped is made the same way). */
  readonly status?: S;
  /** The commands answered with the status and the reason. */
  readonly answered: readonly E["type"][];
  /** The state's other events. */
  readonly on?: Handlers<C, E, S>;
  readonly invoke?: StationNode<C, E, S>["invoke"];
}

/** A station machine's root: see StationStates.machine. */
export interface StationMachineConfig<C extends StationContext, E extends StationEvent, S extends StationStatus, T> {
  readonly id: StationId;
  readonly context: C;
  readonly initial: "off";
  readonly on: Handlers<C, E, S>;
  readonly states: T;
}

/** The builders of station `id` (its context C, events E, statuses S; every station has off and fault). */
export class StationStates<C extends StationContext, E extends StationEvent, S extends StationStatus> {
  /** The fault state (every station has one, at the top). */
  readonly fault: string;

  constructor(readonly id: StationId) {
    this.fault = `#${id}.fault`;
  }

  /** The machine: it starts off, and STATION.ABORT from any state goes to aborting. */
  machine<T extends Record<string, StationState<C, E, S>>>(context: C, states: T): StationMachineConfig<C, E, S, T> {
    return { id: this.id, context, initial: "off", on: this.handlers({ "STATION.ABORT": this.take(".aborting") }), states };
  }

  /** The off state: it reports the off detail (stopped, flushed, aborted) on entry. */
  offState(on: Handlers<C, E, S>): StationNode<C, E, S> {
    return { entry: this.report("off" as S, (context) => context.offDetail), on };
  }

  /** A state's event handlers, by event type (for builders, which cannot know E's event types). */
  handlers(on: { readonly [K in StationEvent["type"]]?: OneOrMore<StationTransition<C, never, E, S>> }): Handlers<C, E, S> {
    return on as Handlers<C, E, S>;
  }

  /** A status report to the parent (the sequencer). */
  report(status: S, detail: Detail<C>): StationActionOn<C, E, E, S> {
    return typeof detail === "string"
      ? { type: "report", params: { status, detail } }
      : { type: "report", params: ({ context }) => ({ status, detail: detail(context) }) };
  }

  /** Take the command and stay, answering with a report; `then` runs before the report. */
  answer(status: S, detail: Detail<C>, ...then: StationActionOn<C, E, E, S>[]): StationTransition<C, E, E, S> {
    return { actions: ["takeCommand", ...then, this.report(status, detail)] };
  }

  /** The same answer to each of `commands`. */
  answers(commands: readonly E["type"][], status: S, detail: Detail<C>): Handlers<C, E, S> {
    const answer = this.answer(status, detail);
    return this.handlers(Object.fromEntries(commands.map((command) => [command, answer])));
  }

  /** Take STATION.START and go to `target`: the run's params, and the station's own `fields` from the start. */
  start(target: string, fields: (start: Start<E>) => Partial<C> = () => ({})): StationTransition<C, Start<E>, E, S> {
    return {
      target,
      actions: ["takeCommand", { type: "takeStart", params: ({ event }) => ({ params: event.params, fields: fields(event) }) }],
    };
  }

  /** Take the command and go to `target`; `then` runs after the command is taken. */
  take(target: string, ...then: StationActionOn<C, E, E, S>[]): StationTransition<C, E, E, S> {
    return { target, actions: ["takeCommand", ...then] };
  }

  /** Take the command and go to fault: "<command> refused: <name> is <state>". */
  refuse(state: string): StationTransition<C, E, E, S> {
    return { target: this.fault, actions: ["takeCommand", { type: "refuse", params: { state } }] };
  }

  /** Write; once written go to `next` (a target, or the first whose `when` holds); a failed write → fault. */
  writeThenWait(what: string, writes: Writes<C>, next: string | readonly WrittenNext<C, E, S>[]): StationNode<C, E, S> {
    const nexts = typeof next === "string" ? [{ target: next }] : next;
    return {
      invoke: {
        src: "writeTags",
        input: typeof writes === "function" ? ({ context }) => ({ writes: writes(context) }) : { writes },
        onDone: [
          ...nexts.map(({ when, target, actions }) => ({
            guard: ({ context, event }: { context: C; event: WriteDone }) => event.output.ok && (when === undefined || when(context)),
            target,
            ...(actions === undefined ? {} : { actions: [...actions] }),
          })),
          { target: this.fault, actions: { type: "note", params: ({ event }) => ({ reason: writeFailureReason(what, event.output) }) } },
        ],
        onError: { target: this.fault, actions: { type: "note", params: ({ event }) => ({ reason: writeErrorReason(what, event.error) }) } },
      },
    };
  }

  /** Write; once written go off, with `offDetail` the detail of its report; a failed write → fault. */
  writeThenOff(what: string, writes: Writes<C>, offDetail: string): StationNode<C, E, S> {
    return this.writeThenWait(what, writes, [{ target: `#${this.id}.off`, actions: [{ type: "setOffDetail", params: { detail: offDetail } }] }]);
  }

  /**
   * Write without leaving the state once written (best effort: the state already is what the write makes
   * sure of); a failed write adds itself to the reason and goes to `failTarget` when one is given.
   */
  keepWritten(what: string, writes: readonly TagWrite[], failTarget?: string): StationNode<C, E, S>["invoke"] {
    const target = failTarget === undefined ? {} : { target: failTarget };
    const onError: StationTransition<C, ErrorActorEvent, E, S> = {
      ...target,
      actions: { type: "note", params: ({ context, event }) => ({ reason: `${context.reason}; ${writeErrorReason(what, event.error)}` }) },
    };
    return {
      src: "writeTags",
      input: { writes },
      onDone: {
        guard: ({ event }) => !event.output.ok,
        ...target,
        actions: { type: "note", params: ({ context, event }) => ({ reason: `${context.reason}; ${writeFailureReason(what, event.output)}` }) },
      },
      onError,
    };
  }

  /** Wait until one of `until` is taken on a TICK, at most `timeoutMs` (from the first TICK in the wait). */
  waitUntil(wait: WaitOptions<C, E, S>): StationNode<C, E, S> {
    type Tick = StationTransition<C, TickEvent, E, S>;
    const timedOut: Tick = {
      guard: ({ context, event }) => deadlinePassed(context.deadline, event.now),
      target: this.fault,
      actions: { type: "note", params: ({ context, event }) => ({ reason: wait.timedOut(context, event.view) }) },
    };
    const stillWaiting: Tick = {
      actions: [
        ...(wait.waiting ?? []),
        { type: "armDeadline", params: ({ context, event }) => ({ now: event.now, timeoutMs: wait.timeoutMs(context) }) },
      ],
    };
    return {
      entry: ["clearDeadline", ...(wait.entry ?? [])],
      on: { ...wait.on, ...this.handlers({ TICK: [...wait.until, timedOut, stillWaiting] }) },
    };
  }

  /** The fault state (or another that holds a reason): report it on entry and answer the commands with it. */
  faultState(fault: FaultOptions<C, E, S>): StationNode<C, E, S> {
    const status = fault.status ?? ("fault" as S);
    const reason = (context: C) => context.reason;
    return {
      entry: this.report(status, reason),
      ...(fault.invoke === undefined ? {} : { invoke: fault.invoke }),
      on: { ...this.answers(fault.answered, status, reason), ...fault.on },
    };
  }
}
