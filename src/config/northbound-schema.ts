/**
 * plc-config/northbound.yaml: the line as a Sparkplug B edge node on the plant's MQTT broker (optional: off
 * when neither this file's brokerUrl nor SCADA_MQTT_URL is set). Credentials never live here: they come
 * from the environment variables the file names.
 */
import { z } from "zod";
import { USER_NAME_PATTERN } from "../auth/user-name.js";

/** A Sparkplug id is one MQTT topic level: no '/', '+', '#' (and no spaces, which hosts handle badly). */
export const sparkplugIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[^/+#\s]+$/, "must not contain '/', '+', '#' or spaces (a Sparkplug id is one MQTT topic level)");

export const brokerUrlSchema = z.string().regex(/^(mqtt|mqtts|tcp|ssl|ws|wss):\/\/[^\s/]+/, "must be a broker URL: mqtt://host:port, mqtts://host:port (TLS), ws:// or wss://");

export const sparkplugSettingsSchema = z.strictObject({
  /** The broker; SCADA_MQTT_URL overrides it. */
  brokerUrl: brokerUrlSchema.optional(),
  /** Sparkplug group id: the site or area, shared by the lines of one site. */
  groupId: sparkplugIdSchema.default("htr-site"),
  /** Sparkplug edge node id; default: the line id (line.yaml). */
  edgeNodeId: sparkplugIdSchema.optional(),
  /**
   * The Primary Host Application (Sparkplug 3.0 STATE, e.g. the central Ignition gateway's host id): the node
   * publishes only while its retained `spBv1.0/STATE/<id>` says online, and keeps changes in the backlog
   * while it does not. Default: none (publish whenever connected).
   */
  primaryHostId: sparkplugIdSchema.optional(),
  /** How often changes are published (one DDATA per device per tick), ms. */
  tickMs: z.number().int().min(10).max(10_000).default(100),
  /** The environment variables holding the broker's user name and password (both optional). */
  usernameEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/).default("SCADA_MQTT_USERNAME"),
  passwordEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/).default("SCADA_MQTT_PASSWORD"),
  /** TLS for mqtts:// and wss://: files (PEM) relative to the config directory or absolute. */
  tls: z
    .strictObject({
      caFile: z.string().min(1).optional(),
      certFile: z.string().min(1).optional(),
      keyFile: z.string().min(1).optional(),
      rejectUnauthorized: z.boolean().default(true),
    })
    .optional(),
  /** Bound of the store-and-forward backlog on disk, MiB. */
  backlogMaxMiB: z.number().int().min(1).max(10_240).default(64),
  /**
   * DCMDs as operations (docs/northbound.md, "Commands from the north"): false (the default) refuses every
   * one, answered in Operation/Result and audited. True runs each Operation/Request as `commandUser`.
   */
  acceptCommands: z.boolean().default(false),
  /** The user (htr-scada users add) a DCMD acts as: its role's permissions, its name in the audit trail. */
  commandUser: z.string().regex(USER_NAME_PATTERN, "must be a user name (lower-case letters, digits, '.', '_', '-')").optional(),
  /** Only these operations may be asked from the north; default: every one that needs no e-signature. */
  commandOperations: z.array(z.string().regex(/^[a-z]+(\.[a-z-]+)+$/, "must be an operation name such as alarm.ack")).min(1).optional(),
}).superRefine((s, ctx) => {
  if (s.acceptCommands && s.commandUser === undefined) ctx.addIssue({ code: "custom", path: ["commandUser"], message: "acceptCommands needs the service user the commands act as (commandUser)" });
});
export type SparkplugSettings = z.infer<typeof sparkplugSettingsSchema>;

export const northboundFileSchema = z.strictObject({
  sparkplug: sparkplugSettingsSchema,
});
export type NorthboundFile = z.infer<typeof northboundFileSchema>;

/** With no northbound.yaml: SCADA_MQTT_URL alone turns the edge node on with these defaults. */
export const DEFAULT_SPARKPLUG_SETTINGS: SparkplugSettings = sparkplugSettingsSchema.parse({});
