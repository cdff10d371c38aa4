/**
 * OEE of the web line over a time window, its downtime Pareto, and the shift windows to compute it per shift
 * (pure: no clock; every time comes in as an argument, epoch ms).
 *
 * docs/process.md counts metres: availability = Execute time / planned time; performance = metres made /
 * (design speed × Execute time); quality = pass metres / processed metres; OEE = A × P × Q. Each is null
 * when its denominator is 0 (and OEE is null when one of them is).
 *
 * PLANNED TIME is the window minus the time nobody meant the line to run: the line Stopped or Idle (the
 * UNPLANNED_STATES) with no stop reason (it has not run since the SCADA started) or an operator's normal stop
 * (`operator-stop`) as the reason in force (the UNPLANNED_STOP_REASONS). Everything else is planned: a trip,
 * an abort (the operator's included), a sequence failure, a restart after a crash, starvation, a hold, a
 * suspend, the end of a roll (`target-reached`: a roll change is a loss), and the acting states (Starting,
 * Stopping, Resetting, Clearing …) whatever the reason. So to take time out of planned time an operator stops
 * the line; a line left Idle after a completed roll keeps counting as downtime. Execute is always planned.
 * Time before the first state entry is not known: it is reported as `unknownMs` and counted in neither.
 *
 * DOWNTIME: every stretch of planned time not in Execute, charged to a cause: the first-out interlock of the
 * state entry when one is given ("IL-07"), else its stop-reason code ("operator-hold"), else the state name
 * ("Starting"). Consecutive stretches with the same cause are one occurrence (a trip going Aborting →
 * Aborted → Clearing with IL-07 first out counts once). Sorted by time, longest first; share is the cause's
 * part of all downtime (0–1).
 *
 * Cost: O(n log n) for n state entries (one sort, one pass), O(causes log causes) for the Pareto.
 * shiftWindows costs O(days × shifts) for the days the window spans.
 */
import type { LineStateEntry } from "./roll-record.js";

export const EXECUTE_STATE = "Execute";
/** States that are not planned production when the stop reason in force is one of UNPLANNED_STOP_REASONS. */
export const UNPLANNED_STATES: readonly string[] = ["Stopped", "Idle"];
/** null: the line has not run since the SCADA started · operator-stop: an operator's normal stop. */
export const UNPLANNED_STOP_REASONS: readonly (string | null)[] = [null, "operator-stop"];

/** When the line is not planned to run: in one of `states` with one of `stopReasons` in force. */
export interface UnplannedRule {
  readonly states: readonly string[];
  readonly stopReasons: readonly (string | null)[];
}

export const DEFAULT_UNPLANNED: UnplannedRule = { states: UNPLANNED_STATES, stopReasons: UNPLANNED_STOP_REASONS };

export interface OeeInput {
  /** The window [from, to), epoch ms. */
  readonly from: number;
  readonly to: number;
  /** The last entry before `from` first (the state the window opened in), then the changes in order. */
  readonly states: readonly LineStateEntry[];
  /** Metres made in the window (through the HTR zone). */
  readonly metresMade: number;
  /** Metres of segments with verdict pass, of the processed ones. */
  readonly passMetres: number;
  /** Metres of segments recorded (given a verdict) in the window. */
  readonly processedMetres: number;
  /** The line's design (nameplate) speed, m/min. */
  readonly designSpeedMpm: number;
  /** Default DEFAULT_UNPLANNED. */
  readonly unplanned?: UnplannedRule;
}

export interface DowntimeCause {
  /** First-out interlock, else stop-reason code, else state name. */
  readonly cause: string;
  readonly ms: number;
  /** Occurrences (consecutive stretches with the same cause count once). */
  readonly count: number;
  /** Of all downtime, 0–1. */
  readonly share: number;
  /** The states it was spent in, in the order first seen. */
  readonly states: readonly string[];
}

