import type { Problem } from "../core/problem.js";
import type { TagConfig, TagType } from "../tags/tag-schema.js";
import {
  type Condition,
  type InterlockDefs,
  type InterlockWrite,
  isCompare,
  isPermissiveKind,
  isTripKind,
  isValueRef,
  walkCondition,
} from "./interlock-schema.js";
import { INTERLOCK_RECIPE_PARAMETERS } from "./interlock-recipe-parameters.js";


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

/** The lookups and the problem list one check of interlocks.yaml shares. */
class InterlockChecker {
  readonly problems: Problem[] = [];
  readonly tagByName = new Map<string, TagConfig>();
  private readonly devices: ReadonlySet<string>;
  private readonly params: readonly string[];

  constructor(
    private readonly refs: InterlockReferences,
    private readonly file: string,
  ) {
    for (const t of refs.tags) if (!this.tagByName.has(t.name)) this.tagByName.set(t.name, t);
    this.devices = new Set(refs.deviceIds);
    this.params = refs.recipeParameters ?? Object.keys(INTERLOCK_RECIPE_PARAMETERS);
  }

  push(path: string, message: string): void {
    this.problems.push({ file: this.file, path, message });
  }

  /** The tag, or undefined (reported as unknown when the tag list is complete). */
  tagAt(path: string, name: string): TagConfig | undefined {
    const tag = this.tagByName.get(name);
    if (!tag && this.refs.tagsComplete && !this.refs.invalidTags?.has(name)) this.push(path, `unknown tag '${name}' (no file in tags/ defines it)`);
    return tag;
  }

  condition(root: Condition, rootPath: string): void {
    walkCondition(root, rootPath, (c, path) => {
      if (isCompare(c)) this.compare(c, path);
      else if ("notGood" in c) c.notGood.forEach((name, i) => this.tagAt(`${path}.notGood[${i}]`, name));
      else if ("heartbeatStale" in c) {
        c.heartbeatStale.forEach((id, i) => {
          if (!this.devices.has(id) && this.refs.devicesComplete && !this.refs.invalidDevices?.has(id)) {
            this.push(`${path}.heartbeatStale[${i}]`, `unknown device '${id}' (devices.yaml has: ${[...this.devices].join(", ")})`);
          }
        });
      }
    });
  }

  private compare(c: Extract<Condition, { tag: string }>, path: string): void {
    const tag = this.tagAt(`${path}.tag`, c.tag);
    if (isValueRef(c.value)) {
      const ref = c.value;
      if (!this.params.includes(ref.recipe)) this.push(`${path}.value.recipe`, `unknown recipe parameter '${ref.recipe}' (known: ${this.params.join(", ")})`);
      if (ref.min !== undefined && ref.max !== undefined && ref.min > ref.max) {
        this.push(`${path}.value`, `min (${ref.min}) must not be above max (${ref.max})`);
      }
    }
    if (!tag) return;
    if (tag.type === "bool") {
      if (c.op !== "==" && c.op !== "!=") this.push(`${path}.op`, `'${c.op}' does not apply to bool tag '${tag.name}' (use == or !=)`);
      if (typeof c.value !== "boolean") this.push(`${path}.value`, `tag '${tag.name}' is bool: compare with true or false, not ${describe(c.value)}`);
    } else if (typeof c.value === "boolean") {
      this.push(`${path}.value`, `tag '${tag.name}' is ${tag.type}: compare with a number, not ${c.value}`);
    }
  }

  write(w: InterlockWrite, path: string): void {
    const tag = this.tagAt(`${path}.tag`, w.tag);
    if (!tag) return;
    if (!tag.writable) this.push(`${path}.tag`, `tag '${tag.name}' is not writable`);
    if (tag.type === "bool") {
      if (typeof w.value !== "boolean") this.push(`${path}.value`, `tag '${tag.name}' is bool: write true or false, not ${w.value}`);
      return;
    }
    if (typeof w.value !== "number") {
      this.push(`${path}.value`, `tag '${tag.name}' is ${tag.type}: write a number, not ${w.value}`);
      return;
    }
    if (INTEGER_BITS[tag.type] !== undefined && !Number.isInteger(w.value)) {
      this.push(`${path}.value`, `tag '${tag.name}' is ${tag.type}: write an integer, not ${w.value}`);
    } else if (tag.range && (w.value < tag.range.min || w.value > tag.range.max)) {
      this.push(`${path}.value`, `value ${w.value} is outside the range of '${tag.name}' (${tag.range.min}..${tag.range.max})`);
    }
  }
}

type InterlockDef = InterlockDefs["interlocks"][number];

