import { z } from "zod";
import { equipmentSchema, idSchema, lineFileSchema, stationSchema } from "./line-schema.js";
import {
  devicesFileSchema,
  modbusRtuDeviceSchema,
  modbusTcpDeviceSchema,
  opcuaDeviceSchema,
  scadaHeartbeatSchema,
} from "./device-schema.js";
import { wordOrderSchema } from "../tags/word-order.js";
import { modbusAddressSchema, QUANTITY_UNITS, scalingSchema, tagSchema, tagsFileSchema } from "../tags/tag-schema.js";
import {
  bypassPolicySchema,
  compareConditionSchema,
  conditionSchema,
  effectsSchema,
  interlockSchema,
  interlockSettingsSchema,
  interlocksFileSchema,
  plcTripSchema,
  tagWriteSchema,
  valueRefSchema,
} from "../interlocks/interlock-schema.js";
import { INTERLOCK_RECIPE_PARAMETERS } from "../interlocks/interlock-recipe-parameters.js";
import { alarmsFileSchema } from "../alarms/alarm-schema.js";
import { northboundFileSchema } from "./northbound-schema.js";
import { siteFileSchema, siteLineSchema, siteSettingsSchema } from "./site-schema.js";

/**
 * JSON Schemas for the plc-config YAML files, generated from the zod schemas the loader validates with, so
 * YAML editors (yaml-language-server: `# yaml-language-server: $schema=…`) complete and check as you type.
 * Written to plc-config/schema/ by scripts/gen-config-schema.ts; a unit test keeps the files in step.
 *
 * What a schema of one file cannot say (unknown devices and stations, overlapping Modbus addresses, …) is
 * checked by `htr-scada check-config`.
 */

/** `id` names a recursive schema's entry under `definitions` (the interlock condition). */
type Doc = { id?: string; title?: string; description?: string };

/** Attaches a title or description to one zod schema. */
type AddDoc = (schema: z.ZodType, doc: Doc) => void;

/** devices.yaml: the devices and their fields (the SCADA heartbeat included). */
function documentDevices(add: AddDoc): void {
  add(devicesFileSchema.shape.devices, { description: "The PLCs and I/O devices the SCADA talks to." });
  add(opcuaDeviceSchema, { title: "OPC UA device" });
  add(modbusTcpDeviceSchema, { title: "Modbus TCP device" });
  add(modbusRtuDeviceSchema, { title: "Modbus RTU device" });
  for (const device of [opcuaDeviceSchema, modbusTcpDeviceSchema, modbusRtuDeviceSchema]) {
    const s = device.shape;
    add(s.protocol, { description: "How the SCADA talks to the device." });
    add(s.heartbeatTag, { description: "Tag name of the PLC's heartbeat counter (increments every 100 ms)." });
    add(s.scadaHeartbeat, {
      description: "The SCADA's heartbeat to the PLC's watchdog (docs/plc-watchdog.md); absent: the SCADA writes none.",
    });
    add(s.timeoutMs, { description: "Every request times out after this long, ms." });
    add(s.reconnect, { description: "Reconnect backoff: the first retry after initialMs, later ones further apart, never more than maxMs." });
  }
  const opcua = opcuaDeviceSchema.shape;
  add(scadaHeartbeatSchema, { title: "SCADA heartbeat" });
  add(scadaHeartbeatSchema.shape.tag, { description: "A writable integer tag of this device: the SCADA writes an incrementing counter to it." });
  add(scadaHeartbeatSchema.shape.periodMs, { description: "The SCADA writes the next count every periodMs, ms." });
  add(scadaHeartbeatSchema.shape.timeoutMs, {
    description:
      "The PLC trips 'SCADA lost' when the counter has not changed for this long while heating or running, ms (what the PLC program is set to; at least 3 periods).",
  });
  add(opcua.endpoint, { description: "Server endpoint, e.g. opc.tcp://127.0.0.1:4840." });
  add(opcua.user, { description: "Anonymous when absent; the password is read from the named environment variable." });
  add(opcua.acceptUnknownCertificate, { description: "Trust any server certificate shown (lab use only; default false: an unknown server is refused until its certificate is trusted on purpose)." });
  add(opcua.publishingIntervalMs, { description: "Subscription publishing interval, ms." });
  add(opcua.exceptionPublishingIntervalMs, { description: "Publishing interval, ms, of a second subscription that carries the tags with `sampling: exception` (the trip path); absent: one subscription for every tag." });
  for (const device of [modbusTcpDeviceSchema, modbusRtuDeviceSchema]) {
    add(device.shape.unitId, { description: "Modbus unit (slave) id." });
    add(device.shape.wordOrder, { description: "Default word order of 32-bit values; a tag may override it." });
    add(device.shape.maxGap, { description: "Largest gap of unused registers a read may span to merge two blocks." });
  }
  add(modbusRtuDeviceSchema.shape.path, { description: "Serial port, e.g. /dev/ttyUSB0." });
  add(wordOrderSchema, {
    description: "Byte order of a 32-bit value: ABCD big-endian, CDAB word-swapped, BADC byte-swapped, DCBA little-endian.",
  });
}

