import { z } from "zod";
import { definitionsFileSchema } from "../core/definitions-file-schema.js";
import { tagNameSchema } from "../tags/tag-schema.js";

/**
 * plc-config/alarms.yaml: the alarm definitions of the line (ISA-18.2), PROCESS.md "Alarms, a starting set".
 *
 * Every alarm watches one **condition** (a limit crossed, an interlock tripped, a link down …). The
 * evaluator (alarm-evaluator.ts) debounces it with `onDelayMs` / `offDelayMs` and runs the ISA-18.2 state
 * model over it; the KPIs (alarm-kpis.ts) use `settings`. What the schema cannot see (tags, interlocks and
 * devices that exist, limits inside the tag's range, deadbands, delays vs. update periods) is checked by
 * alarm-cross-check.ts.
 */

export const ALARM_KINDS = [
  "analog",
  "deviation",
  "rate",
  "discrete",
  "interlock",
  "plc-trip",
  "comm",
  "quality",
  "historian",
  "security",
] as const;
export type AlarmKind = (typeof ALARM_KINDS)[number];

export const ALARM_PRIORITIES = ["critical", "high", "medium", "low"] as const;
export type AlarmPriority = (typeof ALARM_PRIORITIES)[number];

/** H/HH: active above the limit; L/LL: active below it. */
export const ANALOG_LEVELS = ["HH", "H", "L", "LL"] as const;
export type AnalogLevel = (typeof ANALOG_LEVELS)[number];

export const HISTORIAN_CONDITIONS = ["offline", "spool-filling"] as const;
export type HistorianCondition = (typeof HISTORIAN_CONDITIONS)[number];

/** lockout: at least one user name is locked out after repeated failed logins. */
export const SECURITY_CONDITIONS = ["lockout", "audit-trail"] as const;
export type SecurityCondition = (typeof SECURITY_CONDITIONS)[number];

/**
 * PackML line states an alarm may be suppressed in (by design). The same list as
 * src/control/packml-states.ts — repeated here because a pure domain may not import control; a unit test
 * keeps the two equal.
 */
export const ALARM_LINE_STATES = [
  "Stopped", "Resetting", "Idle", "Starting", "Execute", "Completing", "Complete", "Holding", "Held",
  "Unholding", "Suspending", "Suspended", "Unsuspending", "Stopping", "Aborting", "Aborted", "Clearing",
] as const;
export type AlarmLineState = (typeof ALARM_LINE_STATES)[number];

export const alarmIdSchema = z.string().regex(/^[A-Z0-9][A-Z0-9-]*$/, "must look like 'HTR-WEBTEMP-HH' (capitals, digits, '-')");

const delayMs = z.number().int().min(0).max(3_600_000).default(0);

/** Fields every kind has. */
const common = {
  id: alarmIdSchema,
  /** Station id from line.yaml, or `line` for line-wide alarms (links, historian, recipe). */
  station: z.string().min(1),
  priority: z.enum(ALARM_PRIORITIES),
  message: z.string().min(1),
  /** The condition must hold this long before the alarm activates, ms (a shorter excursion never alarms). */
  onDelayMs: delayMs,
  /** The condition must be gone this long before the alarm returns to normal, ms. */
  offDelayMs: delayMs,
  /** Latched: once acknowledged while active, it stays until the condition is gone AND an operator resets it. */
  latching: z.boolean().default(false),
  /** Line states in which the alarm is suppressed by design (not annunciated; its condition is still tracked). */
  suppressWhen: z.array(z.enum(ALARM_LINE_STATES)).default([]),
};

/** The fields of an alarm of `kind`: the common ones, then the kind. */
function kindFields<K extends AlarmKind>(kind: K) {
  return { ...common, kind: z.literal(kind) };
}

/** The fields of an alarm of `kind` whose condition is read from a tag: the common ones, the kind, the tag. */
function tagKindFields<K extends AlarmKind>(kind: K) {
  return { ...kindFields(kind), tag: tagNameSchema };
}

export const analogAlarmSchema = z.strictObject({
  ...tagKindFields("analog"),
  level: z.enum(ANALOG_LEVELS),
  limit: z.number(),
  /** Hysteresis, tag units: H/HH clear below limit − deadband, L/LL above limit + deadband. */
  deadband: z.number().min(0),
});

export const deviationAlarmSchema = z.strictObject({
  ...tagKindFields("deviation"),
  /** Allowed ± distance from the target the caller passes (the recipe profile's value now), tag units. */
  band: z.number().positive(),
  /** Clears when back within band − deadband. */
  deadband: z.number().min(0),
});

