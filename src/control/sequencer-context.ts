/** The sequencer's context (what it keeps of the run and of its stations), its options, and its start. */
import type { SequenceParams } from "../recipes/sequence-params.js";
import type { SequencerCommand, StationId } from "./sequencer-protocol.js";
import type { StationSetpoints, StationStatus } from "./stations/station-protocol.js";

type CommandType = SequencerCommand["type"];

export interface StationSummary {
  readonly state: StationStatus;
  readonly detail: string;
}

export interface SequencerContext {
  readonly params: SequenceParams | undefined;
  readonly setpoints: StationSetpoints;
  /** The command being worked on (or last taken). */
  readonly command: CommandType | undefined;
  /** The last command reported done. */
  readonly lastDone: CommandType | undefined;
  readonly stations: Readonly<Record<StationId, StationSummary>>;
  readonly failure: string;
  /** rinse.roll_length at the start of the run. */
  readonly startLengthM: number | undefined;
  /** Metres processed in this run (last seen). */
  readonly processedM: number;
  readonly targetReported: boolean;
  readonly starvedReported: boolean;
  readonly pulses: number;
  readonly indexes: number;
  /** Why the Execute loop is paused. */
  readonly paused: string;
  /** Deadline of the safe-state check, epoch ms. */
  readonly deadline: number | undefined;
  /** Stations whose abort outputs are not yet confirmed written. */
  readonly awaiting: readonly StationId[];
}

export interface SequencerOptions {
  /** Flow setpoints the stations write when they start (default: the line's design values). */
  readonly setpoints?: Partial<StationSetpoints>;
}

const INITIAL_STATIONS: Readonly<Record<StationId, StationSummary>> = {
  feed: { state: "off", detail: "" },
  htr: { state: "off", detail: "" },
  quench: { state: "off", detail: "" },
  rinse: { state: "off", detail: "" },
};

/** A run's progress before its first TICK: what the context starts with, and what SEQ.START resets. */
export const FRESH_RUN = {
  startLengthM: undefined,
  processedM: 0,
  targetReported: false,
  starvedReported: false,
  pulses: 0,
  indexes: 0,
} as const satisfies Partial<SequencerContext>;

export function initialSequencerContext(setpoints: StationSetpoints): SequencerContext {
  return {
    params: undefined,
    setpoints,
    command: undefined,
    lastDone: undefined,
    stations: INITIAL_STATIONS,
    failure: "",
    ...FRESH_RUN,
    paused: "",
    deadline: undefined,
    awaiting: [],
  };
}
