/**
 * The fields of a recipe as the editor shows them (pure): path, kind, units, range and description, in the
 * schema's order. The schema is plc-config/schema/recipe.schema.json (generated from the server's zod schema);
 * without it the fields come from the recipe object itself and the units from the field names.
 */

/** The part of a JSON schema (draft-07) the editor reads. */
export interface JsonSchemaNode {
  readonly type?: string;
  readonly description?: string;
  readonly properties?: Readonly<Record<string, JsonSchemaNode>>;
  readonly required?: readonly string[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly enum?: readonly unknown[];
  readonly default?: unknown;
}

export type RecipeFieldKind = "number" | "text" | "enum" | "boolean";

export interface RecipeFieldDef {
  /** Dotted path in the recipe: `htr.peakTempK`. */
  readonly path: string;
  /** The top-level section (`htr`, `quench` …; "" for top-level fields). */
  readonly group: string;
  readonly kind: RecipeFieldKind;
  /** "" for a field that is not a number, or one without units. */
  readonly units: string;
  readonly description: string;
  readonly min?: number;
  readonly max?: number;
  /** The bound itself is not allowed (`> 0`). */
  readonly exclusiveMin?: boolean;
  readonly exclusiveMax?: boolean;
  readonly options?: readonly string[];
  /** The schema requires it (an empty input is an error, not "leave it out"). */
  readonly required: boolean;
  /** The value used when the field is left out, if the schema says. */
  readonly defaultValue?: unknown;
  /** Not editable (the alloy names the recipe). */
  readonly readOnly: boolean;
}

/** Every unit a recipe field may be in (the server's RECIPE_UNITS). */
export const RECIPE_UNITS = ["K", "K/s", "s", "L/min", "mg/cm²", "µS/cm", "m", "m/min", "N", "%", "nm", "ppm"] as const;

/**
 * The units a description names, or "": the last comma-separated part of its first sentence, parentheses
 * left out ("Peak web temperature, K (paper: 1340 K)." → K; "…, ± mg/cm²." → mg/cm²) — the server's rule.
 */
export function unitsOfDescription(description: string): string {
  const firstSentence = description.split(/\.(?:\s|$)/u)[0] ?? "";
  const withoutParens = firstSentence.replace(/\([^)]*\)/gu, "");
  const last = withoutParens.split(",").at(-1)?.trim().replace(/^±\s*/u, "") ?? "";
  const token = last.split(/\s+/u)[0] ?? "";
  return (RECIPE_UNITS as readonly string[]).includes(token) ? token : "";
}

/** Field-name suffixes → units, longest first (`peakTempK`, `minHeatingRateKps`, `gasFlowLpm`, `flowS` …). */
const NAME_UNITS: readonly (readonly [RegExp, string])[] = [
  [/MgCm2$/, "mg/cm²"],
  [/UsCm$/, "µS/cm"],
  [/Kps$/, "K/s"],
  [/Lpm$/, "L/min"],
  [/Mpm$/, "m/min"],
  [/Ppm$/, "ppm"],
  [/Pct$/, "%"],
  [/Nm$/, "nm"],
  [/[a-z]K$/, "K"],
  [/[a-z]S$/, "s"],
  [/[a-z]M$/, "m"],
  [/[a-z]N$/, "N"],
];

/** Units from a field's name when there is no description to read them from. */
export function unitsOfName(key: string): string {
  for (const [re, units] of NAME_UNITS) if (re.test(key)) return units;
  return "";
}

