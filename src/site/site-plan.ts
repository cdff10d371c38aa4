/**
 * How a site's lines run side by side on one machine (pure): for each line of the site file, its config
 * directory (its own, or one derived from the site's base plc-config with the line id, the virtual plant's
 * ports and the Sparkplug group changed), its own data directory, the `htr-scada start --sim` arguments and
 * the environment it gets (SCADA_MQTT_URL: the site's broker; INFLUX_URL: the site's one InfluxDB).
 */

/** What the plan reads of a line of the site file (config/site-config-loader.ts SiteLineConfig fits it). */
export interface PlanLine {
  readonly id: string;
  readonly name: string;
  readonly httpPort: number;
  readonly hmiUrl: string;
  readonly plant: { readonly opcuaPort: number; readonly modbusPort: number } | null;
  /** Absolute, or null: derived from the base config. */
  readonly configDir: string | null;
}

/** What the plan reads of the site (config/site-config-loader.ts SiteConfig fits it). */
export interface PlanSite {
  readonly groupId: string;
  /** Absolute. */
  readonly baseConfigDir: string;
  readonly lines: readonly PlanLine[];
}

/** What a derived line config changes in the base plc-config. */
export interface LineConfigEdits {
  /** line.yaml `line.id` (also the Sparkplug edge node id) and `line.name`. */
  readonly lineId: string;
  readonly lineName: string;
  /** devices.yaml: the OPC UA device's endpoint port and the Modbus TCP device's port. */
  readonly opcuaPort: number;
  readonly modbusPort: number;
  /** northbound.yaml `sparkplug.groupId` (and no edgeNodeId of its own: the line id). */
  readonly groupId: string;
}

export interface SiteLinePlan {
  readonly id: string;
  readonly name: string;
  readonly httpPort: number;
  readonly hmiUrl: string;
  /** The config directory the line starts with. */
  readonly configDir: string;
  /** Set when configDir is to be written from the base config (site-line-dirs.ts). */
  readonly derive: { readonly from: string; readonly edits: LineConfigEdits } | null;
  /** The line's own data directory (spool, databases, audit journal, PKI, its log). */
  readonly dataDir: string;
  readonly logFile: string;
  /** After `htr-scada`. */
  readonly args: readonly string[];
  /** Set for the line (on top of the launcher's environment, whose PORT / SCADA_CONFIG_DIR / SCADA_DATA_DIR are dropped). */
  readonly env: Readonly<Record<string, string>>;
}

export interface SitePlanInput {
  readonly site: PlanSite;
  /** The site's data directory: lines/<id>/{plc-config,data,scada.log}. */
  readonly dataDir: string;
  readonly brokerUrl: string;
  /** The one InfluxDB of the site (null: each line decides, as `start` does). */
  readonly influxUrl: string | null;
}

const join = (...parts: string[]): string => parts.join("/").replace(/\/+/g, "/");

function planLine(input: SitePlanInput, line: PlanLine): SiteLinePlan {
  const home = join(input.dataDir, "lines", line.id);
  const configDir = line.configDir ?? join(home, "plc-config");
  const dataDir = join(home, "data");
  const derive =
    line.configDir === null && line.plant
      ? { from: input.site.baseConfigDir, edits: { lineId: line.id, lineName: line.name, opcuaPort: line.plant.opcuaPort, modbusPort: line.plant.modbusPort, groupId: input.site.groupId } }
      : null;
  return {
    id: line.id,
    name: line.name,
    httpPort: line.httpPort,
    hmiUrl: line.hmiUrl,
    configDir,
    derive,
    dataDir,
    logFile: join(home, "scada.log"),
    args: ["start", "--sim", "--config", configDir, "--data", dataDir, "--port", String(line.httpPort)],
    env: { SCADA_MQTT_URL: input.brokerUrl, ...(input.influxUrl ? { INFLUX_URL: input.influxUrl } : {}) },
  };
}

export function siteLinePlans(input: SitePlanInput): SiteLinePlan[] {
  return input.site.lines.map((l) => planLine(input, l));
}

/** Variables that would point every child at one place: each gets its own instead. */
const PER_CHILD = new Set(["PORT", "SCADA_CONFIG_DIR", "SCADA_DATA_DIR", "INFLUX_URL", "SCADA_MQTT_URL"]);

/** The launcher's environment for its children, without what each child gets of its own. */
export function childEnvironment(base: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined && !PER_CHILD.has(k)) env[k] = v;
  return env;
}

/** The environment a line is started with. */
export function lineEnvironment(base: Readonly<Record<string, string | undefined>>, plan: Pick<SiteLinePlan, "env">): Record<string, string> {
  return { ...childEnvironment(base), ...plan.env };
}
