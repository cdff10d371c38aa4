import { z } from "zod";
import { definitionsFileSchema } from "../core/definitions-file-schema.js";
import { tagNameSchema } from "../tags/tag-schema.js";

/**
 * plc-config/interlocks.yaml: the declarative cause → effect matrix (PROCESS.md "Interlocks").
 *
 * A **cause** is a condition in a small expression language, evaluated in three-valued logic (true, false,
 * unknown — unknown when it depends on a value that is not Good). A trip whose cause is true (for
 * `onDelayMs`) trips; one whose cause stays unknown for `settings.notGoodTripAfterMs` trips too (fail safe).
 * A permissive whose cause is true or unknown is missing: it blocks what `effects.blocksStart` names.
 */

export const COMPARE_OPS = ["<", "<=", ">", ">=", "==", "!="] as const;
export type CompareOp = (typeof COMPARE_OPS)[number];

export const INTERLOCK_KINDS = ["trip", "permissive", "trip+permissive"] as const;
export type InterlockKind = (typeof INTERLOCK_KINDS)[number];

export const SEVERITIES = ["critical", "high", "medium", "low"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** What a missing permissive (or a latched trip+permissive) forbids starting. */
export const START_TARGETS = ["line", "heater"] as const;
export type StartTarget = (typeof START_TARGETS)[number];

export const LINE_COMMANDS = ["abort", "hold", "none"] as const;
export type InterlockLineCommand = (typeof LINE_COMMANDS)[number];

/** Line-state inputs a condition may read (`{ line: running }`). */
export const LINE_STATES = ["running", "heating"] as const;
export type LineStateInput = (typeof LINE_STATES)[number];

/**
 * A limit taken from the loaded recipe: clamp(param × times + plus, min, max); `fallback` without a recipe.
 * interlock-recipe-parameters.ts names the parameters.
 */
export const valueRefSchema = z.strictObject({
  recipe: z.string().min(1),
  times: z.number().optional(),
  plus: z.number().optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  /** Used when no recipe is loaded or it lacks the parameter; without it the comparison is unknown. */
  fallback: z.number().optional(),
});
export type ValueRef = z.infer<typeof valueRefSchema>;

export type CompareValue = number | boolean | ValueRef;

export interface CompareCondition {
  readonly tag: string;
  readonly op: CompareOp;
  readonly value: CompareValue;
}
export interface AllCondition {
  readonly all: readonly Condition[];
}
export interface AnyCondition {
  readonly any: readonly Condition[];
}
export interface NotCondition {
  readonly not: Condition;
}
/** True when any of the tags has not been Good for at least `forMs` (IL-08). */
export interface NotGoodCondition {
  readonly notGood: readonly string[];
  readonly forMs: number;
}
/** True when the heartbeat of any of the devices is stale (or unknown). */
export interface HeartbeatStaleCondition {
  readonly heartbeatStale: readonly string[];
}
/** True when no recipe is loaded or its setpoints are not verified by read-back (IL-11). */
export interface RecipeNotVerifiedCondition {
  readonly recipeNotVerified: true;
}
/** True when the line is in that state (`running`: a producing PackML state; `heating`: heater in use). */
export interface LineCondition {
  readonly line: LineStateInput;
}

export type Condition =
  | CompareCondition
  | AllCondition
  | AnyCondition
  | NotCondition
  | NotGoodCondition
  | HeartbeatStaleCondition
  | RecipeNotVerifiedCondition
  | LineCondition;

export const compareConditionSchema = z.strictObject({
  tag: tagNameSchema,
  op: z.enum(COMPARE_OPS),
  value: z.union([z.number(), z.boolean(), valueRefSchema]),
});

export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    compareConditionSchema,
    z.strictObject({ all: z.array(conditionSchema).min(1) }),
    z.strictObject({ any: z.array(conditionSchema).min(1) }),
    z.strictObject({ not: conditionSchema }),
    z.strictObject({ notGood: z.array(tagNameSchema).min(1), forMs: z.number().int().min(0).max(60_000) }),
    z.strictObject({ heartbeatStale: z.array(z.string().min(1)).min(1) }),
    z.strictObject({ recipeNotVerified: z.literal(true) }),
    z.strictObject({ line: z.enum(LINE_STATES) }),
  ]),
);

export const tagWriteSchema = z.strictObject({
  tag: tagNameSchema,
  value: z.union([z.number(), z.boolean()]),
});
export type InterlockWrite = z.infer<typeof tagWriteSchema>;

