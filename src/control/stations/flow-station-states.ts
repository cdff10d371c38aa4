/**
 * The states a flow station (quench, rinse) runs through: off → starting (write its setpoint and switch its
 * outputs on; wait until its flows are up, at most the run's flowMs) → running. HOLD keeps it running; STOP
 * from off still switches the outputs off (after a restart the PLC may have them on).
 */
import type { ProcessView } from "../control-io.js";
import { type StationStart, type StationStatus, timeoutOf, timeoutReason } from "./station-protocol.js";
import type { StationActionOn, StationContext, StationEvent, StationNode, StationState } from "./station-setup.js";
import type { Detail, StationStates, Writes } from "./station-states.js";

export interface FlowStationOptions<C extends StationContext, E extends StationEvent, S extends StationStatus> {
  /** The station's own fields from STATION.START (its setpoint). */
  readonly started: (start: Extract<E, StationStart>) => Partial<C>;
  /** The start write: what a failure calls it, and the batch. */
  readonly startWrite: { readonly what: string; readonly writes: Writes<C> };
  /** The flows are up. */
  readonly flowing: (context: C, view: ProcessView) => boolean;
  /** For the fault reason when they are not up in time: what they are called, their reading, what they need. */
  readonly flows: { readonly what: string; readonly reading: (view: ProcessView) => string; readonly needs: (context: C) => string };
  readonly startingDetail: Detail<C>;
  readonly runningDetail: Detail<C>;
  /** The answer to HOLD while starting or running. */
  readonly holdDetail: string;
  /** Where STATION.STOP goes from starting and running (off always goes to stopping). */
  readonly stop: string;
  /** Run on STATION.STOP while off, after the command is taken. */
  readonly stopWhenOff?: readonly StationActionOn<C, E, E, S>[];
}

export interface FlowStationStates<C extends StationContext, E extends StationEvent, S extends StationStatus> {
  readonly off: StationNode<C, E, S>;
  readonly starting: StationState<C, E, S> & {
    readonly states: { readonly writing: StationNode<C, E, S>; readonly waiting: StationNode<C, E, S> };
  };
  readonly running: StationNode<C, E, S>;
}

/** Off, starting and running of flow station `s` (its statuses include off, starting and running). */
export function flowStationStates<C extends StationContext, E extends StationEvent, S extends StationStatus>(
  s: StationStates<C, E, S>,
  flow: FlowStationOptions<C, E, S>,
): FlowStationStates<C, E, S> {
  const status = (name: "off" | "starting" | "running") => name as S; // every flow station has these statuses
  return {
    off: s.offState(
      s.handlers({
        "STATION.START": s.start("starting", flow.started),
        "STATION.STOP": s.take("stopping", ...(flow.stopWhenOff ?? [])),
        "STATION.HOLD": s.answer(status("off"), "off"),
      }),
    ),
    starting: {
      entry: s.report(status("starting"), flow.startingDetail),
      initial: "writing",
      on: s.handlers({
        "STATION.START": s.answer(status("starting"), "already starting"),
        "STATION.HOLD": s.answer(status("starting"), flow.holdDetail),
        "STATION.STOP": s.take(flow.stop),
      }),
      states: {
        writing: s.writeThenWait(flow.startWrite.what, flow.startWrite.writes, "waiting"),
        waiting: s.waitUntil({
          until: [{ guard: ({ context, event }) => flow.flowing(context, event.view), target: `#${s.id}.running` }],
          timeoutMs: (c) => timeoutOf(c.params, "flowMs"),
          timedOut: (c, view) => timeoutReason(flow.flows.what, flow.flows.reading(view), timeoutOf(c.params, "flowMs"), flow.flows.needs(c)),
        }),
      },
    },
    running: {
      entry: s.report(status("running"), flow.runningDetail),
      on: s.handlers({
        "STATION.START": s.answer(status("running"), "already running"),
        "STATION.HOLD": s.answer(status("running"), flow.holdDetail),
        "STATION.STOP": s.take(flow.stop),
      }),
    },
  };
}
