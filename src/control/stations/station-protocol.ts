/**
 * What the station machines (feed, htr, quench, rinse) take and tell: their commands, the status report they
 * send their parent (the sequencer), the flow setpoints they write, and the pure pieces every station shares —
 * view readers, deadline helpers and the wording of timeout reasons. The tag-write actor is in
 * write-tags-actor.ts, the shared machine setup and state builders in station-setup.ts and station-states.ts.
 *
 * Stations never read the clock: a wait's deadline is armed from the first TICK's `now` in the waiting state,
 * kept in context (so it is persisted with the snapshot) and compared with every later TICK.
 */
import type { TagWrite } from "../../core/tag-io.js";
import type { TagScalar } from "../../core/tag-value.js";
import type { ProcessView, TickEvent } from "../control-io.js";
import type { SequenceParams } from "../../recipes/sequence-params.js";
import type { StationId } from "../sequencer-protocol.js";

// ─── Setpoints ─────────────────────────────────────────────────────────────────────────────────────────

/** Flow setpoints a station writes when it starts (SequenceParams carries the web speed, not these). */
export interface StationSetpoints {
  /** Argon purge flow, L/min (htr.ar_flow_sp). */
  readonly arFlowLpm: number;
  /** Gas-knife flow, L/min (quench.gas_flow_sp; the PLC's quench-ready needs ≥ 50). */
  readonly quenchGasFlowLpm: number;
  /** DI-water flow, L/min (rinse.water_flow_sp). */
  readonly rinseWaterFlowLpm: number;
}

/** The line's design values (PROCESS.md / the virtual plant's defaults). */
export const DEFAULT_STATION_SETPOINTS: StationSetpoints = Object.freeze({
  arFlowLpm: 30,
  quenchGasFlowLpm: 150,
  rinseWaterFlowLpm: 20,
});

/** Timeouts and limits a station uses when it must act before it was ever started (e.g. STOP after a restart). */
export const FALLBACK_TIMEOUTS: SequenceParams["timeouts"] = Object.freeze({
  flowMs: 60_000,
  purgeMs: 180_000,
  webMs: 60_000,
  heatMs: 30_000,
  coolMs: 60_000,
  flushMs: 600_000,
});
/** Web temperature below which the quench may go off when no run parameters are known, K. */
export const FALLBACK_SAFE_WEB_TEMP_K = 373;

export function timeoutOf(params: SequenceParams | undefined, which: keyof SequenceParams["timeouts"]): number {
  return params?.timeouts[which] ?? FALLBACK_TIMEOUTS[which];
}

// ─── Commands ──────────────────────────────────────────────────────────────────────────────────────────

export interface StationStart {
  readonly type: "STATION.START";
  readonly params: SequenceParams;
  readonly setpoints: StationSetpoints;
}
export interface StationStop {
  readonly type: "STATION.STOP";
}
export interface StationHold {
  readonly type: "STATION.HOLD";
}
export interface StationAbort {
  readonly type: "STATION.ABORT";
}
/** htr: enable the heater (only from ready, or from purging once the O₂ permissive holds). */
export interface StationHeat {
  readonly type: "STATION.HEAT";
}
/** htr, pulse mode: run one pulse (pulse_start, then ramp → hold → cool → off with the count incremented). */
export interface StationPulse {
  readonly type: "STATION.PULSE";
}
/** feed, pulse mode: index the web one length (index_cmd, then indexing true → false). */
export interface StationIndex {
  readonly type: "STATION.INDEX";
}
/** feed: stop the doser, keep the drives as they are (first step of the line's stop). */
export interface StationDoserOff {
  readonly type: "STATION.DOSER_OFF";
}

export type CommonStationCommand = StationStart | StationStop | StationHold | StationAbort;
export type RinseCommand = CommonStationCommand;
export type QuenchCommand = CommonStationCommand;
export type HtrCommand = CommonStationCommand | StationHeat | StationPulse;
export type FeedCommand = CommonStationCommand | StationIndex | StationDoserOff;
export type StationCommand = HtrCommand | FeedCommand;
export type StationCommandType = StationCommand["type"];

