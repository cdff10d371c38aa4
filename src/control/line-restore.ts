/**
 * Restart safety for the line (pure): after a crash or restart the line never resumes by itself, and it
 * comes back quietly — Stopped, with its outputs written safe (line-service.ts), never Aborted: a restart
 * is not a fault the operator must clear, and what the line was doing is said in the stop reason.
 *
 * Mechanics: the service does NOT restore the persisted snapshot into an actor (that would also restore the
 * sequencer child mid-sequence, e.g. with the heater enabled). It passes the persisted snapshot (or
 * undefined) to `restoreSafely`, and starts a FRESH line actor with the returned input:
 *
 *     const input = restoreSafely(persistedOrUndefined, clock.now());
 *     const line = createActor(createLineMachine(sequencerLogic), { input }).start();
 *
 * The fresh actor invokes a fresh sequencer (its initial, de-energised state) and starts in Stopped (the
 * machine can still come back Aborted when an input says so — Stopped's boot-only eventless transition — but
 * restoreSafely no longer asks for it).
 *
 * | persisted state                        | comes back | stop reason                                      |
 * |----------------------------------------|------------|--------------------------------------------------|
 * | Stopped, Idle, Complete                | Stopped    | restart: line was Idle                           |
 * | Aborted                                | Stopped    | restart: line was Aborted                        |
 * | anything else (running, holding, …)    | Stopped    | restart: line was Execute; stopped, will not …   |
 * | none (first start)                     | Stopped    | first-start                                      |
 * | unreadable                             | Stopped    | restart: saved line state unreadable             |
 *
 * Trips latched before the restart are the PLC's to keep (its trip word and first-out); the SCADA's own
 * latches start afresh and latch again for every cause still present once the first data has come.
 * Stop reason {code: "restart"} (or "first-start"); kept: mode, counts, time in state, the last run's params (for
 * status only — a start still needs params) and the last command. Permissives start as "not evaluated"
 * until the interlock service reports them.
 */
import { zeroTimeInState, type LastCommand, type LineCounts, type LineInput, type RestoredLine, type TimeInState } from "./line-context.js";
import { PACKML_COMMANDS, PACKML_STATES, UNIT_MODES, isPackmlState, type PackmlCommand, type PackmlState, type UnitMode } from "./packml-states.js";
import type { SequenceParams } from "../recipes/sequence-params.js";

/** Wait states with no run in progress: coming back from these interrupts nothing. */
const QUIET_STATES: ReadonlySet<PackmlState> = new Set(["Stopped", "Idle", "Complete", "Aborted"]);

/** The state the line comes back in after a restart, whatever state it was in: Stopped. */
export function safeStateAfterRestart(_previous: PackmlState): "Stopped" {
  return "Stopped";
}

type Obj = Record<string, unknown>;

function isObj(x: unknown): x is Obj {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

function nonNegative(x: unknown): number {
  return typeof x === "number" && Number.isFinite(x) && x >= 0 ? x : 0;
}

function readCounts(x: unknown): LineCounts {
  const c = isObj(x) ? x : {};
  return { metresProcessed: nonNegative(c.metresProcessed), metresRejected: nonNegative(c.metresRejected) };
}

function readTimeInState(x: unknown): TimeInState {
  const t = isObj(x) ? x : {};
  const out = zeroTimeInState();
  for (const s of PACKML_STATES) out[s] = nonNegative(t[s]);
  return out;
}

function readMode(x: unknown): UnitMode {
  return typeof x === "string" && (UNIT_MODES as readonly string[]).includes(x) ? (x as UnitMode) : "Production";
}

/** Params are kept for status only (a new start brings its own), so a light shape check is enough. */
function readParams(x: unknown): SequenceParams | null {
  return isObj(x) && typeof x.recipe === "string" ? (x as unknown as SequenceParams) : null;
}

function readLastCommand(x: unknown): LastCommand | null {
  if (!isObj(x) || typeof x.command !== "string" || !(PACKML_COMMANDS as readonly string[]).includes(x.command)) return null;
  return {
    command: x.command as PackmlCommand,
    by: typeof x.by === "string" ? x.by : null,
    at: nonNegative(x.at),
    accepted: x.accepted === true,
    reason: typeof x.reason === "string" ? x.reason : null,
  };
}

/** The input to start the line from after a crash or restart (see the header for the mechanics). */
export function restoreSafely(persisted: unknown, now: number): LineInput {
  if (persisted === undefined || persisted === null) {
    return {
      now,
      restored: {
        state: "Stopped",
        stopReason: { code: "first-start", message: "first start: no saved line state", at: now },
        mode: "Production",
        counts: { metresProcessed: 0, metresRejected: 0 },
        timeInStateMs: zeroTimeInState(),
        params: null,
        lastCommand: null,
      },
    };
  }
  const value = isObj(persisted) ? persisted.value : undefined;
  const context = isObj(persisted) && isObj(persisted.context) ? persisted.context : {};
  const previous = isPackmlState(value) ? value : null;
  const state = safeStateAfterRestart(previous ?? "Stopped");
  const message =
    previous === null
      ? "restart: saved line state unreadable; line stopped"
      : QUIET_STATES.has(previous)
        ? `restart: line was ${previous}`
        : `restart: line was ${previous}; stopped, will not resume by itself`;
  const restored: RestoredLine = {
    state,
    stopReason: { code: "restart", message, at: now },
    mode: readMode(context.mode),
    counts: readCounts(context.counts),
    timeInStateMs: readTimeInState(context.timeInStateMs),
    params: readParams(context.params),
    lastCommand: readLastCommand(context.lastCommand),
  };
  return { now, restored };
}