/** site.yaml: the site, its broker and InfluxDB, the overview, the lines. */
function documentSite(add: AddDoc): void {
  const site = siteSettingsSchema.shape;
  add(siteFileSchema.shape.site, { title: "Site", description: "The site as a whole: its id, the MQTT broker every line publishes to and the overview reads (brokerUrl; SCADA_MQTT_URL overrides it), Sparkplug group, InfluxDB and overview." });
  // (id and brokerUrl share the northbound.yaml schemas, which carry no description of their own.)
  add(site.groupId, { description: "The Sparkplug group of the site's lines." });
  add(site.influxUrl, { description: "One InfluxDB 1.x for every line (each line's INFLUX_URL); unset: site:demo starts one managed influxd." });
  add(site.baseConfigDir, { description: "The plc-config the lines' configs are derived from, relative to this file (default: its directory)." });
  add(site.overview, { description: "The site overview's HTTP server (htr-scada site)." });
  add(site.speedMetric, { description: "The tag shown as the line speed: a metric of one Sparkplug device (station)." });
  add(siteFileSchema.shape.lines, { description: "The lines of the site, each its own SCADA process." });
  const line = siteLineSchema.shape;
  add(siteLineSchema, { title: "Site line" });
  add(line.id, { description: "The line id: line.yaml's line.id and the Sparkplug edge node id." });
  add(line.httpPort, { description: "HTTP port of the line's HMI and API." });
  add(line.hmiUrl, { description: "Where the overview links to (default http://127.0.0.1:<httpPort>/)." });
  add(line.plant, { description: "The ports of the line's virtual plant (the demo); written into its derived devices.yaml." });
  add(line.configDir, { description: "The line's own plc-config, used as it is (line id = this id, group = the site's); absent: derived from baseConfigDir." });
}

