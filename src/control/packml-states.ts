/** The PackML state model (ISA-TR88.00.02): states, their PackTags numbers, commands and unit modes. */
export const PACKML_STATES = [
  "Stopped", "Resetting", "Idle", "Starting", "Execute", "Completing", "Complete", "Holding", "Held",
  "Unholding", "Suspending", "Suspended", "Unsuspending", "Stopping", "Aborting", "Aborted", "Clearing",
] as const;
export type PackmlState = (typeof PACKML_STATES)[number];

export function isPackmlState(value: unknown): value is PackmlState {
  return typeof value === "string" && (PACKML_STATES as readonly string[]).includes(value);
}

/** PackTags `StateCurrent` numbering. */
export const PACKML_STATE_NUMBERS: Readonly<Record<PackmlState, number>> = {
  Clearing: 1, Stopped: 2, Starting: 3, Idle: 4, Suspended: 5, Execute: 6, Stopping: 7, Aborting: 8,
  Aborted: 9, Holding: 10, Held: 11, Unholding: 12, Suspending: 13, Unsuspending: 14, Resetting: 15,
  Completing: 16, Complete: 17,
};

export const PACKML_COMMANDS = ["reset", "start", "stop", "hold", "unhold", "suspend", "unsuspend", "abort", "clear"] as const;
export type PackmlCommand = (typeof PACKML_COMMANDS)[number];

export const UNIT_MODES = ["Production", "Maintenance", "Manual"] as const;
export type UnitMode = (typeof UNIT_MODES)[number];

/** Acting states finish on "state complete"; wait states leave only on a command. */
export const ACTING_STATES: ReadonlySet<PackmlState> = new Set([
  "Resetting", "Starting", "Completing", "Holding", "Unholding", "Suspending", "Unsuspending", "Stopping", "Aborting", "Clearing",
]);
