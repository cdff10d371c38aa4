/** The line machine's context updates (pure): one function per event or entry, each returning the changed fields. */
import type { LastModeChange, LastTrip, LineContext, LineFault, StopReasonCode } from "./line-context.js";
import type { LineEvent } from "./line-events.js";
import { judgeCommand, judgeMode } from "./line-verdicts.js";
import type { PackmlCommand, PackmlState } from "./packml-states.js";
import { ROLL_LENGTH_TAG } from "./sequencer-protocol.js";

export function onEnter(context: LineContext, state: PackmlState): Partial<LineContext> {
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

export function onTick(context: LineContext, state: PackmlState, event: LineEvent): Partial<LineContext> {
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

export function onCommandAccepted(context: LineContext, event: LineEvent): Partial<LineContext> {
  if (event.type !== "CMD") return {};
  const update: { -readonly [K in keyof LineContext]?: LineContext[K] } = {
    lastCommand: { command: event.command, by: event.by ?? null, at: context.now, accepted: true, reason: null },
  };
  const stop = COMMAND_STOP_REASONS[event.command];
  if (stop) update.stopReason = { code: stop.code, message: withWhoAndWhy(stop.what, event.by, event.reason), at: context.now };
  if (event.command === "start" && event.params) update.params = event.params;
  return update;
}

export function onCommandRefused(context: LineContext, state: PackmlState, event: LineEvent): Partial<LineContext> {
  if (event.type !== "CMD") return {};
  const verdict = judgeCommand(state, context, event.command, event.params);
  const reason = verdict.allowed ? "not taken" : verdict.reason;
  return { lastCommand: { command: event.command, by: event.by ?? null, at: context.now, accepted: false, reason } };
}

export function onMode(context: LineContext, state: PackmlState, event: LineEvent): Partial<LineContext> {
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

export function onTrip(context: LineContext, event: LineEvent, acted: boolean): Partial<LineContext> {
  if (event.type !== "TRIP") return {};
  const lastTrip: LastTrip = { effect: event.effect, reason: event.reason, at: context.now, acted };
  return acted ? { lastTrip, stopReason: { code: "trip", message: `trip: ${event.reason}`, at: context.now } } : { lastTrip };
}

export function onFailed(context: LineContext, event: LineEvent, setsStopReason: boolean): Partial<LineContext> {
  if (event.type !== "SEQ.FAILED") return {};
  const lastFault: LineFault = { command: event.command, reason: event.reason, at: context.now };
  if (!setsStopReason) return { lastFault };
  return { lastFault, stopReason: { code: "sequence-failed", message: `sequence failed: ${event.command}: ${event.reason}`, at: context.now } };
}

export function onStarved(context: LineContext, event: LineEvent, suspends: boolean): Partial<LineContext> {
  if (event.type !== "SEQ.STARVED") return {};
  const starved = { reason: event.reason, at: context.now };
  return suspends ? { starved, stopReason: { code: "starved", message: `starved: ${event.reason}`, at: context.now } } : { starved };
}

export function onTargetReached(context: LineContext, event: LineEvent): Partial<LineContext> {
  if (event.type !== "SEQ.TARGET_REACHED") return {};
  return { stopReason: { code: "target-reached", message: `target length reached: ${event.lengthM} m`, at: context.now } };
}

export function onPermissives(event: LineEvent): Partial<LineContext> {
  if (event.type !== "PERMISSIVES") return {};
  // Fail safe: "ok" with something listed as missing is not ok.
  const ok = event.ok && event.missing.length === 0;
  return { permissives: { ok, missing: ok ? [] : event.missing.length > 0 ? [...event.missing] : ["permissives not ok"] } };
}

export function onReject(context: LineContext, event: LineEvent): Partial<LineContext> {
  if (event.type !== "REJECT" || !Number.isFinite(event.metres) || event.metres <= 0) return {};
  return { counts: { ...context.counts, metresRejected: context.counts.metresRejected + event.metres } };
}

export function onSequencerError(context: LineContext, error: unknown): Partial<LineContext> {
  const reason = error instanceof Error ? error.message : String(error);
  return {
    lastFault: { command: "sequencer", reason, at: context.now },
    stopReason: { code: "sequencer-error", message: `sequencer failed: ${reason}`, at: context.now },
  };
}