/** Kinds and effects agree: a trip has an effect, a permissive blocks a start and does nothing else. */
function checkKind(ck: InterlockChecker, il: InterlockDef, at: (field: string) => string): void {
  const { effects } = il;
  if (isTripKind(il.kind) && effects.writes.length === 0 && effects.line === "none") {
    ck.push(at("effects"), `a ${il.kind} needs an effect: writes or line`);
  }
  if (isPermissiveKind(il.kind) && effects.blocksStart.length === 0) {
    ck.push(at("effects.blocksStart"), `a ${il.kind} must block a start (line or heater)`);
  }
  if (il.kind === "permissive") {
    if (effects.writes.length > 0) ck.push(at("effects.writes"), "a permissive does not trip: use kind 'trip+permissive' for writes");
    if (effects.line !== "none") ck.push(at("effects.line"), "a permissive does not trip: use kind 'trip+permissive' for a line command");
    if (il.plcTrip) ck.push(at("plcTrip"), "a permissive has no PLC trip to confirm");
    if (il.resetBlockedWhile) ck.push(at("resetBlockedWhile"), "a permissive is not reset: resetBlockedWhile is for trips");
  }
  if (il.kind === "trip" && effects.blocksStart.length > 0) {
    ck.push(at("effects.blocksStart"), "only a permissive blocks a start: use kind 'trip+permissive'");
  }
}

/** The PLC's trip bit exists in an integer trip word; bypass limits fit the settings. */
function checkPlcTripAndBypass(ck: InterlockChecker, il: InterlockDef, at: (field: string) => string, maxBypassMinutes: number): void {
  if (il.plcTrip) {
    const word = ck.tagAt(at("plcTrip.tag"), il.plcTrip.tag);
    if (word) {
      const bits = INTEGER_BITS[word.type];
      if (bits === undefined) ck.push(at("plcTrip.tag"), `trip word '${word.name}' must be an integer tag, not ${word.type}`);
      else if (il.plcTrip.bit >= bits) ck.push(at("plcTrip.bit"), `bit ${il.plcTrip.bit} does not exist in the ${bits}-bit trip word '${word.name}'`);
    }
    if (il.plcTrip.cause) ck.condition(il.plcTrip.cause, at("plcTrip.cause"));
  }
  if (!il.bypass.allowed && il.bypass.maxMinutes !== undefined) {
    ck.push(at("bypass.maxMinutes"), "only a bypassable interlock (allowed: true) has a bypass limit");
  }
  if (il.bypass.maxMinutes !== undefined && il.bypass.maxMinutes > maxBypassMinutes) {
    ck.push(at("bypass.maxMinutes"), `must be <= settings.maxBypassMinutes (${maxBypassMinutes})`);
  }
}

/** IL-08: when the file watches quality, it must watch every tag an interlock decides on. */
function checkQualityWatched(ck: InterlockChecker, defs: InterlockDefs): void {
  const watched = new Set<string>();
  for (const il of defs.interlocks) {
    for (const root of [il.cause, il.while]) {
      if (root) walkCondition(root, "", (c) => "notGood" in c && c.notGood.forEach((t) => watched.add(t)));
    }
  }
  if (watched.size === 0) return;
  defs.interlocks.forEach((il, i) => {
    const reported = new Set<string>();
    const visit = (root: Condition | undefined, field: string): void => {
      if (!root) return;
      walkCondition(root, `interlocks[${i}].${field}`, (c, path) => {
        if (!isCompare(c) || watched.has(c.tag) || reported.has(c.tag) || !ck.tagByName.has(c.tag)) return;
        reported.add(c.tag);
        ck.push(`${path}.tag`, `tag '${c.tag}' is in no notGood list (a value an interlock reads that is not Good must trip the fail-safe interlock)`);
      });
    };
    visit(il.cause, "cause");
    visit(il.while, "while");
  });
}

/**
 * The checks interlocks.yaml needs beyond its schema: every tag, device and recipe parameter it names
 * exists; writes go to writable tags with values of the tag's type and range; comparisons fit the tag's
 * type; ids are unique; kinds and effects agree; bypass limits; and every tag an interlock reads is
 * watched by the fail-safe `notGood` condition (IL-08), when the file has one.
 */
export function checkInterlocks(defs: InterlockDefs, refs: InterlockReferences, file = "interlocks.yaml"): Problem[] {
  const ck = new InterlockChecker(refs, file);
  defs.settings.resetWrites.forEach((w, i) => ck.write(w, `settings.resetWrites[${i}]`));
  const firstIndex = new Map<string, number>();
  defs.interlocks.forEach((il, i) => {
    const at = (field: string): string => `interlocks[${i}].${field}`;
    const first = firstIndex.get(il.id);
    if (first !== undefined) ck.push(at("id"), `duplicate interlock '${il.id}' (first at interlocks[${first}])`);
    else firstIndex.set(il.id, i);
    ck.condition(il.cause, at("cause"));
    if (il.while) ck.condition(il.while, at("while"));
    if (il.resetBlockedWhile) ck.condition(il.resetBlockedWhile, at("resetBlockedWhile"));
    il.effects.writes.forEach((w, j) => ck.write(w, at(`effects.writes[${j}]`)));
    checkKind(ck, il, at);
    checkPlcTripAndBypass(ck, il, at, defs.settings.maxBypassMinutes);
  });
  checkQualityWatched(ck, defs);
  return ck.problems;
}