export interface OeeResult {
  readonly availability: number | null;
  readonly performance: number | null;
  readonly quality: number | null;
  readonly oee: number | null;
  readonly executeMs: number;
  readonly plannedMs: number;
  /** Planned time not in Execute (the sum of the Pareto). */
  readonly downtimeMs: number;
  /** Window time before the first state entry (no state known). */
  readonly unknownMs: number;
  /** Time in each state seen in the window (states not seen are absent). */
  readonly timeInState: Readonly<Record<string, number>>;
  /** Longest first. */
  readonly downtime: readonly DowntimeCause[];
}

interface CauseTotal {
  ms: number;
  count: number;
  states: string[];
}

function isUnplanned(entry: LineStateEntry, rule: UnplannedRule): boolean {
  return entry.state !== EXECUTE_STATE && rule.states.includes(entry.state) && rule.stopReasons.includes(entry.stopReason);
}

function causeOf(entry: LineStateEntry): string {
  if (entry.firstOut !== null && entry.firstOut !== "") return entry.firstOut;
  if (entry.stopReason !== null && entry.stopReason !== "") return entry.stopReason;
  return entry.state;
}

function ratio(numerator: number, denominator: number): number | null {
  return denominator > 0 && Number.isFinite(denominator) ? numerator / denominator : null;
}

function pareto(totals: ReadonlyMap<string, CauseTotal>, downtimeMs: number): DowntimeCause[] {
  const list = [...totals].map(([cause, t]) => ({
    cause,
    ms: t.ms,
    count: t.count,
    share: downtimeMs > 0 ? t.ms / downtimeMs : 0,
    states: t.states,
  }));
  return list.sort((a, b) => b.ms - a.ms || b.count - a.count || (a.cause < b.cause ? -1 : a.cause > b.cause ? 1 : 0));
}

