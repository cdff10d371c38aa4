/**
 * Loads and validates a site file (plc-config/site.yaml, config/site-schema.ts): every problem as
 * `file:path: message`, the schema's and the cross-checks' (line ids unique, no port used twice, a derived
 * line has its plant's ports, the directories it names exist), then the settings with defaults applied and
 * paths made absolute (relative to the file's directory), frozen.
 */
import { existsSync, statSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { ScadaError } from "../core/errors.js";
import { type Problem, formatProblem } from "../core/problem.js";
import { validateYamlFile } from "../core/yaml-file.js";
import { brokerUrlSchema } from "./northbound-schema.js";
import { type SiteFile, siteFileSchema } from "./site-schema.js";
import { readYamlFile } from "./yaml-file-reader.js";

const FILE_SHAPE = "a mapping with 'site' and 'lines'";

export interface SiteLineConfig {
  readonly id: string;
  readonly name: string;
  readonly httpPort: number;
  readonly hmiUrl: string;
  readonly plant: { readonly opcuaPort: number; readonly modbusPort: number } | null;
  /** Absolute: the line's own plc-config, used as it is; null: derived from the site's baseConfigDir. */
  readonly configDir: string | null;
}

export interface SiteConfig {
  /** The site file, absolute. */
  readonly file: string;
  readonly id: string;
  readonly name: string;
  /** From the file; see siteBrokerUrl for SCADA_MQTT_URL. */
  readonly brokerUrl: string;
  readonly groupId: string;
  readonly influxUrl: string | null;
  /** Absolute. */
  readonly baseConfigDir: string;
  readonly overview: { readonly port: number; readonly host: string };
  readonly speedMetric: { readonly device: string; readonly metric: string };
  readonly lines: readonly SiteLineConfig[];
}

export type SiteConfigResult = { ok: true; site: SiteConfig } | { ok: false; problems: Problem[] };

const isDir = (p: string): boolean => existsSync(p) && statSync(p).isDirectory();

/** The cross-checks of a schema-valid site file (pure but for the directory checks). */
function crossCheck(file: string, parsed: SiteFile, baseConfigDir: string, dir: string): Problem[] {
  const problems: Problem[] = [];
  const add = (path: string, message: string): void => void problems.push({ file, path, message });
  const ids = new Map<string, number>();
  const ports = new Map<number, string>();
  const usePort = (port: number, path: string): void => {
    if (port === 0) return;
    const other = ports.get(port);
    if (other !== undefined) add(path, `port ${port} is used twice (also ${other}): every line, plant and the overview need their own`);
    else ports.set(port, path);
  };
  if (parsed.lines.some((l) => l.configDir === undefined) && !isDir(baseConfigDir)) add("site.baseConfigDir", `directory not found: ${baseConfigDir}`);
  usePort(parsed.site.overview.port, "site.overview.port");
  parsed.lines.forEach((line, i) => {
    const at = `lines[${i}]`;
    const first = ids.get(line.id);
    if (first !== undefined) add(`${at}.id`, `duplicate line id '${line.id}' (also lines[${first}].id)`);
    else ids.set(line.id, i);
    usePort(line.httpPort, `${at}.httpPort`);
    if (line.plant) {
      usePort(line.plant.opcuaPort, `${at}.plant.opcuaPort`);
      usePort(line.plant.modbusPort, `${at}.plant.modbusPort`);
    }
    if (line.configDir === undefined && !line.plant) add(`${at}.plant`, "required when configDir is not given (the ports of the line's virtual plant: opcuaPort, modbusPort)");
    if (line.configDir !== undefined && !isDir(resolve(dir, line.configDir))) add(`${at}.configDir`, `directory not found: ${resolve(dir, line.configDir)}`);
  });
  return problems;
}

/** Reads and validates a site file; collects every problem instead of stopping at the first. */
export function loadSiteConfig(path: string): SiteConfigResult {
  const full = resolve(path);
  const dir = dirname(full);
  const file = basename(full);
  const problems: Problem[] = [];
  const parsed = validateYamlFile(siteFileSchema, file, FILE_SHAPE, readYamlFile(dir, file, FILE_SHAPE, problems), problems);
  if (!parsed) return { ok: false, problems };
  const baseConfigDir = resolve(dir, parsed.site.baseConfigDir);
  problems.push(...crossCheck(file, parsed, baseConfigDir, dir));
  if (problems.length > 0) return { ok: false, problems };
  const s = parsed.site;
  const site: SiteConfig = {
    file: full,
    id: s.id,
    name: s.name ?? s.id,
    brokerUrl: s.brokerUrl,
    groupId: s.groupId,
    influxUrl: s.influxUrl ?? null,
    baseConfigDir,
    overview: s.overview,
    speedMetric: s.speedMetric,
    lines: parsed.lines.map((l) => ({
      id: l.id,
      name: l.name ?? l.id,
      httpPort: l.httpPort,
      hmiUrl: l.hmiUrl ?? `http://127.0.0.1:${l.httpPort}/`,
      plant: l.plant ?? null,
      configDir: l.configDir === undefined ? null : resolve(dir, l.configDir),
    })),
  };
  return { ok: true, site: Object.freeze({ ...site, lines: Object.freeze(site.lines.map((l) => Object.freeze(l))) }) };
}

/** Loads a site file or throws one ScadaError (SCADA_ERR_CONFIG_INVALID) listing every problem. */
export function loadSiteConfigOrThrow(path: string): SiteConfig {
  const result = loadSiteConfig(path);
  if (result.ok) return result.site;
  const lines = result.problems.map(formatProblem);
  throw new ScadaError("SCADA_ERR_CONFIG_INVALID", `Site file ${resolve(path)} is invalid:\n${lines.join("\n")}`, lines);
}

/** The broker: SCADA_MQTT_URL when set (◆, as for a line), else the site file's. A malformed SCADA_MQTT_URL is refused. */
export function siteBrokerUrl(site: Pick<SiteConfig, "brokerUrl">, env: Readonly<Record<string, string | undefined>>): string {
  const url = env.SCADA_MQTT_URL;
  if (url === undefined || url === "") return site.brokerUrl;
  const parsed = brokerUrlSchema.safeParse(url);
  if (!parsed.success) throw new ScadaError("SCADA_ERR_CONFIG_INVALID", "SCADA_MQTT_URL is invalid", [`SCADA_MQTT_URL: ${parsed.error.issues[0]?.message ?? "invalid"} (it is ${JSON.stringify(url)})`]);
  return url;
}
