/**
 * The one decision on every operator command and mode change (pure): the machine's guards call it, and
 * commandVerdict / modeVerdict (line-status.ts) expose it, so the service's pre-check and the machine
 * cannot disagree.
 */
import type { SequenceParams } from "../recipes/sequence-params.js";
import type { LineContext } from "./line-context.js";
import type { PackmlCommand, PackmlState, UnitMode } from "./packml-states.js";
import { PACKML_COMMAND_TABLE, commandsAcceptedIn } from "./packml-command-table.js";

/** Commands that lead (back) toward Execute: refused while the permissives are not ok. */
export const RESUME_COMMANDS: ReadonlySet<PackmlCommand> = new Set(["start", "unhold", "unsuspend"]);

/** Wait states in which the unit mode may change. */
export const MODE_CHANGE_STATES: ReadonlySet<PackmlState> = new Set(["Stopped", "Idle", "Complete", "Aborted"]);

export type Verdict = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

const ALLOWED: Verdict = { allowed: true };

/** The one decision on a command (state model, then conditions). Reasons read well after "<command> refused: ". */
export function judgeCommand(state: PackmlState, context: LineContext, command: PackmlCommand, params?: SequenceParams): Verdict {
  if (PACKML_COMMAND_TABLE[state][command] === undefined) {
    const accepted = commandsAcceptedIn(state);
    return { allowed: false, reason: `${command} is not allowed in state ${state} (allowed: ${accepted.length > 0 ? accepted.join(", ") : "none"})` };
  }
  if (command === "start" && params === undefined) {
    return { allowed: false, reason: "no run parameters (a loaded, verified recipe) were given" };
  }
  return judgeConditions(context, command);
}

/** The conditions beyond the state model (permissives, starvation). */
export function judgeConditions(context: LineContext, command: PackmlCommand): Verdict {
  if (RESUME_COMMANDS.has(command) && !context.permissives.ok) {
    const missing = context.permissives.missing;
    return { allowed: false, reason: `permissive missing: ${missing.length > 0 ? missing.join("; ") : "permissives not ok"}` };
  }
  if (command === "unsuspend" && context.starved !== null) {
    return { allowed: false, reason: `still starved: ${context.starved.reason}` };
  }
  return ALLOWED;
}

export function judgeMode(state: PackmlState, mode: UnitMode): Verdict {
  if (!MODE_CHANGE_STATES.has(state)) {
    return { allowed: false, reason: `mode change to ${mode} is not allowed in state ${state} (allowed in: ${[...MODE_CHANGE_STATES].join(", ")})` };
  }
  return ALLOWED;
}
