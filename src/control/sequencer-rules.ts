/** The sequencer's rules (pure): which station report answers a command, when the line is safe, how far the run got. */
import type { SequenceParams } from "../recipes/sequence-params.js";
import type { ProcessView } from "./control-io.js";
import type { SequencerContext, StationSummary } from "./sequencer-context.js";
import { ROLL_LENGTH_TAG, STATION_IDS, type SequencerEvent, type StationId } from "./sequencer-protocol.js";
import {
  type StationCommand,
  type StationCommandType,
  type StationStatus,
  type StationStatusReport,
  formatNumber,
  readBool,
  readNumber,
} from "./stations/station-protocol.js";

/** How long SEQ.RESET / SEQ.CLEAR wait for the process view to confirm the safe state, ms. */
export const SAFE_CHECK_TIMEOUT_MS = 5_000;

/** Everything the sequencer machine receives: the line's commands and TICKs, its stations' reports. */
export type SequencerMachineEvent = SequencerEvent | StationStatusReport;

/** A station's answer to `command`: its report with one of `statuses`, sent after it took the command. */
export function isAnswer(
  event: SequencerMachineEvent,
  station: StationId,
  statuses: readonly StationStatus[],
  command: StationCommandType,
): boolean {
  return event.type === "STATION.STATUS" && event.station === station && event.command === command && statuses.includes(event.status);
}

export function isFault(event: SequencerMachineEvent): boolean {
  return event.type === "STATION.STATUS" && event.status === "fault";
}

export function isHtrTrip(event: SequencerMachineEvent): boolean {
  return event.type === "STATION.STATUS" && event.station === "htr" && event.status === "tripped";
}

export function failureReason(event: SequencerMachineEvent): string {
  if (event.type !== "STATION.STATUS") return "unknown failure";
  return event.status === "fault" ? event.detail : `${event.station} ${event.status}: ${event.detail}`;
}

/** The report confirms that a station the abort still waits for has its outputs off. */
export function confirmsAbort(event: SequencerMachineEvent, awaiting: readonly StationId[]): boolean {
  return event.type === "STATION.STATUS" && awaiting.includes(event.station) && isAnswer(event, event.station, ["off"], "STATION.ABORT");
}

/** Everything that keeps RESET / CLEAR from confirming a safe state (empty when safe). */
export function safeStateProblems(stations: Readonly<Record<StationId, StationSummary>>, view: ProcessView): string[] {
  const problems: string[] = [];
  for (const id of STATION_IDS) {
    const s = stations[id];
    if (s.state !== "off") problems.push(`${id} is ${s.state}${s.detail === "" ? "" : ` (${s.detail})`}`);
  }
  for (const tag of ["htr.heater_enable", "htr.heater_on", "feed.drives_running"]) {
    const v = readBool(view, tag);
    if (v !== false) problems.push(`${tag} is ${v === undefined ? "not Good" : "true"}`);
  }
  return problems;
}

/** Metres processed since the start of the run, or undefined before the start length is known. */
export function processedLength(startLengthM: number | undefined, view: ProcessView): number | undefined {
  const length = readNumber(view, ROLL_LENGTH_TAG);
  return startLengthM === undefined || length === undefined ? undefined : length - startLengthM;
}

/** Why RESET / CLEAR failed: the safe state was not confirmed within SAFE_CHECK_TIMEOUT_MS. */
export function notSafeReason(what: "reset" | "clear", stations: Readonly<Record<StationId, StationSummary>>, view: ProcessView): string {
  return `${what}: not safe after ${formatNumber(SAFE_CHECK_TIMEOUT_MS / 1000)} s: ${safeStateProblems(stations, view).join("; ")}`;
}

/** Stations that get ABORT (heater first). The quench keeps cooling the web; CLEAR stops it. */
export const ABORTED_STATIONS: readonly StationId[] = ["htr", "feed", "rinse"];
/** htr statuses in which the heater is off (HOLD answered). */
export const HEATER_OFF_STATUSES: readonly StationStatus[] = ["cooling-down", "purging", "ready", "off", "tripped"];

/** The STATION.START a station gets: the run's params, and the recipe's flows over the design setpoints. */
export function startCommand(context: SequencerContext): StationCommand {
  // params is set by SEQ.START; UNHOLD / UNSUSPEND without it go to failed before any START is sent.
  const params = context.params as SequenceParams;
  // The recipe's flows win over the design defaults, so the stations never fight the recipe download.
  return { type: "STATION.START", params, setpoints: { ...context.setpoints, ...params.flowSetpoints } };
}
