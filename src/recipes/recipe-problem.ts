import type { z } from "zod";

/**
 * One thing wrong with a recipe (or with what it would do to the PLC), printed as `file:path: message` like
 * the configuration's problems: `recipes/BiSb.yaml:htr.peakTempK: must be <= 2000 (found 2400)`.
 * For a read-back, `file` is the device and `path` the tag: `htr-plc:htr.peak_sp: read back 1300, recipe 1340`.
 */
export interface RecipeProblem {
  readonly file: string;
  readonly path: string;
  readonly message: string;
}

export function formatRecipeProblem(p: RecipeProblem): string {
  return `${p.file}:${p.path}: ${p.message}`;
}

/** `htr.peakTempK`, `[2].tag`, or `(root)`. */
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

function describeValue(v: unknown): string {
  if (v === null) return "nothing";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  if (typeof v === "string") return `'${v}'`;
  return String(v);
}

type Issue = z.core.$ZodIssue;

/** A zod issue in words a recipe author acts on (the same wording as the configuration loader's). */
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
    case "too_small":
    case "too_big": {
      const small = issue.code === "too_small";
      const limit = small ? (issue as { minimum: number | bigint }).minimum : (issue as { maximum: number | bigint }).maximum;
      if (issue.origin === "number") {
        const op = small ? (issue.inclusive ? ">=" : ">") : issue.inclusive ? "<=" : "<";
        return `must be ${op} ${limit} (found ${describeValue(input)})`;
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

/** Every issue of a failed parse as a problem of `file`; an unknown key is named in the path. */
export function zodProblems(file: string, fileShape: string, error: z.ZodError): RecipeProblem[] {
  const out: RecipeProblem[] = [];
  for (const issue of error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) out.push({ file, path: formatPath([...issue.path, key]), message: "unknown key" });
    } else {
      out.push({ file, path: formatPath(issue.path), message: issueMessage(issue, fileShape) });
    }
  }
  return out;
}