function kindOf(node: JsonSchemaNode | undefined, value: unknown): RecipeFieldKind {
  if (node?.enum) return "enum";
  if (node?.type === "number" || node?.type === "integer") return "number";
  if (node?.type === "boolean") return "boolean";
  if (node?.type === "string") return "text";
  return typeof value === "number" ? "number" : typeof value === "boolean" ? "boolean" : "text";
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

function walk(node: JsonSchemaNode | undefined, value: unknown, prefix: string, required: boolean, out: RecipeFieldDef[]): void {
  const props = node?.properties;
  const isGroup = props !== undefined || (node === undefined && isObject(value));
  if (isGroup) {
    const own = props ?? {};
    const keys = [...Object.keys(own), ...(isObject(value) ? Object.keys(value).filter((k) => !(k in own)) : [])];
    for (const key of keys) {
      const childRequired = required && (node?.required?.includes(key) ?? false);
      walk(own[key], isObject(value) ? value[key] : undefined, prefix === "" ? key : `${prefix}.${key}`, childRequired, out);
    }
    return;
  }
  const key = prefix.split(".").at(-1) ?? prefix;
  const kind = kindOf(node, value);
  const description = node?.description ?? "";
  const units = kind === "number" ? unitsOfDescription(description) || unitsOfName(key) : "";
  const def: RecipeFieldDef = {
    path: prefix,
    group: prefix.includes(".") ? prefix.split(".")[0]! : "",
    kind,
    units,
    description,
    required,
    readOnly: prefix === "alloy",
    ...(node?.minimum !== undefined ? { min: node.minimum } : node?.exclusiveMinimum !== undefined ? { min: node.exclusiveMinimum, exclusiveMin: true } : {}),
    ...(node?.maximum !== undefined ? { max: node.maximum } : node?.exclusiveMaximum !== undefined ? { max: node.exclusiveMaximum, exclusiveMax: true } : {}),
    ...(node?.enum ? { options: node.enum.map(String) } : {}),
    ...(node?.default !== undefined ? { defaultValue: node.default } : {}),
  };
  out.push(def);
}

/**
 * Every leaf field: the schema's (in its order, optional ones included) and any the recipe has that the schema
 * does not know; without a schema, the recipe's own fields.
 */
export function recipeFieldDefs(recipe: Record<string, unknown>, schema?: JsonSchemaNode): RecipeFieldDef[] {
  const out: RecipeFieldDef[] = [];
  walk(schema, recipe, "", true, out);
  return out;
}

/** The range in words: `300 … 3000 K`, `> 0 s`, `≥ 273 K`, `pulse | continuous`, "" when unbounded. */
export function rangeText(def: RecipeFieldDef): string {
  const u = def.units ? ` ${def.units}` : "";
  if (def.options) return def.options.join(" | ");
  if (def.min !== undefined && def.max !== undefined) {
    if (!def.exclusiveMin && !def.exclusiveMax) return `${def.min} … ${def.max}${u}`;
    return `${def.exclusiveMin ? ">" : "≥"} ${def.min} and ${def.exclusiveMax ? "<" : "≤"} ${def.max}${u}`;
  }
  if (def.min !== undefined) return `${def.exclusiveMin ? ">" : "≥"} ${def.min}${u}`;
  if (def.max !== undefined) return `${def.exclusiveMax ? "<" : "≤"} ${def.max}${u}`;
  return "";
}

/** The value at a dotted path (undefined when any part is missing). */
export function valueAt(obj: unknown, path: string): unknown {
  let v: unknown = obj;
  for (const key of path.split(".")) v = isObject(v) ? v[key] : undefined;
  return v;
}

/** A copy with the value at `path` set (undefined: removed; a section left empty by that is removed too). */
export function withValue(obj: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const [head, ...rest] = path.split(".");
  const out: Record<string, unknown> = { ...obj };
  if (rest.length === 0) {
    if (value === undefined) delete out[head!];
    else out[head!] = value;
    return out;
  }
  const child = withValue(isObject(obj[head!]) ? (obj[head!] as Record<string, unknown>) : {}, rest.join("."), value);
  if (Object.keys(child).length === 0 && !isObject(obj[head!])) delete out[head!];
  else out[head!] = child;
  return out;
}

export type ParsedField =
  | { readonly ok: true; readonly value: unknown; /** Outside the schema's range: saved all the same (a draft may be invalid), the server names the problem. */ readonly warning?: string }
  | { readonly ok: false; readonly error: string };

/**
 * What an input's text means for the field: a number, the text, or undefined (left out). Only the form is
 * checked here (a number must be a number); a value outside the range is a warning — a draft may be saved
 * invalid, and the server's problems (schema, equipment limits) are the verdict.
 */
export function parseFieldInput(def: RecipeFieldDef, text: string): ParsedField {
  const t = text.trim();
  if (t === "") {
    if (!def.required) return { ok: true, value: undefined };
    return def.kind === "text" ? { ok: true, value: "", warning: "required" } : { ok: false, error: "required" };
  }
  if (def.kind === "boolean") return { ok: true, value: t === "true" };
  if (def.kind !== "number") return { ok: true, value: text };
  const n = Number(t.replace(",", "."));
  if (!Number.isFinite(n)) return { ok: false, error: "not a number" };
  const low = def.min !== undefined && (def.exclusiveMin ? n <= def.min : n < def.min);
  const high = def.max !== undefined && (def.exclusiveMax ? n >= def.max : n > def.max);
  return low || high ? { ok: true, value: n, warning: `outside ${rangeText(def)}` } : { ok: true, value: n };
}

/** A value as the editor's input shows it. */
export function fieldText(value: unknown): string {
  if (value === undefined || value === null) return "";
  return typeof value === "string" ? value : String(value);
}

/**
 * The server's problems by field: a problem names its field as `htr.peakTempK: …` (possibly after a file,
 * `recipes/BiSb.yaml:htr.peakTempK: …`); the longest known path wins. Problems naming no field are general.
 */
export function problemsByField(problems: readonly string[], paths: readonly string[]): { byField: Map<string, string[]>; general: string[] } {
  const byField = new Map<string, string[]>();
  const general: string[] = [];
  const sorted = [...paths].sort((a, b) => b.length - a.length);
  for (const p of problems) {
    const hit = sorted.find((path) => p.startsWith(`${path}:`) || p.includes(`:${path}:`) || p.startsWith(`${path} `));
    if (hit === undefined) {
      general.push(p);
      continue;
    }
    const at = p.startsWith(hit) ? 0 : p.indexOf(`:${hit}:`) + 1;
    const message = p.slice(at + hit.length).replace(/^:?\s*/, "");
    byField.set(hit, [...(byField.get(hit) ?? []), message || p]);
  }
  return { byField, general };
}