export type RinseEvent = RinseCommand | TickEvent;
export type QuenchEvent = QuenchCommand | TickEvent;
export type HtrEvent = HtrCommand | TickEvent;
export type FeedEvent = FeedCommand | TickEvent;

// ─── Statuses and the report ───────────────────────────────────────────────────────────────────────────

export type RinseStatus = "off" | "starting" | "running" | "flushing" | "fault";
export type QuenchStatus = "off" | "starting" | "running" | "fault";
export type HtrStatus =
  | "off"
  | "purging"
  | "ready"
  /** Heater enabled: pulse mode waiting for the next pulse, or continuous mode ramping to peak. */
  | "heating"
  | "pulsing"
  | "at-temperature"
  | "cooling-down"
  | "tripped"
  | "fault";
export type FeedStatus = "off" | "starting" | "running" | "indexing" | "starved" | "doser-off" | "stopping" | "fault";
export type StationStatus = RinseStatus | QuenchStatus | HtrStatus | FeedStatus;

/** What a station sends its parent (sendParent) each time it enters a state and when it answers a command. */
export interface StationStatusReport {
  readonly type: "STATION.STATUS";
  readonly station: StationId;
  readonly status: StationStatus;
  readonly detail: string;
  /**
   * The last command the station took ("none" before its first). A report queued before the station took a
   * command carries the older command, so a waiting parent can tell a fresh answer from an older report.
   */
  readonly command: StationCommandType | "none";
}

export function statusReport(
  station: StationId,
  status: StationStatus,
  detail: string,
  command: StationCommandType | "none",
): StationStatusReport {
  return { type: "STATION.STATUS", station, status, detail, command };
}

// ─── Writes ────────────────────────────────────────────────────────────────────────────────────────────

/** What a station with one setpoint and outputs switched together writes to start and to go off. */
export interface OutputWrites {
  /** The setpoint, then every output on, in order. */
  readonly start: (setpoint: number) => TagWrite[];
  /** Every output off, in order. */
  readonly off: readonly TagWrite[];
}

export function outputWrites(setpointTag: string, outputs: readonly string[]): OutputWrites {
  const switched = (value: boolean): TagWrite[] => outputs.map((tag) => ({ tag, value }));
  return { start: (setpoint) => [{ tag: setpointTag, value: setpoint }, ...switched(true)], off: switched(false) };
}

// ─── Reading the process view ──────────────────────────────────────────────────────────────────────────

/** A number tag's value, `undefined` when it is not Good (or not a number). */
export function readNumber(view: ProcessView, tag: string): number | undefined {
  const v: TagScalar | undefined = view[tag];
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

/** A bool tag's value, `undefined` when it is not Good (or not a bool). */
export function readBool(view: ProcessView, tag: string): boolean | undefined {
  const v: TagScalar | undefined = view[tag];
  return typeof v === "boolean" ? v : undefined;
}

/** "O₂ 812 ppm", or "O₂ not Good" when the value is missing. */
export function formatReading(label: string, value: number | boolean | undefined, unit = ""): string {
  if (value === undefined) return `${label} not Good`;
  if (typeof value === "boolean") return `${label} ${value ? "true" : "false"}`;
  return `${label} ${formatNumber(value)}${unit === "" ? "" : ` ${unit}`}`;
}

export function formatNumber(v: number): string {
  if (Number.isInteger(v) || Math.abs(v) >= 100) return String(Math.round(v));
  return String(Math.round(v * 10) / 10);
}

// ─── Deadlines ─────────────────────────────────────────────────────────────────────────────────────────

/** The wait's deadline: kept once armed, else armed from this TICK. */
export function armedDeadline(deadline: number | undefined, now: number, timeoutMs: number): number {
  return deadline ?? now + timeoutMs;
}

export function deadlinePassed(deadline: number | undefined, now: number): boolean {
  return deadline !== undefined && now >= deadline;
}

/** "purge timed out: O₂ 812 ppm after 120 s (needs < 50 ppm)". */
export function timeoutReason(what: string, actual: string, timeoutMs: number, needs: string): string {
  return `${what} timed out: ${actual} after ${formatNumber(timeoutMs / 1000)} s (needs ${needs})`;
}
