import type { TagConfig, TagType } from "../tags/tag-schema.js";
import {
  type Condition,
  INTERLOCK_RECIPE_PARAMETERS,
  type InterlockDefs,
  type InterlockWrite,
  isCompare,
  isPermissiveKind,
  isTripKind,
  isValueRef,
  walkCondition,
} from "./interlock-schema.js";

/** One thing wrong with interlocks.yaml, printed as `interlocks.yaml:path: message` (the loader's ConfigProblem). */
export interface InterlockProblem {
  readonly file: string;
  readonly path: string;
  readonly message: string;
}

/** What interlocks.yaml refers to, and how much of it the loader could read. */
export interface InterlockReferences {
  readonly tags: readonly TagConfig[];
  readonly deviceIds: readonly string[];
  /** Every tag of tags/ was passed or is named in `invalidTags`: an unknown tag is a mistake. */
  readonly tagsComplete: boolean;
  /** Tags that exist but are invalid (reported already): references to them are not checked. */
  readonly invalidTags?: ReadonlySet<string>;
  /** Every device of devices.yaml was passed or is named in `invalidDevices`. */
  readonly devicesComplete: boolean;
  readonly invalidDevices?: ReadonlySet<string>;
  /** Recipe parameters a limit may use; default: INTERLOCK_RECIPE_PARAMETERS. */
  readonly recipeParameters?: readonly string[];
}

const INTEGER_BITS: Partial<Record<TagType, number>> = { int16: 16, uint16: 16, int32: 32, uint32: 32 };

function describe(v: unknown): string {
  if (typeof v === "object" && v !== null) return "a recipe value";
  return String(v);
}

/**
 * The checks interlocks.yaml needs beyond its schema: every tag, device and recipe parameter it names
 * exists; writes go to writable tags with values of the tag's type and range; comparisons fit the tag's
 * type; ids are unique; kinds and effects agree; bypass limits; and every tag an interlock reads is
 * watched by the fail-safe `notGood` condition (IL-08), when the file has one.
 */
