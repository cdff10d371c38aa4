import type { TagScalar } from "../core/tag-value.js";
import type { AlarmPriority } from "./alarm-schema.js";

/** The states an alarm is shown in (ISA-18.2; the diagram is in alarm-evaluator.ts). */
export const ALARM_STATES = [
  "normal",
  "unack-active",
  "ack-active",
  "rtn-unack",
  "shelved",
  "suppressed",
  "out-of-service",
] as const;
export type AlarmState = (typeof ALARM_STATES)[number];

export const ALARM_TRANSITIONS = [
  "activate",
  "clear",
  "ack",
  "reset",
  "shelve",
  "unshelve",
  "shelve-expired",
  "suppress",
  "unsuppress",
  "out-of-service",
  "in-service",
] as const;
export type AlarmTransition = (typeof ALARM_TRANSITIONS)[number];

/** Who did it, for transitions nobody asked for. */
export const SYSTEM_USER = "system";

/** One transition of one alarm: the evaluator's single output (written to history, pushed to the HMI). */
export interface AlarmEvent {
  readonly alarmId: string;
  readonly at: number;
  readonly transition: AlarmTransition;
  /** Shown state before and after (`clear` of a latched, acknowledged alarm: ack-active → ack-active). */
  readonly from: AlarmState;
  readonly to: AlarmState;
  /** The value behind the condition at that moment (tag value, spool fraction), null when none. */
  readonly value: TagScalar | null;
  readonly priority: AlarmPriority;
  readonly station: string;
  readonly message: string;
  /** The operator, or "system". */
  readonly user: string;
  /** Shelve / out-of-service: the operator's reason. */
  readonly reason?: string;
  /** Shelve: when it expires, epoch ms. */
  readonly shelvedUntil?: number;
}
