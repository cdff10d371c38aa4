import { z } from "zod";
import { idSchema } from "./line-schema.js";

import { wordOrderSchema } from "../tags/word-order.js";

const reconnectSchema = z
  .strictObject({
    initialMs: z.number().int().min(10).default(250),
    maxMs: z.number().int().min(100).default(5000),
  })
  .default({ initialMs: 250, maxMs: 5000 });

/**
 * The SCADA's heartbeat to the PLC's watchdog (docs/plc-watchdog.md): the SCADA writes an incrementing
 * counter to `tag` every `periodMs`; the PLC program trips "SCADA lost" when it has not changed for
 * `timeoutMs` while heating or running. `timeoutMs` states what the PLC program is set to (the virtual plant
 * takes it from here).
 */
export const scadaHeartbeatSchema = z.strictObject({
  /** A writable integer tag of this device. */
  tag: z.string().min(1),
  periodMs: z.number().int().min(10).max(10_000).default(100),
  timeoutMs: z.number().int().min(50).max(60_000).default(1000),
});
export type ScadaHeartbeatConfig = z.infer<typeof scadaHeartbeatSchema>;

const common = {
  id: idSchema,
  description: z.string().default(""),
  /** Tag name of the PLC's heartbeat counter (increments every 100 ms). */
  heartbeatTag: z.string().min(1),
  /**
   * How often the PLC increments its heartbeat counter, ms: staleness is judged against it. Sample the
   * heartbeat tag faster (updateMs ≤ half of it) so every count is seen and history can prove none is lost.
   */
  heartbeatPeriodMs: z.number().int().min(10).max(60_000).default(100),
  /** The SCADA's heartbeat to the PLC's watchdog; absent: the SCADA writes none. */
  scadaHeartbeat: scadaHeartbeatSchema.optional(),
  /** Every request times out after this long. */
  timeoutMs: z.number().int().min(10).max(60_000).default(1000),
  reconnect: reconnectSchema,
};

export const opcuaDeviceSchema = z.strictObject({
  ...common,
  protocol: z.literal("opcua"),
  endpoint: z.string().regex(/^opc\.tcp:\/\/[^/\s]+(:\d+)?(\/.*)?$/, "must be an opc.tcp:// URL"),
  securityMode: z.enum(["None", "Sign", "SignAndEncrypt"]).default("None"),
  securityPolicy: z
    .enum(["None", "Basic256Sha256", "Aes128_Sha256_RsaOaep", "Aes256_Sha256_RsaPss"])
    .default("None"),
  /** Anonymous when absent; the password is read from the named environment variable. */
  user: z.strictObject({ username: z.string().min(1), passwordEnv: z.string().min(1) }).optional(),
  /**
   * Trust any server certificate it is shown (lab use only): off by default, so an unknown server is refused
   * until someone trusts its certificate on purpose (HMI Devices page, or `htr-scada certs trust`). Only
   * Sign / SignAndEncrypt check the certificate at all (securityMode None authenticates nothing).
   */
  acceptUnknownCertificate: z.boolean().default(false),
  publishingIntervalMs: z.number().int().min(10).default(50),
  /**
   * The tags monitored exception-based (`sampling: exception`, the trip path's) go into a subscription of
   * their own with this publishing interval, ms, so a change waits at most this long in the server: with one
   * subscription it waits up to a whole `publishingIntervalMs`. Absent: one subscription for every tag. The
   * server revises it to the fastest it supports (logged when the link opens).
   */
  exceptionPublishingIntervalMs: z.number().int().min(1).optional(),
});

const modbusCommon = {
  ...common,
  unitId: z.number().int().min(0).max(255).default(1),
  /** Default word order of 32-bit values; a tag may override it. */
  wordOrder: wordOrderSchema.default("ABCD"),
  /** Largest gap of unused registers a read may span to merge two blocks. */
  maxGap: z.number().int().min(0).max(124).default(8),
};

export const modbusTcpDeviceSchema = z.strictObject({
  ...modbusCommon,
  protocol: z.literal("modbus-tcp"),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
});

export const modbusRtuDeviceSchema = z.strictObject({
  ...modbusCommon,
  protocol: z.literal("modbus-rtu"),
  path: z.string().min(1),
  baudRate: z.number().int().positive().default(19200),
  parity: z.enum(["none", "even", "odd"]).default("even"),
  dataBits: z.union([z.literal(7), z.literal(8)]).default(8),
  stopBits: z.union([z.literal(1), z.literal(2)]).default(1),
});

export const deviceSchema = z.discriminatedUnion("protocol", [
  opcuaDeviceSchema,
  modbusTcpDeviceSchema,
  modbusRtuDeviceSchema,
]);

export const devicesFileSchema = z.strictObject({ devices: z.array(deviceSchema).min(1) });

export type DeviceConfig = z.infer<typeof deviceSchema>;
export type OpcuaDeviceConfig = z.infer<typeof opcuaDeviceSchema>;
export type ModbusTcpDeviceConfig = z.infer<typeof modbusTcpDeviceSchema>;
export type ModbusRtuDeviceConfig = z.infer<typeof modbusRtuDeviceSchema>;
export type ModbusDeviceConfig = ModbusTcpDeviceConfig | ModbusRtuDeviceConfig;