export const rateAlarmSchema = z.strictObject({
  ...tagKindFields("rate"),
  /** Largest allowed |Δvalue / Δt| between consecutive values (source time stamps), tag units per second. */
  maxRatePerS: z.number().positive(),
  /**
   * Drivers report changes only: with no new value for this long the rate counts as 0 (else an alarm raised
   * by a step would stay active for as long as the value stays flat), ms.
   */
  zeroAfterMs: z.number().int().min(1).max(3_600_000).default(1000),
});

export const discreteAlarmSchema = z.strictObject({
  ...tagKindFields("discrete"),
  /** Active while the tag has this value. */
  alarmValue: z.union([z.boolean(), z.number()]),
});

export const interlockAlarmSchema = z.strictObject({
  ...kindFields("interlock"),
  /** Active while this interlock is tripped (a permissive: while it is missing). */
  interlock: z.string().regex(/^IL-\d{2,3}$/, "must look like 'IL-01'"),
});

export const plcTripAlarmSchema = z.strictObject({
  ...kindFields("plc-trip"),
  /**
   * An interlock id (one alarm per hard trip) or a device id (one alarm per PLC): active while the caller
   * reports a PLC trip the SCADA expected but the PLC's trip word did not confirm.
   */
  plcTripUnconfirmed: z.string().min(1),
});

export const commAlarmSchema = z.strictObject({
  ...kindFields("comm"),
  /** Active while this device's link is down. */
  device: z.string().min(1),
});

/** Active while the tag's quality is not Good. */
export const qualityAlarmSchema = z.strictObject(tagKindFields("quality"));

export const historianAlarmSchema = z.strictObject({
  ...kindFields("historian"),
  /** offline: the historian is not writing; spool-filling: the disk spool is at least settings.spoolFillingFraction full. */
  condition: z.enum(HISTORIAN_CONDITIONS),
});

export const securityAlarmSchema = z.strictObject({
  ...kindFields("security"),
  /**
   * lockout: active while any user name is locked out after repeated failed logins (value: how many).
   * audit-trail: active while the audit trail is at fault — its hash chain broken, its tail not matching the
   * historian's anchor, or its journal not writable (value: how many of these).
   */
  condition: z.enum(SECURITY_CONDITIONS),
});

export const alarmSchema = z.discriminatedUnion("kind", [
  analogAlarmSchema,
  deviationAlarmSchema,
  rateAlarmSchema,
  discreteAlarmSchema,
  interlockAlarmSchema,
  plcTripAlarmSchema,
  commAlarmSchema,
  qualityAlarmSchema,
  historianAlarmSchema,
  securityAlarmSchema,
]);

export type AlarmDef = z.infer<typeof alarmSchema>;
export type AnalogAlarmDef = z.infer<typeof analogAlarmSchema>;
export type DeviationAlarmDef = z.infer<typeof deviationAlarmSchema>;
export type RateAlarmDef = z.infer<typeof rateAlarmSchema>;
export type DiscreteAlarmDef = z.infer<typeof discreteAlarmSchema>;

export const alarmSettingsSchema = z
  .strictObject({
    /** ISA-18.2 flood: more than this many alarms in 10 minutes. */
    floodThresholdPer10Min: z.number().int().min(1).default(10),
    /** Chattering: at least this many activations of one alarm within 1 minute. */
    chatterActivationsPerMin: z.number().int().min(2).default(3),
    /** Stale: active for longer than this, hours. */
    staleAfterHours: z.number().positive().default(24),
    /** Longest shelve an operator may set, minutes. */
    maxShelveMinutes: z.number().int().min(1).max(1440).default(480),
    /** The historian's spool-filling alarm is active at this fill fraction or more. */
    spoolFillingFraction: z.number().gt(0).max(1).default(0.8),
  })
  .prefault({});
export type AlarmSettings = z.infer<typeof alarmSettingsSchema>;

export const alarmsFileSchema = definitionsFileSchema(alarmSettingsSchema, "alarms", alarmSchema);

/** The validated alarms.yaml: what the evaluator and the KPIs call `defs`. */
export type AlarmDefs = z.infer<typeof alarmsFileSchema>;

/** Kinds whose condition is read from a tag. */
export type TagAlarmDef = Extract<AlarmDef, { tag: string }>;

export function isTagAlarm(def: AlarmDef): def is TagAlarmDef {
  return "tag" in def;
}

/** H and HH watch the high side. */
export function isHighLevel(level: AnalogLevel): boolean {
  return level === "H" || level === "HH";
}
