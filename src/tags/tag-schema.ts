import { z } from "zod";
import { wordOrderSchema } from "./word-order.js";

export const TAG_TYPES = ["bool", "int16", "uint16", "int32", "uint32", "float32", "float64"] as const;
export type TagType = (typeof TAG_TYPES)[number];

/** Each quantity has one engineering unit on this line; a tag's units must be it. */
export const QUANTITY_UNITS = {
  temperature: "K",
  flow: "L/min",
  concentration: "ppm",
  speed: "m/min",
  force: "N",
  length: "m",
  level: "%",
  mass_rate: "g/min",
  areal_density: "mg/cm²",
  voltage: "V",
  current: "A",
  power: "kW",
  conductivity: "µS/cm",
  time: "s",
  count: "",
  state: "",
  id: "",
} as const;
export type Quantity = keyof typeof QUANTITY_UNITS;

export const tagNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]*\.[a-z][a-z0-9_]*$/, "must look like '<station-or-device>.<signal>', e.g. 'htr.web_temp'");

export const modbusAddressSchema = z.strictObject({
  table: z.enum(["coil", "discrete", "holding", "input"]),
  address: z.number().int(),
  /** Overrides the device's word order for this 32-bit value. */
  wordOrder: wordOrderSchema.optional(),
});
export type ModbusAddress = z.infer<typeof modbusAddressSchema>;

export const scalingSchema = z.strictObject({
  rawMin: z.number(),
  rawMax: z.number(),
  engMin: z.number(),
  engMax: z.number(),
});
export type Scaling = z.infer<typeof scalingSchema>;

export const tagSchema = z.strictObject({
  name: tagNameSchema,
  description: z.string().default(""),
  station: z.string().optional(),
  device: z.string().min(1),
  type: z.enum(TAG_TYPES),
  /** OPC UA NodeId, for tags of an OPC UA device. */
  nodeId: z.string().min(1).optional(),
  /** Register or coil, for tags of a Modbus device. */
  modbus: modbusAddressSchema.optional(),
  quantity: z.enum(Object.keys(QUANTITY_UNITS) as [Quantity, ...Quantity[]]),
  units: z.string(),
  /** Raw → engineering linear scaling; identity when absent. */
  scaling: scalingSchema.optional(),
  /** Engineering range: writes outside it are refused; values outside it are flagged Uncertain. */
  range: z.strictObject({ min: z.number(), max: z.number() }).optional(),
  /** Expected update period in ms: OPC UA sampling interval, Modbus poll period, staleness reference. */
  updateMs: z.number().int().min(10).max(3_600_000),
  /**
   * OPC UA monitoring of this tag: `periodic` (default) samples it every updateMs; `exception` asks the server
   * for exception-based monitoring (sampling interval 0: a notification for every change the server makes,
   * with no sampling delay) where the server supports it — for the trip path's tags. updateMs stays the
   * staleness reference. Ignored for Modbus tags (they are polled).
   */
  sampling: z.enum(["periodic", "exception"]).optional(),
  /** Changes smaller than this (engineering units) are not reported. */
  deadband: z.number().min(0).optional(),
  writable: z.boolean().default(false),
  /** What the historian stores of this tag (default: every change the table reports). */
  history: z
    .strictObject({
      /** change: on change beyond the deadband; period: the current value every periodMs; off: not stored. */
      mode: z.enum(["change", "period", "off"]).default("change"),
      /** change mode: a move smaller than this since the last stored value is not stored (engineering units). */
      deadband: z.number().min(0).optional(),
      /** period mode: the sampling period, ms. */
      periodMs: z.number().int().min(10).max(86_400_000).optional(),
      /** change mode: at most this many points per second; the latest held-back value is stored at the end of the interval. */
      maxRateHz: z.number().positive().max(1000).optional(),
    })
    .optional(),
});

export const tagsFileSchema = z.strictObject({ tags: z.array(tagSchema) });

export type TagConfig = z.infer<typeof tagSchema>;
