/**
 * The HTR radiation zone's tags, context and pure rules: what the station machine (htr.machine.ts) writes,
 * reads and decides on.
 */
import type { ProcessView } from "../control-io.js";
import type { TagWrite } from "../../core/tag-io.js";
import type { SequenceParams } from "../../recipes/sequence-params.js";
import { FALLBACK_SAFE_WEB_TEMP_K, formatReading, readBool, readNumber, timeoutOf, timeoutReason } from "./station-protocol.js";
import type { StationContext } from "./station-setup.js";

export const HTR_TAGS = {
  arFlowSp: "htr.ar_flow_sp",
  o2: "htr.o2",
  doorClosed: "htr.door_closed",
  heaterEnable: "htr.heater_enable",
  pulseStart: "htr.pulse_start",
  pulseCount: "htr.pulse_count",
  profilePhase: "htr.profile_phase",
  webTemp: "htr.web_temp",
  tripWord: "htr.trip_word",
  firstOut: "htr.first_out",
} as const;

/** htr.profile_phase codes (plc-config/tags/htr.yaml). */
export const HTR_PHASE = { off: 0, ramp: 1, hold: 2, cool: 3, atTemperature: 4 } as const;
const PHASE_NAMES = ["off", "ramp", "hold", "cool", "at temperature"] as const;
/** htr.trip_word bits, in order (plc-config/tags/htr.yaml). */
const TRIP_BIT_NAMES = ["over-temperature", "door", "e-stop", "O₂", "over-current", "SCADA lost"] as const;
/** htr.first_out codes 1…6 (0 none). */
const FIRST_OUT_NAMES = ["none", "over-temperature", "door", "e-stop", "O₂", "over-current", "SCADA lost"] as const;

export interface HtrContext extends StationContext {
  readonly arFlowSp: number;
  /** Where cooling-down goes once the web is cool: off (STOP) or back to purging (HOLD, or START meanwhile). */
  readonly afterCooling: "off" | "purging";
  /** HEAT came while purging: heat as soon as the permissive holds. */
  readonly heatRequested: boolean;
  /** The view has shown heater_enable true since the enable write (a later false is the PLC dropping it). */
  readonly enableSeen: boolean;
  /** htr.pulse_count when the running pulse was requested (captured on its first TICK). */
  readonly countAtPulse: number | undefined;
  /** Highest profile phase seen in the running pulse. */
  readonly phaseSeen: number;
  /** When phase 0 was first seen in a running pulse whose count had not yet moved (null otherwise). */
  readonly offSince: number | null;
  /** Pulses completed since the station was started. */
  readonly pulses: number;
  /** When the pending pulse request was first seen waiting (undefined: not yet); the re-requests made for it. */
  readonly pulseRequestedAt: number | undefined;
  readonly pulseRetries: number;
}

// ─── Pure rules ────────────────────────────────────────────────────────────────────────────────────────

export function purgeWrites(arFlowSp: number): TagWrite[] {
  return [{ tag: HTR_TAGS.arFlowSp, value: arFlowSp }];
}
export const HEATER_ON_WRITES: readonly TagWrite[] = [{ tag: HTR_TAGS.heaterEnable, value: true }];
/** Heater off first, then the pulse request. */
export const HEATER_OFF_WRITES: readonly TagWrite[] = [
  { tag: HTR_TAGS.heaterEnable, value: false },
  { tag: HTR_TAGS.pulseStart, value: false },
];
export const PULSE_WRITES: readonly TagWrite[] = [{ tag: HTR_TAGS.pulseStart, value: true }];

/** IL-04 / IL-07: the heater may be enabled with O₂ below the permissive and the door closed. */
export function heatPermissive(view: ProcessView, o2PermissivePpm: number): boolean {
  const o2 = readNumber(view, HTR_TAGS.o2);
  return o2 !== undefined && o2 < o2PermissivePpm && readBool(view, HTR_TAGS.doorClosed) === true;
}

/** The PLC's trip word, 0 when it is not Good (the interlocks treat that case; the station needs a real trip). */
export function plcTripWord(view: ProcessView): number {
  return readNumber(view, HTR_TAGS.tripWord) ?? 0;
}

export function phaseOf(view: ProcessView): number | undefined {
  return readNumber(view, HTR_TAGS.profilePhase);
}

export function phaseName(phase: number | undefined): string {
  return phase === undefined ? "not Good" : `${phase} (${PHASE_NAMES[phase] ?? "unknown"})`;
}

