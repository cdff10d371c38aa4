import type { Quality, QualityStatus, TagScalar } from "../core/tag-value.js";
import type { AlarmLineState } from "./alarm-schema.js";

/** A tag's new value (from the tag table's change events). */
export interface AlarmTagInput {
  readonly type: "tag";
  readonly name: string;
  readonly value: TagScalar | null;
  /** The status, or the whole Quality of a TagValue. */
  readonly quality: QualityStatus | Quality;
  /** Source time stamp, epoch ms: rates are computed from these. */
  readonly sourceTs: number;
}

/** What the alarm evaluator is fed (see alarm-evaluator.ts). */
export type AlarmInput =
  | AlarmTagInput
  /** An interlock tripped or reset (a permissive: missing or restored). */
  | { readonly type: "interlock"; readonly id: string; readonly tripped: boolean }
  /** A PLC trip not confirmed by the trip word (key: the interlock id or device id of `plcTripUnconfirmed`). */
  | { readonly type: "plc-trip"; readonly key: string; readonly unconfirmed: boolean }
  /** A device's link up or down. */
  | { readonly type: "device"; readonly id: string; readonly up: boolean }
  | { readonly type: "historian"; readonly online: boolean; readonly spoolFraction: number }
  /** How many user names are locked out after failed logins now. */
  | { readonly type: "security"; readonly lockedUsers: number; readonly auditFaults?: number }
  /** The recipe profile's targets now, per tag (deviation alarms); a tag without a target: no deviation alarm. */
  | { readonly type: "targets"; readonly targets: Readonly<Record<string, number>> }
  | { readonly type: "line-state"; readonly state: AlarmLineState };