/** Titles and descriptions, attached to the zod schemas the config is validated with (without changing them). */
function documentation(): z.core.$ZodRegistry<Doc> {
  const docs = z.registry<Doc>();
  const add = (schema: z.ZodType, doc: Doc): void => {
    docs.add(schema, doc);
  };

  // line.yaml
  const lineShape = lineFileSchema.shape.line.shape;
  add(lineFileSchema.shape.line, { title: "Line", description: "The production line as a whole." });
  add(lineShape.name, { description: "Name shown on the HMI." });
  add(lineShape.webWidth, { description: "Width of the carbon-cloth web, metres." });
  add(lineFileSchema.shape.stations, { description: "Stations, upstream → downstream." });
  add(stationSchema, { title: "Station" });
  add(stationSchema.shape.from, { description: "Start of the station, metres of web path from the unwinder nip." });
  add(stationSchema.shape.to, { description: "End of the station, metres of web path from the unwinder nip." });
  add(stationSchema.shape.equipment, { description: "Equipment of the station, with its position on the web path." });
  add(equipmentSchema, { title: "Equipment" });
  add(equipmentSchema.shape.position, { description: "Metres of web path from the unwinder nip." });

  documentDevices(add);
  documentSite(add);

  // tags/*.yaml
  const tag = tagSchema.shape;
  add(tagsFileSchema.shape.tags, { description: "Tags of one station (or one device)." });
  add(tagSchema, { title: "Tag" });
  add(tag.name, { description: "Unique name '<station-or-device>.<signal>', e.g. 'htr.web_temp'." });
  add(tag.station, { description: "Station id from line.yaml; absent for device-level tags such as a heartbeat." });
  add(tag.device, { description: "Device id from devices.yaml." });
  add(tag.type, { description: "PLC data type. Over Modbus, 32-bit types take two registers; bool lives on a coil or discrete input." });
  add(tag.nodeId, { description: "OPC UA NodeId, for tags of an OPC UA device, e.g. \"ns=1;s=HTR.WebTemp\"." });
  add(tag.modbus, { description: "Register or coil, for tags of a Modbus device." });
  add(modbusAddressSchema.shape.table, { description: "coil and holding are read/write; discrete and input are read-only." });
  add(modbusAddressSchema.shape.address, { description: "Zero-based address, 0..65535." });
  add(modbusAddressSchema.shape.wordOrder, { description: "Overrides the device's word order for this 32-bit value." });
  add(tag.quantity, { description: "Physical quantity; it fixes the units." });
  add(tag.units, {
    description: `Engineering units; must be the quantity's: ${Object.entries(QUANTITY_UNITS)
      .map(([q, u]) => `${q} '${u}'`)
      .join(", ")}.`,
  });
  add(scalingSchema, { description: "Raw → engineering linear scaling; identity when absent. Neither span may be zero." });
  add(tag.range, { description: "Engineering range: writes outside it are refused; values outside it are flagged Uncertain." });
  add(tag.updateMs, { description: "Expected update period, ms: OPC UA sampling interval, Modbus poll period, staleness reference." });
  add(tag.deadband, { description: "Changes smaller than this (engineering units) are not reported." });
  add(tag.writable, { description: "The SCADA may write this tag (never on discrete inputs or input registers)." });
  // interlocks.yaml
  const il = interlockSchema.shape;
  const settings = interlockSettingsSchema.unwrap().shape;
  add(interlocksFileSchema.shape.settings, { title: "Settings", description: "Rules common to every interlock." });
  add(settings.notGoodTripAfterMs, {
    description: "A trip whose cause depends on a value that is not Good trips after this long, ms (IL-08: 250).",
  });
  add(settings.maxBypassMinutes, { description: "No bypass may last longer, minutes." });
  add(settings.resetWrites, { description: "Written on every interlock reset command, e.g. the PLC's trip-reset bit." });
  add(interlocksFileSchema.shape.interlocks, { description: "The cause → effect matrix, IL-01 …" });
  add(interlockSchema, { title: "Interlock" });
  add(il.id, { description: "Id such as IL-01; unique." });
  add(il.kind, {
    description:
      "trip: latches, writes its effects once and commands the line; reset needs the cause cleared. permissive: blocks a start while its cause holds. trip+permissive: both.",
  });
  add(il.while, { description: "The cause counts only while this holds, e.g. heater enabled or line running." });
  add(il.onDelayMs, { description: "The cause must hold this long before it acts, ms." });
  add(effectsSchema.shape.writes, { description: "Written to the PLC once, on the trip edge." });
  add(effectsSchema.shape.line, { description: "Command sent to the line on the trip edge." });
  add(effectsSchema.shape.blocksStart, { description: "What may not start while a permissive is missing (or a trip+permissive is tripped)." });
  add(tagWriteSchema, { title: "Write" });
  // (tag fields share the tag-name schema of tags/*.yaml, which carries its own description.)
  add(plcTripSchema, { title: "PLC trip", description: "The PLC's own hard trip, which must confirm this one: `tag` is its trip word (an integer tag)." });
  add(plcTripSchema.shape.bit, { description: "Bit of the trip word the PLC sets for this trip." });
  add(plcTripSchema.shape.confirmMs, { description: "The bit must come within this long of the PLC's cause, ms; else 'trip not confirmed'." });
  add(plcTripSchema.shape.cause, { description: "The PLC's own trip condition, when it differs from the interlock's cause." });
  add(bypassPolicySchema, { title: "Bypass", description: "Whether an operator may bypass it (time-limited, with reason)." });
  add(bypassPolicySchema.shape.maxMinutes, { description: "Longest bypass, minutes (default and ceiling: settings.maxBypassMinutes)." });
  add(conditionSchema, {
    id: "condition",
    title: "Condition",
    description:
      "When the interlock acts (for a permissive: when it is missing). One of: {tag, op, value}; {all: [...]}; {any: [...]}; {not: ...}; {notGood: [tags], forMs}; {heartbeatStale: [devices]}; {recipeNotVerified: true}; {line: running|heating}.",
  });
  add(compareConditionSchema, { title: "Comparison" });
  add(valueRefSchema, {
    title: "Recipe value",
    description: `clamp(recipe parameter × times + plus, min, max); fallback without a recipe. Parameters: ${Object.keys(INTERLOCK_RECIPE_PARAMETERS).join(", ")}.`,
  });

  // One schema instance serves every id (line, station, equipment, device), so it gets one description.
  add(idSchema, { description: "Id: lower-case letters, digits and '-', starting with a letter." });
  return docs;
}