export function tripDescription(view: ProcessView): string {
  const word = plcTripWord(view);
  const bits = TRIP_BIT_NAMES.filter((_, i) => (word & (1 << i)) !== 0);
  const firstOut = readNumber(view, HTR_TAGS.firstOut);
  const first = firstOut === undefined ? "not Good" : `${firstOut} (${FIRST_OUT_NAMES[firstOut] ?? "unknown"})`;
  return `PLC trip: trip word 0x${word.toString(16)} (${bits.join(", ") || "unknown bits"}), first-out ${first}`;
}

export function safeWebTemp(params: SequenceParams | undefined): number {
  return params?.safeWebTempK ?? FALLBACK_SAFE_WEB_TEMP_K;
}

export function webCool(view: ProcessView, safeWebTempK: number): boolean {
  const t = readNumber(view, HTR_TAGS.webTemp);
  return t !== undefined && t < safeWebTempK;
}

export function purgeTimeoutReason(params: SequenceParams | undefined, view: ProcessView): string {
  const limit = params?.o2PermissivePpm ?? 0;
  const o2 = formatReading("O₂", readNumber(view, HTR_TAGS.o2), "ppm");
  const door = readBool(view, HTR_TAGS.doorClosed);
  const doorOk = door === true;
  const actual = doorOk ? o2 : `${o2}, door ${door === false ? "open" : "not Good"}`;
  return timeoutReason("purge", actual, timeoutOf(params, "purgeMs"), doorOk ? `< ${limit} ppm` : `< ${limit} ppm, door closed`);
}

/**
 * The PLC takes pulse_start in one scan and drops it when it may not start then (O₂ at its permissive, the
 * quench not yet ready: docs/plc-watchdog.md): a request still in phase 0 with pulse_start read back false
 * after this long is made again, at most PULSE_START_RETRIES times; then the pulse-start timeout decides.
 */
export const PULSE_START_RETRY_MS = 1000;
export const PULSE_START_RETRIES = 5;

/** Whether a pulse request was dropped by the PLC and may be made again (pure). */
export function pulseRequestDropped(context: Pick<HtrContext, "pulseRequestedAt" | "pulseRetries">, view: ProcessView, now: number): boolean {
  return (
    context.pulseRequestedAt !== undefined &&
    now - context.pulseRequestedAt >= PULSE_START_RETRY_MS &&
    context.pulseRetries < PULSE_START_RETRIES &&
    readNumber(view, HTR_TAGS.profilePhase) === HTR_PHASE.off &&
    readBool(view, HTR_TAGS.pulseStart) === false
  );
}

/** What the PLC's pulse start needs, as the SCADA sees it now (a timed-out start names it). */
export function pulseStartConditions(view: ProcessView, params: SequenceParams | undefined): string {
  const trip = readNumber(view, HTR_TAGS.tripWord);
  return [
    formatReading("O₂", readNumber(view, HTR_TAGS.o2), "ppm") + ` (permissive < ${params?.o2PermissivePpm ?? "?"} ppm)`,
    `heater_enable ${String(readBool(view, HTR_TAGS.heaterEnable) ?? "not Good")}`,
    `door ${readBool(view, HTR_TAGS.doorClosed) === true ? "closed" : readBool(view, HTR_TAGS.doorClosed) === false ? "open" : "not Good"}`,
    `trip word ${trip ?? "not Good"}`,
  ].join(", ");
}

/** How long phase 0 may be seen before the pulse count moves (the count is sampled every 100 ms). */
export const PULSE_COUNT_GRACE_MS = 1000;

/** How long a requested pulse may take to start: with an earlier pulse still cooling, its cool-down too. */
export function pulseStartTimeoutMs(params: SequenceParams | undefined, phaseSeen: number): number {
  return phaseSeen === HTR_PHASE.cool ? pulseRunningTimeoutMs(params) : timeoutOf(params, "heatMs");
}

export function pulseRunningTimeoutMs(params: SequenceParams | undefined): number {
  return timeoutOf(params, "heatMs") + timeoutOf(params, "coolMs");
}

/** What a heating substate does with the view on every TICK: note when the PLC shows the enable. */
export function enableSeenNow(enableSeen: boolean, view: ProcessView): boolean {
  return enableSeen || readBool(view, HTR_TAGS.heaterEnable) === true;
}

export function o2Limit(context: HtrContext): number {
  return context.params?.o2PermissivePpm ?? 0;
}

export function webReading(view: ProcessView): string {
  return formatReading("web", readNumber(view, HTR_TAGS.webTemp), "K");
}
