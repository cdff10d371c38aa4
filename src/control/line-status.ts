/** Pure views over a line snapshot (a live one or a persisted one): its state, the verdicts, the API status. */
import type { SequenceParams } from "../recipes/sequence-params.js";
import type { LastCommand, LastTrip, LineContext, LineCounts, LineFault, Permissives, StopReason, TimeInState } from "./line-context.js";
import { type Verdict, judgeCommand, judgeConditions, judgeMode } from "./line-verdicts.js";
import { commandsAcceptedIn } from "./packml-command-table.js";
import { PACKML_STATE_NUMBERS, UNIT_MODES, isPackmlState, type PackmlCommand, type PackmlState, type UnitMode } from "./packml-states.js";

/** What commandVerdict / lineStatus need from a snapshot (a live one or a persisted one). */
export interface LineSnapshotLike {
  readonly value: unknown;
  readonly context: LineContext;
}

export function lineState(snapshot: LineSnapshotLike): PackmlState {
  if (!isPackmlState(snapshot.value)) throw new Error(`line snapshot has no PackML state: ${JSON.stringify(snapshot.value)}`);
  return snapshot.value;
}

/** Would the line take this command now? The same decision the machine's guards make. */
export function commandVerdict(snapshot: LineSnapshotLike, command: PackmlCommand, params?: SequenceParams): Verdict {
  return judgeCommand(lineState(snapshot), snapshot.context, command, params);
}

/** Would the line take this mode change now? */
export function modeVerdict(snapshot: LineSnapshotLike, mode: UnitMode): Verdict {
  if (!(UNIT_MODES as readonly string[]).includes(mode)) return { allowed: false, reason: `unknown mode ${String(mode)}` };
  return judgeMode(lineState(snapshot), mode);
}

export interface LineStatus {
  readonly state: PackmlState;
  /** PackTags StateCurrent. */
  readonly stateNumber: number;
  readonly mode: UnitMode;
  readonly stopReason: StopReason | null;
  readonly counts: LineCounts;
  readonly timeInStateMs: TimeInState;
  readonly stateEnteredAt: number;
  readonly recipe: string | null;
  readonly permissives: Permissives;
  /** Commands the line would take now (start: given a recipe). */
  readonly availableCommands: readonly PackmlCommand[];
  readonly lastCommand: LastCommand | null;
  readonly lastTrip: LastTrip | null;
  readonly lastFault: LineFault | null;
  readonly starved: { readonly reason: string; readonly at: number } | null;
}

export function lineStatus(snapshot: LineSnapshotLike): LineStatus {
  const state = lineState(snapshot);
  const c = snapshot.context;
  return {
    state,
    stateNumber: PACKML_STATE_NUMBERS[state],
    mode: c.mode,
    stopReason: c.stopReason,
    counts: c.counts,
    timeInStateMs: c.timeInStateMs,
    stateEnteredAt: c.stateEnteredAt,
    recipe: c.params?.recipe ?? null,
    permissives: c.permissives,
    availableCommands: commandsAcceptedIn(state).filter((command) => judgeConditions(c, command).allowed),
    lastCommand: c.lastCommand,
    lastTrip: c.lastTrip,
    lastFault: c.lastFault,
    starved: c.starved,
  };
}
