import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { parseDocument } from "yaml";
import type { z } from "zod";
import { ScadaError } from "../core/errors.js";
import { type LineFile, lineFileSchema } from "./line-schema.js";
import { type DeviceConfig, devicesFileSchema } from "./device-schema.js";
import { type TagConfig, tagsFileSchema } from "../tags/tag-schema.js";
import { checkCrossReferences } from "./config-cross-check.js";
import type { ConfigProblem } from "./config-problem.js";

export interface ScadaConfig {
  readonly dir: string;
  readonly line: LineFile["line"];
  readonly stations: LineFile["stations"];
  readonly devices: readonly DeviceConfig[];
  readonly tags: readonly TagConfig[];
}

export type ConfigResult = { ok: true; config: ScadaConfig } | { ok: false; problems: ConfigProblem[] };

/** A tag as it came from a file, with where it came from (for messages). */
export interface LocatedTag {
  readonly tag: TagConfig;
  readonly file: string;
  readonly index: number;
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else out += out === "" ? String(p) : `.${String(p)}`;
  }
  return out === "" ? "(root)" : out;
}

function zodProblems(file: string, error: z.ZodError): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const issue of error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) out.push({ file, path: formatPath([...issue.path, key]), message: "unknown key" });
    } else if (issue.code === "invalid_type" && (issue as { input?: unknown }).input === undefined) {
      out.push({ file, path: formatPath(issue.path), message: `required field missing (expected ${issue.expected})` });
    } else {
      out.push({ file, path: formatPath(issue.path), message: issue.message });
    }
  }
  return out;
}

function readYaml(dir: string, file: string, problems: ConfigProblem[]): unknown {
  const full = join(dir, file);
  if (!existsSync(full)) {
    problems.push({ file, path: "(root)", message: "file is missing" });
    return undefined;
  }
  const doc = parseDocument(readFileSync(full, "utf8"), { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      const pos = e.linePos?.[0];
      problems.push({
        file,
        path: pos ? `line ${pos.line} col ${pos.col}` : "(root)",
        message: `YAML syntax error: ${e.message.split("\n")[0]}`,
      });
    }
    return undefined;
  }
  return doc.toJS();
}

function parseWith<T>(schema: z.ZodType<T>, file: string, data: unknown, problems: ConfigProblem[]): T | undefined {
  if (data === undefined) return undefined;
  const result = schema.safeParse(data, { reportInput: true });
  if (!result.success) {
    problems.push(...zodProblems(file, result.error));
    return undefined;
  }
  return result.data;
}

function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === "object" && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as object)) deepFreeze(v);
  }
  return o;
}

/** Loads and validates a plc-config directory; collects every problem instead of stopping at the first. */
export function loadConfig(dir: string): ConfigResult {
  const problems: ConfigProblem[] = [];
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    return { ok: false, problems: [{ file: dir, path: "(root)", message: "configuration directory not found" }] };
  }
  const line = parseWith(lineFileSchema, "line.yaml", readYaml(dir, "line.yaml", problems), problems);
  const devicesFile = parseWith(devicesFileSchema, "devices.yaml", readYaml(dir, "devices.yaml", problems), problems);

  const tagsDir = join(dir, "tags");
  const located: LocatedTag[] = [];
  if (!existsSync(tagsDir)) {
    problems.push({ file: "tags/", path: "(root)", message: "directory is missing (one YAML file of tags per station)" });
  } else {
    const files = readdirSync(tagsDir).filter((f) => f.endsWith(".yaml") || f.endsWith(".yml")).sort();
    if (files.length === 0) problems.push({ file: "tags/", path: "(root)", message: "no tag files" });
    for (const f of files) {
      const rel = relative(dir, join(tagsDir, f));
      const parsed = parseWith(tagsFileSchema, rel, readYaml(dir, rel, problems), problems);
      parsed?.tags.forEach((tag, index) => located.push({ tag, file: rel, index }));
    }
  }

  if (line && devicesFile) problems.push(...checkCrossReferences(line, devicesFile.devices, located));
  if (problems.length > 0 || !line || !devicesFile) return { ok: false, problems };

  const config: ScadaConfig = {
    dir,
    line: line.line,
    stations: line.stations,
    devices: devicesFile.devices,
    tags: located.map((l) => l.tag),
  };
  return { ok: true, config: deepFreeze(config) };
}

/** Loads a config or throws one ScadaError listing every problem. */
export function loadConfigOrThrow(dir: string): ScadaConfig {
  const result = loadConfig(dir);
  if (result.ok) return result.config;
  const lines = result.problems.map(formatProblem);
  throw new ScadaError("SCADA_ERR_CONFIG_INVALID", `Configuration in ${dir} is invalid:\n${lines.join("\n")}`, lines);
}

export function formatProblem(p: ConfigProblem): string {
  return `${p.file}:${p.path}: ${p.message}`;
}