type JsonObject = Record<string, unknown>;

/** `units` must be the quantity's units: one if/then per quantity, so an editor flags 'degC' on a temperature. */
function unitsFollowQuantity(): JsonObject[] {
  return Object.entries(QUANTITY_UNITS).map(([quantity, units]) => ({
    if: { properties: { quantity: { const: quantity } }, required: ["quantity"] },
    then: { properties: { units: { const: units } } },
  }));
}

function generate(schema: z.ZodType, title: string, description: string, docs: z.core.$ZodRegistry<Doc>): JsonObject {
  const json = z.toJSONSchema(schema, {
    io: "input", // fields with a default are optional in the file
    target: "draft-07", // what yaml-language-server understands best
    metadata: docs,
    override: ({ zodSchema, jsonSchema }) => {
      // z.number().int() says "any safe integer"; that is no limit worth showing in an editor.
      if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum;
      if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
      if (zodSchema === modbusAddressSchema.shape.address) {
        // The loader reports out-of-range addresses with a clearer message; the editor can flag them early.
        jsonSchema.minimum = 0;
        jsonSchema.maximum = 65535;
      }
      if (zodSchema === tagSchema) jsonSchema.allOf = unitsFollowQuantity();
    },
  }) as JsonObject;
  const { $schema, ...rest } = json;
  return { $schema, title, description, ...rest };
}

/** The three JSON Schemas, keyed by their file name in plc-config/schema/. */
export function configJsonSchemas(): { "line.schema.json": object; "devices.schema.json": object; "tags.schema.json": object } {
  const docs = documentation();
  return {
    "line.schema.json": generate(lineFileSchema, "HTR line: line.yaml", "The line and its stations, upstream → downstream.", docs),
    "devices.schema.json": generate(devicesFileSchema, "HTR line: devices.yaml", "PLCs and I/O devices (OPC UA, Modbus TCP, Modbus RTU).", docs),
    "tags.schema.json": generate(tagsFileSchema, "HTR line: tags/*.yaml", "Tags of one station: where each value lives and what it means.", docs),
  };
}

/** The JSON Schema of interlocks.yaml (plc-config/schema/interlocks.schema.json). */
export function interlocksJsonSchema(): object {
  return generate(
    interlocksFileSchema,
    "HTR line: interlocks.yaml",
    "Interlocks: cause → effect, trips and permissives, PLC trip confirmation and bypass rules.",
    documentation(),
  );
}

/** The JSON Schema of alarms.yaml (plc-config/schema/alarms.schema.json). */
export function alarmsJsonSchema(): object {
  return generate(
    alarmsFileSchema,
    "HTR line: alarms.yaml",
    "Alarms (ISA-18.2): analog limits, deviation from the recipe, rate, discrete, interlock, PLC trip, link, historian and security (login lockout, audit trail fault) alarms.",
    documentation(),
  );
}

/** The JSON Schema of northbound.yaml (plc-config/schema/northbound.schema.json). */
export function northboundJsonSchema(): object {
  return generate(
    northboundFileSchema,
    "HTR line: northbound.yaml",
    "The line as an MQTT Sparkplug B edge node: broker (SCADA_MQTT_URL overrides it), group and edge node ids, tick, TLS, credentials from environment variables.",
    documentation(),
  );
}

/** The JSON Schema of site.yaml (plc-config/schema/site.schema.json). */
export function siteJsonSchema(): object {
  return generate(siteFileSchema, "HTR site: site.yaml", "A site of several lines: broker (SCADA_MQTT_URL overrides it), Sparkplug group, one InfluxDB, the overview, and each line with its HTTP port and virtual plant ports.", documentation());
}

/** Every JSON Schema of plc-config/schema/, keyed by file name (what scripts/gen-config-schema.ts writes). */
export function allConfigJsonSchemas(): Record<string, object> {
  return {
    ...configJsonSchemas(),
    "interlocks.schema.json": interlocksJsonSchema(),
    "alarms.schema.json": alarmsJsonSchema(),
    "northbound.schema.json": northboundJsonSchema(),
    "site.schema.json": siteJsonSchema(),
  };
}

/** A schema file's text as written to disk: two-space JSON with a trailing newline. */
export function formatJsonSchema(schema: object): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}
