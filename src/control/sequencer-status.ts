/** What the API shows of the sequencer (pure): its step in words, its stations, the run's progress. */
import type { SequencerContext, StationSummary } from "./sequencer-context.js";
import type { SequencerCommand, StationId } from "./sequencer-protocol.js";

type CommandType = SequencerCommand["type"];

export interface SequencerStatus {
  /** What the sequencer is doing, e.g. "starting: argon purge (O₂ < 50 ppm)", "execute: pulse 12", "held". */
  readonly step: string;
  readonly stations: Readonly<Record<StationId, StationSummary>>;
  /** Metres processed in this run (roll length since the start). */
  readonly processedM: number;
  /** Pulses completed in this run (pulse mode). */
  readonly pulses: number;
}

const VERBS: Readonly<Record<CommandType, string>> = {
  "SEQ.START": "starting",
  "SEQ.UNHOLD": "unholding",
  "SEQ.UNSUSPEND": "unsuspending",
  "SEQ.STOP": "stopping",
  "SEQ.COMPLETE": "completing",
  "SEQ.CLEAR": "clearing",
  "SEQ.HOLD": "holding",
  "SEQ.SUSPEND": "suspending",
  "SEQ.ABORT": "aborting",
  "SEQ.RESET": "resetting",
};

const AT_REST: Readonly<Record<CommandType, string>> = {
  "SEQ.START": "executing",
  "SEQ.UNHOLD": "executing",
  "SEQ.UNSUSPEND": "executing",
  "SEQ.STOP": "stopped",
  "SEQ.COMPLETE": "complete",
  "SEQ.CLEAR": "stopped",
  "SEQ.HOLD": "held",
  "SEQ.SUSPEND": "suspended",
  "SEQ.ABORT": "aborted",
  "SEQ.RESET": "idle",
};

/** The active state path below `value` ("execute.pulse.fire.running"). */
function statePath(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (value !== null && typeof value === "object") {
    const [key, child] = Object.entries(value as Record<string, unknown>)[0] ?? [];
    return key === undefined ? [] : [key, ...statePath(child)];
  }
  return [];
}

function stepLabel(path: readonly string[], c: SequencerContext): string {
  const [top, sub, leaf] = path;
  const verb = c.command === undefined ? "" : VERBS[c.command];
  const pulse = c.params?.mode === "pulse";
  switch (top) {
    case "starting":
      return `${verb}: ${
        {
          rinse: "rinse water",
          quench: "quench gas and coolant",
          purge: `argon purge (O₂ < ${c.params?.o2PermissivePpm ?? "?"} ppm)`,
          web: pulse ? "drives ready for indexing" : `web to ${c.params?.webSpeed ?? "?"} m/min`,
          heater: pulse ? "heater enable" : "heater enable, ramp to temperature",
          done: "done",
        }[sub ?? ""] ?? sub
      }`;
    case "execute":
      if (sub === "paused") return `execute: paused (${c.paused})`;
      if (sub === "pulse") return leaf === "fire" ? `execute: pulse ${c.pulses + 1}` : `execute: index ${c.indexes + 1}`;
      return "execute: at temperature";
    case "stopping":
      return `${verb}: ${
        {
          doser: "doser off",
          heater: `heater off, web cooling below ${c.params?.safeWebTempK ?? "the safe temperature"} K`,
          quench: "quench off",
          rinse: `rinse flush (conductivity < ${c.params?.conductivityEndpoint ?? "?"} µS/cm)`,
          drives: "drives stop",
          checking: "checking the safe state",
          done: "done",
        }[sub ?? ""] ?? sub
      }`;
    case "holding":
      return `${verb}: ${sub === "heater" ? "heater off" : sub === "feed" ? "doser off, web stop" : "done"}`;
    case "aborting":
      return `aborting: safe outputs (waiting for ${c.awaiting.join(", ") || "none"})`;
    case "resetting":
      return "resetting: checking the safe state";
    case "failed":
      return `failed: ${c.failure}`;
    default:
      return c.lastDone === undefined ? "idle" : AT_REST[c.lastDone];
  }
}

/** Pure: what the API shows of the sequencer (works on a live or a persisted snapshot). */
export function sequencerStatus(snapshot: { readonly value: unknown; readonly context: SequencerContext }): SequencerStatus {
  const value = snapshot.value as { sequence?: unknown };
  const c = snapshot.context;
  return {
    step: stepLabel(statePath(value.sequence), c),
    stations: c.stations,
    processedM: c.processedM,
    pulses: c.pulses,
  };
}
