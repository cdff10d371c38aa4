/**
 * Two recipes compared field by field (pure), for a reviewer: every field whose value differs, with its path
 * (`htr.peakTempK`), its units and both values, in the schema's order; an optional field one side lacks is
 * `added` or `removed`.
 *
 * Units come from the field descriptions of recipe-schema.ts: the units are the last comma-separated part of
 * a description's first sentence, parentheses left out ("Peak web temperature, K (paper: 1340 K)." → K;
 * "Accepted deviation …, ± mg/cm²." → mg/cm²; "Target alloy content (TGA), % by mass." → %), and only what
 * RECIPE_UNITS lists counts as units. A field that is not a number has units "". A new number field whose
 * description names no units fails recipe-diff's test, so the schema keeps saying them.
 */
import { z } from "zod";
import { recipeSchema, type Recipe } from "./recipe-schema.js";

/** Every unit a recipe field may be in. */
export const RECIPE_UNITS = ["K", "K/s", "s", "L/min", "mg/cm²", "µS/cm", "m", "m/min", "N", "%", "nm", "ppm"] as const;

/** A recipe field: its path, its units ("" for a field that is not a number), whether it is a number. */
export interface RecipeField {
  readonly path: string;
  readonly units: string;
  readonly numeric: boolean;
  readonly description: string;
}

export type RecipeFieldValue = string | number | boolean | null;

export interface RecipeFieldChange {
  readonly path: string;
  readonly units: string;
  /** null: the field is absent from the first recipe (`added`). */
  readonly from: RecipeFieldValue;
  /** null: the field is absent from the second recipe (`removed`). */
  readonly to: RecipeFieldValue;
  readonly change: "changed" | "added" | "removed";
}

/** The units a description names, or "". */
export function unitsOfDescription(description: string): string {
  const firstSentence = description.split(/\.(?:\s|$)/u)[0] ?? "";
  const withoutParens = firstSentence.replace(/\([^)]*\)/gu, "");
  const last = withoutParens.split(",").at(-1)?.trim().replace(/^±\s*/u, "") ?? "";
  const token = last.split(/\s+/u)[0] ?? "";
  return (RECIPE_UNITS as readonly string[]).includes(token) ? token : "";
}

/** The schema inside optional / default / nullable wrappers, and the first description found on the way. */
function unwrap(schema: z.ZodType): { inner: z.ZodType; description: string } {
  let inner = schema;
  let description = schema.description ?? "";
  while (inner instanceof z.ZodOptional || inner instanceof z.ZodDefault || inner instanceof z.ZodNullable) {
    inner = inner.unwrap() as z.ZodType;
    description ||= inner.description ?? "";
  }
  return { inner, description };
}

function fieldsOf(schema: z.ZodType, prefix: string, out: RecipeField[]): RecipeField[] {
  const { inner, description } = unwrap(schema);
  if (inner instanceof z.ZodObject) {
    for (const [key, child] of Object.entries(inner.shape as Record<string, z.ZodType>)) fieldsOf(child, prefix === "" ? key : `${prefix}.${key}`, out);
    return out;
  }
  const numeric = inner instanceof z.ZodNumber;
  out.push({ path: prefix, units: numeric ? unitsOfDescription(description) : "", numeric, description });
  return out;
}

let fields: readonly RecipeField[] | undefined;

/** Every leaf field of the recipe schema, in schema order. */
export function recipeFields(): readonly RecipeField[] {
  fields ??= Object.freeze(fieldsOf(recipeSchema, "", []));
  return fields;
}

function valueAt(recipe: unknown, path: string): unknown {
  let v: unknown = recipe;
  for (const key of path.split(".")) v = v !== null && typeof v === "object" ? (v as Record<string, unknown>)[key] : undefined;
  return v;
}

/** Leaf paths of a value (for fields a stored recipe holds that this schema does not know). */
function leafPaths(value: unknown, prefix: string, out: string[]): string[] {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) leafPaths(v, prefix === "" ? k : `${prefix}.${k}`, out);
  } else if (prefix !== "") out.push(prefix);
  return out;
}

function asFieldValue(v: unknown): RecipeFieldValue {
  if (v === undefined || v === null) return null;
  if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
  return JSON.stringify(v);
}

function compare(path: string, units: string, a: unknown, b: unknown): RecipeFieldChange | undefined {
  if (a === undefined && b === undefined) return undefined;
  const from = asFieldValue(a);
  const to = asFieldValue(b);
  if (a !== undefined && b !== undefined && from === to) return undefined;
  return { path, units, from, to, change: a === undefined ? "added" : b === undefined ? "removed" : "changed" };
}

/**
 * The fields in which `b` differs from `a`, in schema order; fields the schema does not know (a recipe
 * stored by another version of the program) follow, sorted, with units "".
 */
export function diffRecipes(a: Recipe, b: Recipe): RecipeFieldChange[] {
  const out: RecipeFieldChange[] = [];
  const known = new Set<string>();
  for (const f of recipeFields()) {
    known.add(f.path);
    const c = compare(f.path, f.units, valueAt(a, f.path), valueAt(b, f.path));
    if (c) out.push(c);
  }
  const unknown = [...new Set([...leafPaths(a, "", []), ...leafPaths(b, "", [])])].filter((p) => !known.has(p)).sort();
  for (const p of unknown) {
    const c = compare(p, "", valueAt(a, p), valueAt(b, p));
    if (c) out.push(c);
  }
  return out;
}