export const effectsSchema = z.strictObject({
  /** Written to the PLC once, on the trip edge. */
  writes: z.array(tagWriteSchema).default([]),
  /** Command sent to the line on the trip edge. */
  line: z.enum(LINE_COMMANDS).default("none"),
  /** What may not be started while the permissive is missing (or the trip+permissive is tripped). */
  blocksStart: z.array(z.enum(START_TARGETS)).default([]),
});

export const plcTripSchema = z.strictObject({
  /** The PLC's trip word (an integer tag). */
  tag: tagNameSchema,
  /** Bit of the trip word the PLC sets for this trip. */
  bit: z.number().int().min(0).max(31),
  /** The bit must come within this long of the hard-trip cause, ms; else a trip-not-confirmed event. */
  confirmMs: z.number().int().min(1).max(60_000),
  /** The PLC's own trip condition, when it differs from the interlock's cause (e.g. a fixed ceiling). */
  cause: conditionSchema.optional(),
});
export type PlcTrip = z.infer<typeof plcTripSchema>;

export const bypassPolicySchema = z.strictObject({
  allowed: z.boolean(),
  /** Longest bypass, minutes (at most settings.maxBypassMinutes, which is also the default). */
  maxMinutes: z.number().int().min(1).optional(),
});

export const interlockSchema = z.strictObject({
  id: z.string().regex(/^IL-\d{2,3}$/, "must look like 'IL-01'"),
  title: z.string().min(1),
  description: z.string().default(""),
  kind: z.enum(INTERLOCK_KINDS),
  severity: z.enum(SEVERITIES),
  cause: conditionSchema,
  /** The cause counts only while this holds (e.g. heater enabled, line running). */
  while: conditionSchema.optional(),
  /**
   * The operator reset is refused while this holds (or cannot be decided: an input not Good), besides the
   * cause being gone. For trips whose `while` their own effect switches off (heater off, line no longer
   * running): what still shows the fault itself (tension still low, coolant not flowing with its valve
   * open, O₂ high with the argon on), so that a reset cannot pretend the cause cleared.
   */
  resetBlockedWhile: conditionSchema.optional(),
  /** The cause must hold this long before it takes effect, ms. */
  onDelayMs: z.number().int().min(0).max(600_000).default(0),
  effects: effectsSchema,
  plcTrip: plcTripSchema.optional(),
  bypass: bypassPolicySchema,
});
export type InterlockDef = z.infer<typeof interlockSchema>;

export const interlockSettingsSchema = z
  .strictObject({
    /** A trip whose cause is unknown (an input not Good) for this long trips, ms (PROCESS.md IL-08: 250 ms). */
    notGoodTripAfterMs: z.number().int().min(0).max(60_000).default(250),
    /** No bypass may last longer, minutes. */
    maxBypassMinutes: z.number().int().min(1).max(1440).default(480),
    /** Written on every interlock reset command (e.g. the PLC's trip-reset bit). */
    resetWrites: z.array(tagWriteSchema).default([]),
  })
  .prefault({});
export type InterlockSettings = z.infer<typeof interlockSettingsSchema>;

export const interlocksFileSchema = definitionsFileSchema(interlockSettingsSchema, "interlocks", interlockSchema);

/** The validated interlocks.yaml: what the evaluator calls `defs`. */
export type InterlockDefs = z.infer<typeof interlocksFileSchema>;

export function isTripKind(kind: InterlockKind): boolean {
  return kind !== "permissive";
}

export function isPermissiveKind(kind: InterlockKind): boolean {
  return kind !== "trip";
}

export function isCompare(c: Condition): c is CompareCondition {
  return "tag" in c;
}

export function isValueRef(v: CompareValue): v is ValueRef {
  return typeof v === "object";
}

/**
 * Every sub-condition with its path below `path`, depth first (for the cross-checks and the tag index).
 * `path` uses the loader's notation: `cause.all[0].tag`.
 */
export function walkCondition(c: Condition, path: string, visit: (c: Condition, path: string) => void): void {
  visit(c, path);
  if ("all" in c) c.all.forEach((s, i) => walkCondition(s, `${path}.all[${i}]`, visit));
  else if ("any" in c) c.any.forEach((s, i) => walkCondition(s, `${path}.any[${i}]`, visit));
  else if ("not" in c) walkCondition(c.not, `${path}.not`, visit);
}

/** Tags a condition reads, in order of appearance, without repeats. */
export function tagsOfCondition(c: Condition, out: string[] = []): string[] {
  walkCondition(c, "", (s) => {
    if (isCompare(s)) {
      if (!out.includes(s.tag)) out.push(s.tag);
    } else if ("notGood" in s) {
      for (const t of s.notGood) if (!out.includes(t)) out.push(t);
    }
  });
  return out;
}