export function checkInterlocks(defs: InterlockDefs, refs: InterlockReferences, file = "interlocks.yaml"): InterlockProblem[] {
  const problems: InterlockProblem[] = [];
  const push = (path: string, message: string): void => {
    problems.push({ file, path, message });
  };
  const tagByName = new Map<string, TagConfig>();
  for (const t of refs.tags) if (!tagByName.has(t.name)) tagByName.set(t.name, t);
  const devices = new Set(refs.deviceIds);
  const params = refs.recipeParameters ?? Object.keys(INTERLOCK_RECIPE_PARAMETERS);

  /** The tag, or undefined (reported as unknown when the tag list is complete). */
  const tagAt = (path: string, name: string): TagConfig | undefined => {
    const tag = tagByName.get(name);
    if (!tag && refs.tagsComplete && !refs.invalidTags?.has(name)) push(path, `unknown tag '${name}' (no file in tags/ defines it)`);
    return tag;
  };

  const checkCondition = (root: Condition, rootPath: string): void => {
    walkCondition(root, rootPath, (c, path) => {
      if (isCompare(c)) {
        const tag = tagAt(`${path}.tag`, c.tag);
        if (isValueRef(c.value)) {
          const ref = c.value;
          if (!params.includes(ref.recipe)) push(`${path}.value.recipe`, `unknown recipe parameter '${ref.recipe}' (known: ${params.join(", ")})`);
          if (ref.min !== undefined && ref.max !== undefined && ref.min > ref.max) {
            push(`${path}.value`, `min (${ref.min}) must not be above max (${ref.max})`);
          }
        }
        if (!tag) return;
        if (tag.type === "bool") {
          if (c.op !== "==" && c.op !== "!=") push(`${path}.op`, `'${c.op}' does not apply to bool tag '${tag.name}' (use == or !=)`);
          if (typeof c.value !== "boolean") push(`${path}.value`, `tag '${tag.name}' is bool: compare with true or false, not ${describe(c.value)}`);
        } else if (typeof c.value === "boolean") {
          push(`${path}.value`, `tag '${tag.name}' is ${tag.type}: compare with a number, not ${c.value}`);
        }
      } else if ("notGood" in c) {
        c.notGood.forEach((name, i) => tagAt(`${path}.notGood[${i}]`, name));
      } else if ("heartbeatStale" in c) {
        c.heartbeatStale.forEach((id, i) => {
          if (!devices.has(id) && refs.devicesComplete && !refs.invalidDevices?.has(id)) {
            push(`${path}.heartbeatStale[${i}]`, `unknown device '${id}' (devices.yaml has: ${[...devices].join(", ")})`);
          }
        });
      }
    });
  };

  const checkWrite = (w: InterlockWrite, path: string): void => {
    const tag = tagAt(`${path}.tag`, w.tag);
    if (!tag) return;
    if (!tag.writable) push(`${path}.tag`, `tag '${tag.name}' is not writable`);
    if (tag.type === "bool") {
      if (typeof w.value !== "boolean") push(`${path}.value`, `tag '${tag.name}' is bool: write true or false, not ${w.value}`);
      return;
    }
    if (typeof w.value !== "number") {
      push(`${path}.value`, `tag '${tag.name}' is ${tag.type}: write a number, not ${w.value}`);
      return;
    }
    if (INTEGER_BITS[tag.type] !== undefined && !Number.isInteger(w.value)) {
      push(`${path}.value`, `tag '${tag.name}' is ${tag.type}: write an integer, not ${w.value}`);
    } else if (tag.range && (w.value < tag.range.min || w.value > tag.range.max)) {
      push(`${path}.value`, `value ${w.value} is outside the range of '${tag.name}' (${tag.range.min}..${tag.range.max})`);
    }
  };

  defs.settings.resetWrites.forEach((w, i) => checkWrite(w, `settings.resetWrites[${i}]`));

  const firstIndex = new Map<string, number>();
  defs.interlocks.forEach((il, i) => {
    const at = (field: string): string => `interlocks[${i}].${field}`;
    const first = firstIndex.get(il.id);
    if (first !== undefined) push(at("id"), `duplicate interlock '${il.id}' (first at interlocks[${first}])`);
    else firstIndex.set(il.id, i);

    checkCondition(il.cause, at("cause"));
    if (il.while) checkCondition(il.while, at("while"));
    if (il.resetBlockedWhile) checkCondition(il.resetBlockedWhile, at("resetBlockedWhile"));
    il.effects.writes.forEach((w, j) => checkWrite(w, at(`effects.writes[${j}]`)));

    const { effects } = il;
    if (isTripKind(il.kind) && effects.writes.length === 0 && effects.line === "none") {
      push(at("effects"), `a ${il.kind} needs an effect: writes or line`);
    }
    if (isPermissiveKind(il.kind) && effects.blocksStart.length === 0) {
      push(at("effects.blocksStart"), `a ${il.kind} must block a start (line or heater)`);
    }
    if (il.kind === "permissive") {
      if (effects.writes.length > 0) push(at("effects.writes"), "a permissive does not trip: use kind 'trip+permissive' for writes");
      if (effects.line !== "none") push(at("effects.line"), "a permissive does not trip: use kind 'trip+permissive' for a line command");
      if (il.plcTrip) push(at("plcTrip"), "a permissive has no PLC trip to confirm");
      if (il.resetBlockedWhile) push(at("resetBlockedWhile"), "a permissive is not reset: resetBlockedWhile is for trips");
    }
    if (il.kind === "trip" && effects.blocksStart.length > 0) {
      push(at("effects.blocksStart"), "only a permissive blocks a start: use kind 'trip+permissive'");
    }

    if (il.plcTrip) {
      const word = tagAt(at("plcTrip.tag"), il.plcTrip.tag);
      if (word) {
        const bits = INTEGER_BITS[word.type];
        if (bits === undefined) push(at("plcTrip.tag"), `trip word '${word.name}' must be an integer tag, not ${word.type}`);
        else if (il.plcTrip.bit >= bits) push(at("plcTrip.bit"), `bit ${il.plcTrip.bit} does not exist in the ${bits}-bit trip word '${word.name}'`);
      }
      if (il.plcTrip.cause) checkCondition(il.plcTrip.cause, at("plcTrip.cause"));
    }

    if (!il.bypass.allowed && il.bypass.maxMinutes !== undefined) {
      push(at("bypass.maxMinutes"), "only a bypassable interlock (allowed: true) has a bypass limit");
    }
    if (il.bypass.maxMinutes !== undefined && il.bypass.maxMinutes > defs.settings.maxBypassMinutes) {
      push(at("bypass.maxMinutes"), `must be <= settings.maxBypassMinutes (${defs.settings.maxBypassMinutes})`);
    }
  });

  // IL-08: when the file watches quality, it must watch every tag an interlock decides on.
  const watched = new Set<string>();
  for (const il of defs.interlocks) {
    for (const root of [il.cause, il.while]) {
      if (root) walkCondition(root, "", (c) => "notGood" in c && c.notGood.forEach((t) => watched.add(t)));
    }
  }
  if (watched.size > 0) {
    defs.interlocks.forEach((il, i) => {
      const reported = new Set<string>();
      const visit = (root: Condition | undefined, field: string): void => {
        if (!root) return;
        walkCondition(root, `interlocks[${i}].${field}`, (c, path) => {
          if (!isCompare(c) || watched.has(c.tag) || reported.has(c.tag) || !tagByName.has(c.tag)) return;
          reported.add(c.tag);
          push(`${path}.tag`, `tag '${c.tag}' is in no notGood list (a value an interlock reads that is not Good must trip the fail-safe interlock)`);
        });
      };
      visit(il.cause, "cause");
      visit(il.while, "while");
    });
  }
  return problems;
}
