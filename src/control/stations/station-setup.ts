/**
 * The setup every station machine (feed, htr, quench, rinse) is built on: the context fields and events all
 * stations share, the tag-write actor, and the named actions and guards the station builders
 * (station-states.ts) refer to. Plus the types of the state nodes those builders make.
 */
import {
  assign,
  enqueueActions,
  setup,
  type Action,
  type EventObject,
  type MetaObject,
  type StateNodeConfig,
  type TransitionConfig,
} from "xstate";
import type { TagBatchWriter } from "../../core/tag-io.js";
import type { TickEvent } from "../control-io.js";
import type { SequenceParams } from "../../recipes/sequence-params.js";
import type { StationId } from "../sequencer-protocol.js";
import { type StationCommand, type StationCommandType, type StationStatus, armedDeadline, statusReport } from "./station-protocol.js";
import { createWriteTagsActor, type WriteTagsLogic } from "./write-tags-actor.js";

/** What every station keeps; each station's context adds its own fields. */
export interface StationContext {
  /** The run's parameters, from the last STATION.START (undefined before the first). */
  readonly params: SequenceParams | undefined;
  /** Deadline of the current wait, epoch ms (armed by the first TICK in the wait). */
  readonly deadline: number | undefined;
  /** Why the station is in fault. */
  readonly reason: string;
  /** Detail of the next "off" report (stopped, flushed, aborted). */
  readonly offDetail: string;
  /** The last command the station took ("none" before its first). */
  readonly command: StationCommandType | "none";
}

/** A station's context before its first command (each station adds its own fields). */
export const STATION_CONTEXT: StationContext = Object.freeze({
  params: undefined,
  deadline: undefined,
  reason: "",
  offDetail: "off",
  command: "none",
});

/** Every event a station may take; each station's event type is a part of it. */
export type StationEvent = StationCommand | TickEvent;

/** The params of the named actions every station has (a type, not an interface: setup needs an index signature). */
export type StationActionParams<S extends StationStatus> = {
  /** A status report to the parent (the sequencer). */
  readonly report: { readonly status: S; readonly detail: string };
  /** Remember the command being taken (the reports that follow carry it). */
  readonly takeCommand: undefined;
  /** Take the run's params from STATION.START, and the station's own fields (its setpoints). */
  readonly takeStart: { readonly params: SequenceParams; readonly fields: Readonly<Record<string, unknown>> };
  readonly clearDeadline: undefined;
  /** The wait's deadline: kept once armed, else armed from this TICK's `now`. */
  readonly armDeadline: { readonly now: number; readonly timeoutMs: number };
  /** Set the fault reason. */
  readonly note: { readonly reason: string };
  /** Set the fault reason to "<command> refused: <name> is <state>". */
  readonly refuse: { readonly state: string };
  /** Set the detail of the next "off" report. */
  readonly setOffDetail: { readonly detail: string };
};

export type StationGuardParams = {
  readonly pulseMode: undefined;
};

export interface StationSetupOptions {
  readonly station: StationId;
  /** What refusals call the station: "the heater" in "STATION.HEAT refused: the heater is off". */
  readonly name: string;
  readonly io: TagBatchWriter;
}

type ToRefs<M> = { [K in keyof M & string]: { type: K; params: M[K] } }[keyof M & string];

export type StationActor = { src: "writeTags"; logic: WriteTagsLogic; id: string | undefined };
export type StationAction<S extends StationStatus> = ToRefs<StationActionParams<S>>;
export type StationGuard = ToRefs<StationGuardParams>;

/** A state node of a station machine (context C, events E, statuses S). */
export type StationState<C extends StationContext, E extends StationEvent, S extends StationStatus> = StateNodeConfig<
  C,
  E,
  StationActor,
  StationAction<S>,
  StationGuard,
  never,
  string,
  unknown,
  EventObject,
  MetaObject
>;
/** A state node without child states (so that XState types it as a leaf: its value is its name). */
export type StationNode<C extends StationContext, E extends StationEvent, S extends StationStatus> = Omit<StationState<C, E, S>, "states">;
/** A transition taken on event X. */
export type StationTransition<C extends StationContext, X extends EventObject, E extends StationEvent, S extends StationStatus> =
  TransitionConfig<C, X, E, StationActor, StationAction<S>, StationGuard, never, EventObject, MetaObject>;
/** An action run on event X. */
export type StationActionOn<C extends StationContext, X extends EventObject, E extends StationEvent, S extends StationStatus> =
  Action<C, X, E, undefined, StationActor, StationAction<S>, StationGuard, never, EventObject>;

/** The setup of a station machine: its context C, events E and statuses S, and the I/O it writes through. */
export function stationSetup<C extends StationContext, E extends StationEvent, S extends StationStatus>(options: StationSetupOptions) {
  const update = (fields: Partial<StationContext>) => fields as Partial<C>;
  return setup<C, E, { writeTags: WriteTagsLogic }, {}, StationActionParams<S>, StationGuardParams>({
    types: {
      context: {} as C,
      events: {} as E,
    },
    actors: { writeTags: createWriteTagsActor(options.io) },
    guards: {
      pulseMode: ({ context }) => context.params?.mode === "pulse",
    },
    actions: {
      // To the parent (the sequencer); a machine run without one (pure transitions, tools) reports nothing.
      report: enqueueActions(({ context, self, enqueue }, p: StationActionParams<S>["report"]) => {
        if (self._parent !== undefined) enqueue.sendParent(statusReport(options.station, p.status, p.detail, context.command));
      }),
      takeCommand: assign(({ event }) => update({ command: event.type === "TICK" ? "none" : (event.type as StationCommandType) })),
      takeStart: assign((_, p: StationActionParams<S>["takeStart"]) => ({ params: p.params, ...p.fields }) as Partial<C>),
      clearDeadline: assign(() => update({ deadline: undefined })),
      armDeadline: assign(({ context }, p: StationActionParams<S>["armDeadline"]) =>
        update({ deadline: armedDeadline(context.deadline, p.now, p.timeoutMs) }),
      ),
      note: assign((_, p: StationActionParams<S>["note"]) => update({ reason: p.reason })),
      refuse: assign(({ event }, p: StationActionParams<S>["refuse"]) =>
        update({ reason: `${event.type} refused: ${options.name} is ${p.state}` }),
      ),
      setOffDetail: assign((_, p: StationActionParams<S>["setOffDetail"]) => update({ offDetail: p.detail })),
    },
  });
}
