import type { z } from "zod";
import type { Problem } from "./problem.js";

/**
 * A failed zod parse as problems in words a YAML author acts on (zod's own texts are written for
 * programmers): `file:path: message` entries for the configuration and the recipes alike (pure).
 */

export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else out += out === "" ? String(p) : `.${String(p)}`;
  }
  return out === "" ? "(root)" : out;
}

const EXPECTED_NAMES: Record<string, string> = {
  object: "a mapping",
  array: "a list",
  string: "a string",
  number: "a number",
  int: "an integer",
  boolean: "true or false",
};

/** A value as a YAML author would recognise it in a message. */
export function describeValue(v: unknown): string {
  if (v === null) return "nothing";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  if (typeof v === "string") return `'${v}'`;
  return String(v);
}

type Issue = z.core.$ZodIssue;

/** Allowed values of a union of literals (e.g. `dataBits: 7 | 8`), or undefined for other unions. */
function literalUnionValues(issue: Issue & { code: "invalid_union" }): unknown[] | undefined {
  const values: unknown[] = [];
  for (const branch of issue.errors) {
    const only = branch[0];
    if (branch.length !== 1 || only === undefined || only.code !== "invalid_value" || only.path.length > 0) return undefined;
    values.push(...only.values);
  }
  return values.length > 0 ? values : undefined;
}

/** One zod issue in words that point the author at the fix (zod's own texts are written for programmers). */
function issueMessage(issue: Issue, fileShape: string): string {
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case "invalid_type": {
      const expected = EXPECTED_NAMES[issue.expected] ?? issue.expected;
      if (input === undefined) return `required field missing (expected ${expected})`;
      if (issue.path.length === 0) return `expected ${fileShape}, found ${describeValue(input)}`;
      return `expected ${expected}, found ${describeValue(input)}`;
    }
    case "invalid_value": {
      const allowed = issue.values.map(String);
      if (allowed.length === 1) return `expected '${allowed[0]}', found ${describeValue(input)}`;
      return `${describeValue(input)} is not one of: ${allowed.join(", ")}`;
    }
    case "invalid_union": {
      if ("discriminator" in issue && typeof issue.discriminator === "string") {
        // zod puts the discriminator key on the path; the input is the whole object.
        const options = (issue as { options?: unknown[] }).options?.map(String).join(", ") ?? "";
        const value = input !== null && typeof input === "object" ? (input as Record<string, unknown>)[issue.discriminator] : undefined;
        if (value === undefined) return `required field missing (one of: ${options})`;
        return `unknown ${issue.discriminator} ${describeValue(value)} (expected one of: ${options})`;
      }
      const values = literalUnionValues(issue);
      if (values) return `${describeValue(input)} is not one of: ${values.map(String).join(", ")}`;
      return issue.message;
    }
    case "too_small":
    case "too_big": {
      const small = issue.code === "too_small";
      const limit = small ? (issue as { minimum: number | bigint }).minimum : (issue as { maximum: number | bigint }).maximum;
      if (issue.origin === "number") {
        const op = small ? (issue.inclusive ? ">=" : ">") : issue.inclusive ? "<=" : "<";
        return `must be ${op} ${limit} (found ${describeValue(input)})`;
      }
      if (issue.origin === "array") {
        if (small && Number(limit) === 1) return "must not be empty (at least 1 item)";
        return `must have ${small ? "at least" : "at most"} ${limit} items`;
      }
      if (issue.origin === "string" && small && Number(limit) === 1) return "must not be empty";
      return issue.message;
    }
    case "invalid_format":
      return `${issue.message} (found ${describeValue(input)})`;
    default:
      return issue.message;
  }
}

export function zodProblems(file: string, fileShape: string, error: z.ZodError): Problem[] {
  const out: Problem[] = [];
  const add = (issue: Issue): void => {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) out.push({ file, path: formatPath([...issue.path, key]), message: "unknown key" });
      return;
    }
    if (issue.code === "invalid_union" && !("discriminator" in issue && typeof issue.discriminator === "string") && !literalUnionValues(issue)) {
      const input = (issue as { input?: unknown }).input;
      const branch = closestBranch(issue, input);
      if (branch) {
        // Branch issues are relative to the union: put them at their full path, with their input.
        for (const inner of branch) add({ ...inner, path: [...issue.path, ...inner.path], input: inputAt(input, inner.path) } as Issue);
        return;
      }
      out.push({ file, path: formatPath(issue.path), message: unionMessage(issue, input) });
      return;
    }
    out.push({ file, path: formatPath(issue.path), message: issueMessage(issue, fileShape) });
  };
  for (const issue of error.issues) add(issue);
  return out;
}

function inputAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const key of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

/**
 * A union of mappings told apart by their keys (e.g. an interlock condition: `{tag, op, value}`, `{all}`,
 * `{notGood, forMs}` …): the branch the author meant is the one that fits the keys they wrote. Undefined when
 * the input is no mapping, or shares no key with any branch (then no branch's details would help).
 */
function closestBranch(issue: Issue & { code: "invalid_union" }, input: unknown): Issue[] | undefined {
  if (input === null || typeof input !== "object" || Array.isArray(input)) return undefined;
  const written = Object.keys(input);
  let best: Issue[] | undefined;
  let bestScore = Infinity;
  for (const branch of issue.errors) {
    if (!acceptsMapping(branch)) continue;
    let score = 0;
    let unknownKeys = 0;
    for (const inner of branch) {
      if (inner.code === "unrecognized_keys" && inner.path.length === 0) unknownKeys += inner.keys.length;
      else if (inner.path.length === 0 || !written.includes(String(inner.path[0]))) score += 1;
    }
    if (unknownKeys === written.length) continue; // none of the author's keys belongs to this branch
    score += unknownKeys;
    if (score < bestScore) {
      best = branch;
      bestScore = score;
    }
  }
  return best;
}

/** The branch is a mapping (it did not fail on the type of the value itself). */
function acceptsMapping(branch: readonly Issue[]): boolean {
  return !branch.some((i) => i.path.length === 0 && (i.code === "invalid_type" || i.code === "invalid_value"));
}

/** A union none of whose branches fits: name the forms (from the keys each branch misses) or the types. */
function unionMessage(issue: Issue & { code: "invalid_union" }, input: unknown): string {
  if (input === undefined) return "required field missing";
  if (input !== null && typeof input === "object" && !Array.isArray(input)) {
    const forms = issue.errors.filter(acceptsMapping).map((branch) => {
      const keys = branch.flatMap((i) => (i.path.length === 1 && inputAt(input, i.path) === undefined ? [String(i.path[0])] : []));
      return `{${keys.join(", ")}}`;
    });
    const keys = Object.keys(input);
    const named = keys.map((k) => `'${k}'`).join(", ");
    const found = keys.length === 0 ? "an empty mapping fits" : keys.length === 1 ? `key ${named} fits` : `keys ${named} fit`;
    return `${found} none of the forms: ${forms.join(", ")}`;
  }
  const expected = issue.errors.flatMap((branch) =>
    branch.flatMap((i) => (i.code === "invalid_type" && i.path.length === 0 ? [EXPECTED_NAMES[i.expected] ?? i.expected] : [])),
  );
  if (expected.length === 0) return issue.message;
  const list = expected.length === 1 ? expected[0] : `${expected.slice(0, -1).join(", ")} or ${expected[expected.length - 1]}`;
  return `expected ${list}, found ${describeValue(input)}`;
}
