import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import type { z } from "zod";
import { ScadaError } from "../core/errors.js";
import { type Problem, formatProblem } from "../core/problem.js";
import { validateYamlFile } from "../core/yaml-file.js";
import { readYamlFile } from "./yaml-file-reader.js";
import { type LineFile, lineFileSchema } from "./line-schema.js";
import { trackingGeometryOf } from "./tracking-config.js";
import { type DeviceConfig, deviceSchema, devicesFileSchema } from "./device-schema.js";
import { type TagConfig, tagSchema, tagsFileSchema } from "../tags/tag-schema.js";
import { checkCrossReferences } from "./config-cross-check.js";
import type { LocatedTag } from "./located-tag.js";
import { type InterlockDefs, interlocksFileSchema } from "../interlocks/interlock-schema.js";
import { checkInterlocks } from "../interlocks/interlock-cross-check.js";
import { type AlarmDefs, alarmsFileSchema } from "../alarms/alarm-schema.js";
import { checkAlarms } from "../alarms/alarm-cross-check.js";
import { type NorthboundFile, northboundFileSchema } from "./northbound-schema.js";

export interface ScadaConfig {
  readonly dir: string;
  readonly line: LineFile["line"];
  readonly stations: LineFile["stations"];
  /** The per-metre quality record's segment length and measuring windows (line.yaml `tracking`, defaults applied). */
  readonly tracking: LineFile["tracking"];
  /** OEE design speeds and shifts (line.yaml `oee`). */
  readonly oee: LineFile["oee"];
  readonly devices: readonly DeviceConfig[];
  readonly tags: readonly TagConfig[];
  /** interlocks.yaml: the cause → effect matrix (src/interlocks). */
  readonly interlocks: InterlockDefs;
  /** alarms.yaml (optional: a line without it runs with no configured alarms). */
  readonly alarms: AlarmDefs | null;
  /** northbound.yaml (optional): the Sparkplug B edge node's settings. */
  readonly northbound: NorthboundFile | null;
}

export type ConfigResult = { ok: true; config: ScadaConfig } | { ok: false; problems: Problem[] };


/** What each file must contain at its top level, for messages about empty or mis-shaped files. */
const FILE_SHAPES = {
  line: "a mapping with 'line' and 'stations'",
  devices: "a mapping with 'devices'",
  tags: "a mapping with 'tags'",
  interlocks: "a mapping with 'interlocks'",
  alarms: "a mapping with 'settings' and 'alarms'",
  northbound: "a mapping with 'sparkplug'",
} as const;

interface ParsedList<T> {
  /** The items that are valid on their own, with their index in the file's list. */
  readonly items: { item: T; index: number }[];
  /** The whole file is valid. */
  readonly valid: boolean;
  /** The list could be read and every invalid item at least has a name: nothing else exists. */
  readonly allNamed: boolean;
  /** Names of the invalid items (their problems are reported already). */
  readonly rejected: ReadonlySet<string>;
}

/**
 * Parses a file holding one list (`devices:` or `tags:`). When the file is invalid, its problems are
 * reported and the items that are valid on their own are still returned, so the cross-checks can report
 * their problems too; the names of the invalid ones let the cross-checks skip references to them.
 */
function parseListFile<T>(
  fileSchema: z.ZodType<Record<string, unknown>>,
  key: string,
  itemSchema: z.ZodType<T>,
  nameKey: string,
  file: string,
  fileShape: string,
  data: unknown,
  problems: Problem[],
): ParsedList<T> {
  const parsed = validateYamlFile(fileSchema, file, fileShape, data, problems);
  if (parsed) {
    const items = (parsed[key] as T[]).map((item, index) => ({ item, index }));
    return { items, valid: true, allNamed: true, rejected: new Set() };
  }
  const list = data !== null && typeof data === "object" ? (data as Record<string, unknown>)[key] : undefined;
  if (!Array.isArray(list)) return { items: [], valid: false, allNamed: false, rejected: new Set() };
  const items: { item: T; index: number }[] = [];
  const rejected = new Set<string>();
  let allNamed = true;
  list.forEach((raw: unknown, index) => {
    const one = itemSchema.safeParse(raw);
    if (one.success) {
      items.push({ item: one.data, index });
      return;
    }
    const name = raw !== null && typeof raw === "object" ? (raw as Record<string, unknown>)[nameKey] : undefined;
    if (typeof name === "string") rejected.add(name);
    else allNamed = false;
  });
  return { items, valid: false, allNamed, rejected };
}

/**
 * Problems of one file together: line.yaml, devices.yaml, then tags/ files in the order they were read,
 * then the files that refer to tags (interlocks.yaml).
 */