/** OEE over [from, to) (see the header for planned time and the downtime causes). */
export function computeOee(input: OeeInput): OeeResult {
  const { from, to } = input;
  const rule = input.unplanned ?? DEFAULT_UNPLANNED;
  const entries = [...input.states].sort((a, b) => a.at - b.at);
  const timeInState: Record<string, number> = {};
  const totals = new Map<string, CauseTotal>();
  let executeMs = 0;
  let plannedMs = 0;
  let downtimeMs = 0;
  let unknownMs = 0;
  /** The cause of the downtime stretch just before (null: Execute or unplanned came between). */
  let lastCause: string | null = null;

  if (to > from) {
    const firstAt = entries[0]?.at ?? to;
    unknownMs = Math.max(0, Math.min(firstAt, to) - from);
  }
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    const next = entries[i + 1];
    const start = Math.max(entry.at, from);
    const end = Math.min(next === undefined ? to : next.at, to);
    if (end <= start) continue;
    const ms = end - start;
    timeInState[entry.state] = (timeInState[entry.state] ?? 0) + ms;
    if (entry.state === EXECUTE_STATE) {
      executeMs += ms;
      plannedMs += ms;
      lastCause = null;
      continue;
    }
    if (isUnplanned(entry, rule)) {
      lastCause = null;
      continue;
    }
    plannedMs += ms;
    downtimeMs += ms;
    const cause = causeOf(entry);
    const total = totals.get(cause) ?? { ms: 0, count: 0, states: [] };
    total.ms += ms;
    if (cause !== lastCause) total.count += 1;
    if (!total.states.includes(entry.state)) total.states.push(entry.state);
    totals.set(cause, total);
    lastCause = cause;
  }

  const availability = ratio(executeMs, plannedMs);
  const performance = ratio(input.metresMade, input.designSpeedMpm * (executeMs / 60_000));
  const quality = ratio(input.passMetres, input.processedMetres);
  const oee = availability === null || performance === null || quality === null ? null : availability * performance * quality;
  return {
    availability,
    performance,
    quality,
    oee,
    executeMs,
    plannedMs,
    downtimeMs,
    unknownMs,
    timeInState,
    downtime: pareto(totals, downtimeMs),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Shifts

export interface ShiftDefinition {
  readonly name: string;
  /** Local hour the shift starts, 0 ≤ h < 24 (fractions allowed: 6.5 = 06:30). It runs until the next one starts. */
  readonly startHour: number;
}

export const DEFAULT_SHIFTS: readonly ShiftDefinition[] = [
  { name: "A", startHour: 6 },
  { name: "B", startHour: 14 },
  { name: "C", startHour: 22 },
];

export interface ShiftWindow {
  readonly name: string;
  /** Local calendar date the shift started on, YYYY-MM-DD (C of the 5th runs into the 6th: date is the 5th). */
  readonly date: string;
  /** The whole shift, epoch ms. */
  readonly shiftStart: number;
  readonly shiftEnd: number;
  /** The part of it inside the asked window: compute OEE over [from, to). */
  readonly from: number;
  readonly to: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** What is wrong with a shift list (empty: nothing). */
export function checkShifts(shifts: readonly ShiftDefinition[]): string[] {
  const problems: string[] = [];
  if (shifts.length === 0) problems.push("no shifts are defined: give at least one");
  const seenHours = new Map<number, string>();
  const seenNames = new Set<string>();
  for (const s of shifts) {
    if (s.name.trim() === "") problems.push(`a shift starting at ${s.startHour} h has no name`);
    if (seenNames.has(s.name)) problems.push(`shift name "${s.name}" is used twice`);
    seenNames.add(s.name);
    if (!Number.isFinite(s.startHour) || s.startHour < 0 || s.startHour >= 24) {
      problems.push(`shift ${s.name} starts at ${s.startHour} h: the start hour must be 0 or more and below 24`);
      continue;
    }
    const other = seenHours.get(s.startHour);
    if (other !== undefined) problems.push(`shifts ${other} and ${s.name} both start at ${s.startHour} h`);
    seenHours.set(s.startHour, s.name);
  }
  return problems;
}

function isoDate(localMs: number): string {
  return new Date(localMs).toISOString().slice(0, 10);
}

/**
 * The shifts overlapping [from, to), oldest first, each clipped to the window. Local time is UTC +
 * `timeZoneOffsetMinutes` (a fixed offset: a daylight-saving change inside the window is not followed; pass
 * the offset in force). Throws a RangeError naming every problem of a bad shift list (checkShifts).
 */
export function shiftWindows(
  from: number,
  to: number,
  shifts: readonly ShiftDefinition[] = DEFAULT_SHIFTS,
  timeZoneOffsetMinutes = 0,
): ShiftWindow[] {
  const problems = checkShifts(shifts);
  if (problems.length > 0) throw new RangeError(`shift list refused: ${problems.join("; ")}`);
  if (!(to > from)) return [];
  const offsetMs = timeZoneOffsetMinutes * 60_000;
  const sorted = [...shifts].sort((a, b) => a.startHour - b.startHour);
  const localFrom = from + offsetMs;
  const localTo = to + offsetMs;
  const out: ShiftWindow[] = [];
  // The last shift of the day before may run into the first day of the window.
  for (let day = Math.floor(localFrom / DAY_MS) * DAY_MS - DAY_MS; day < localTo; day += DAY_MS) {
    for (let i = 0; i < sorted.length; i++) {
      const shift = sorted[i]!;
      const start = day + shift.startHour * HOUR_MS;
      const next = sorted[i + 1];
      const end = next === undefined ? day + DAY_MS + sorted[0]!.startHour * HOUR_MS : day + next.startHour * HOUR_MS;
      if (end <= localFrom || start >= localTo) continue;
      out.push({
        name: shift.name,
        date: isoDate(day),
        shiftStart: start - offsetMs,
        shiftEnd: end - offsetMs,
        from: Math.max(start, localFrom) - offsetMs,
        to: Math.min(end, localTo) - offsetMs,
      });
    }
  }
  return out;
}
