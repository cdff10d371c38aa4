/**
 * plc-config/site.yaml: a site of several lines (issue 14, item 4). Each line is its own SCADA process with its
 * own PLCs, an edge node of one Sparkplug group on one broker, all writing to one InfluxDB (the `line` tag
 * tells them apart); the site overview (`htr-scada site`) reads the group from the broker. For the demo
 * (`npm run site:demo`) each line gets a virtual plant on its own ports. Pure schema.
 */
import { z } from "zod";
import { idSchema } from "./line-schema.js";
import { brokerUrlSchema, sparkplugIdSchema } from "./northbound-schema.js";

const portSchema = z.number().int().min(1).max(65535);

/** An InfluxDB 1.x URL as INFLUX_URL takes it: http(s)://[user:pass@]host:port[/db]. */
export const influxUrlSchema = z.string().regex(/^https?:\/\/[^\s/]+(\/[^\s/]*)?$/, "must be an InfluxDB URL: http://host:port/db");

export const siteLineSchema = z.strictObject({
  /** The line id: line.yaml's `line.id` and the Sparkplug edge node id. */
  id: idSchema,
  /** Shown on the overview; default: the id. */
  name: z.string().min(1).optional(),
  /** The HTTP port of the line's HMI and API (`htr-scada start --port`). */
  httpPort: portSchema,
  /** Where the overview links to; default http://127.0.0.1:<httpPort>/. */
  hmiUrl: z.string().regex(/^https?:\/\/\S+$/, "must be an http:// or https:// URL").optional(),
  /** The virtual plant's ports (the demo): written into the line's derived config (devices.yaml). */
  plant: z.strictObject({ opcuaPort: portSchema, modbusPort: portSchema }).optional(),
  /**
   * The line's own plc-config directory, used as it is (its line id must be this id). Absent: derived from
   * the site's baseConfigDir with the line id and the plant's ports changed.
   */
  configDir: z.string().min(1).optional(),
});
export type SiteLine = z.infer<typeof siteLineSchema>;

export const siteSettingsSchema = z.strictObject({
  id: sparkplugIdSchema,
  name: z.string().min(1).optional(),
  /** The broker the lines publish to and the overview reads; SCADA_MQTT_URL overrides it. */
  brokerUrl: brokerUrlSchema,
  /** The Sparkplug group of the site's lines. */
  groupId: sparkplugIdSchema.default("htr-site"),
  /** One InfluxDB for every line (INFLUX_URL of each); absent: site:demo starts one managed influxd. */
  influxUrl: influxUrlSchema.optional(),
  /** The plc-config the derived line configs are made from (relative to this file); default: its directory. */
  baseConfigDir: z.string().min(1).default("."),
  /** The site overview's HTTP server. */
  overview: z
    .strictObject({ port: z.number().int().min(0).max(65535).default(8090), host: z.string().min(1).default("127.0.0.1") })
    .default({ port: 8090, host: "127.0.0.1" }),
  /** The metric shown as the line speed: a tag of one Sparkplug device (a station). */
  speedMetric: z
    .strictObject({ device: sparkplugIdSchema.default("feed"), metric: z.string().min(1).default("feed.web_speed") })
    .default({ device: "feed", metric: "feed.web_speed" }),
});

export const siteFileSchema = z.strictObject({
  site: siteSettingsSchema,
  lines: z.array(siteLineSchema).min(1),
});
export type SiteFile = z.infer<typeof siteFileSchema>;