function groupByFile(problems: readonly Problem[]): Problem[] {
  const rank = (file: string): number =>
    file === "line.yaml" ? 0 : file === "devices.yaml" ? 1 : file.startsWith("tags/") || file === "tags/" ? 2 : 3;
  // Array.prototype.sort is stable: within a file, problems keep the order they were found in.
  return [...problems].sort((a, b) => rank(a.file) - rank(b.file) || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
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
  const problems: Problem[] = [];
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    return { ok: false, problems: [{ file: dir, path: "(root)", message: "configuration directory not found" }] };
  }
  const line = validateYamlFile(lineFileSchema, "line.yaml", FILE_SHAPES.line, readYamlFile(dir, "line.yaml", FILE_SHAPES.line, problems), problems);
  if (line) {
    const tracking = trackingGeometryOf(line);
    if ("problems" in tracking) problems.push(...tracking.problems);
  }
  const devices = parseListFile(
    devicesFileSchema,
    "devices",
    deviceSchema,
    "id",
    "devices.yaml",
    FILE_SHAPES.devices,
    readYamlFile(dir, "devices.yaml", FILE_SHAPES.devices, problems),
    problems,
  );
  const deviceList = devices.items.map((d) => d.item);

  const tagsDir = join(dir, "tags");
  const located: LocatedTag[] = [];
  let tagsAllNamed = true;
  const rejectedTags = new Set<string>();
  if (!existsSync(tagsDir)) {
    problems.push({ file: "tags/", path: "(root)", message: "directory is missing (one YAML file of tags per station)" });
    tagsAllNamed = false;
  } else {
    const files = readdirSync(tagsDir).filter((f) => f.endsWith(".yaml") || f.endsWith(".yml")).sort();
    if (files.length === 0) problems.push({ file: "tags/", path: "(root)", message: "no tag files" });
    for (const f of files) {
      const rel = relative(dir, join(tagsDir, f));
      const data = readYamlFile(dir, rel, FILE_SHAPES.tags, problems);
      const parsed = parseListFile(tagsFileSchema, "tags", tagSchema, "name", rel, FILE_SHAPES.tags, data, problems);
      for (const { item, index } of parsed.items) located.push({ tag: item, file: rel, index });
      for (const name of parsed.rejected) rejectedTags.add(name);
      if (!parsed.allNamed) tagsAllNamed = false;
    }
  }

  problems.push(
    ...checkCrossReferences({ stations: line?.stations ?? [] }, deviceList, located, {
      stations: line !== undefined,
      devices: devices.allNamed,
      invalidDevices: devices.rejected,
      tags: tagsAllNamed,
      invalidTags: rejectedTags,
      devicePositions: devices.items.map((d) => d.index),
    }),
  );

  const interlocks = validateYamlFile(
    interlocksFileSchema,
    "interlocks.yaml",
    FILE_SHAPES.interlocks,
    readYamlFile(dir, "interlocks.yaml", FILE_SHAPES.interlocks, problems),
    problems,
  );
  if (interlocks) {
    problems.push(
      ...checkInterlocks(interlocks, {
        tags: located.map((l) => l.tag),
        deviceIds: deviceList.map((d) => d.id),
        tagsComplete: tagsAllNamed,
        invalidTags: rejectedTags,
        devicesComplete: devices.allNamed,
        invalidDevices: devices.rejected,
      }),
    );
  }
  let alarms: AlarmDefs | null = null;
  const alarmsFile = existsSync(join(dir, "alarms.yaml")) ? "alarms.yaml" : existsSync(join(dir, "alarms.yml")) ? "alarms.yml" : null;
  let alarmsValid = true;
  if (alarmsFile) {
    const parsed = validateYamlFile(alarmsFileSchema, alarmsFile, FILE_SHAPES.alarms, readYamlFile(dir, alarmsFile, FILE_SHAPES.alarms, problems), problems);
    alarmsValid = parsed !== undefined;
    if (parsed) {
      alarms = parsed;
      // Tags rejected by their own schema are reported there: do not report them again as unknown here.
      const alarmProblems = checkAlarms(parsed, located.map((l) => l.tag), alarmsFile, {
        ...(interlocks
          ? { interlockIds: interlocks.interlocks.map((i) => i.id), plcTripInterlockIds: interlocks.interlocks.filter((i) => i.plcTrip).map((i) => i.id) }
          : {}),
        ...(devices.allNamed ? { deviceIds: deviceList.map((d) => d.id) } : {}),
        ...(line ? { stations: line.stations.map((st) => st.id) } : {}),
        invalidTags: rejectedTags,
      });
      // A tag file that could not be read whole: its tags are unknown here, and reported there.
      problems.push(...alarmProblems.filter((p) => tagsAllNamed || !/unknown tag/.test(p.message)));
    }
  }
  const northbound = loadNorthbound(dir, problems);
  if (problems.length > 0 || !line || !devices.valid || !interlocks || !alarmsValid || northbound === undefined) return { ok: false, problems: groupByFile(problems) };

  const config: ScadaConfig = {
    dir,
    line: line.line,
    stations: line.stations,
    tracking: line.tracking,
    oee: line.oee,
    devices: deviceList,
    tags: located.map((l) => l.tag),
    interlocks,
    alarms,
    northbound,
  };
  return { ok: true, config: deepFreeze(config) };
}

/** northbound.yaml: null when absent, undefined when invalid (its problems reported), its TLS files checked. */
function loadNorthbound(dir: string, problems: Problem[]): NorthboundFile | null | undefined {
  if (!existsSync(join(dir, "northbound.yaml"))) return null;
  const file = "northbound.yaml";
  const parsed = validateYamlFile(northboundFileSchema, file, FILE_SHAPES.northbound, readYamlFile(dir, file, FILE_SHAPES.northbound, problems), problems);
  if (!parsed) return undefined;
  const before = problems.length;
  for (const key of ["caFile", "certFile", "keyFile"] as const) {
    const f = parsed.sparkplug.tls?.[key];
    if (f !== undefined && !existsSync(resolve(dir, f))) problems.push({ file, path: `sparkplug.tls.${key}`, message: `file not found: ${resolve(dir, f)}` });
  }
  return problems.length === before ? parsed : undefined;
}

/** Loads a config or throws one ScadaError listing every problem. */
export function loadConfigOrThrow(dir: string): ScadaConfig {
  const result = loadConfig(dir);
  if (result.ok) return result.config;
  const lines = result.problems.map(formatProblem);
  throw new ScadaError("SCADA_ERR_CONFIG_INVALID", `Configuration in ${dir} is invalid:\n${lines.join("\n")}`, lines);
}
