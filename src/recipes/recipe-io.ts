/**
 * The PLC access recipes need: write a setpoint, read it back fresh. The shapes are those of the driver port
 * (src/drivers/driver-port.ts: WriteResult, ReadResult, DeviceDriver), declared here because a pure domain
 * does not import drivers; every DeviceDriver is a RecipeDevice (a type test keeps it so).
 */
import type { TagScalar } from "../core/tag-value.js";
import type { TagConfig } from "../tags/tag-schema.js";

export interface RecipeWriteResult {
  readonly ok: boolean;
  readonly status: string;
  readonly roundTripMs: number;
}

export interface RecipeReadResult {
  readonly ok: boolean;
  readonly value: TagScalar | null;
  readonly status: string;
  readonly roundTripMs: number;
}

/** Write and read-back of tags by name, in engineering units. Neither rejects on a communication failure. */
export interface RecipeIO {
  write(tag: string, value: TagScalar): Promise<RecipeWriteResult>;
  read(tag: string): Promise<RecipeReadResult>;
}

/** What recipes need of a device driver. */
export interface RecipeDevice {
  readonly deviceId: string;
  write(tagName: string, value: TagScalar): Promise<RecipeWriteResult>;
  read(tagName: string): Promise<RecipeReadResult>;
}

/** RecipeIO over the runtime's drivers: each tag goes to the driver of its device. */
export function recipeIoOver(drivers: readonly RecipeDevice[], tags: readonly TagConfig[]): RecipeIO {
  const deviceOf = new Map(tags.map((t) => [t.name, t.device]));
  const driverOf = new Map(drivers.map((d) => [d.deviceId, d]));
  const route = (tag: string): RecipeDevice | string => {
    const device = deviceOf.get(tag);
    if (device === undefined) return `unknown tag '${tag}'`;
    return driverOf.get(device) ?? `no driver for device '${device}'`;
  };
  const failure = (err: unknown): string => `driver failed: ${err instanceof Error ? err.message : String(err)}`;
  return {
    async write(tag, value) {
      const driver = route(tag);
      if (typeof driver === "string") return { ok: false, status: driver, roundTripMs: 0 };
      try {
        return await driver.write(tag, value);
      } catch (err) {
        return { ok: false, status: failure(err), roundTripMs: 0 };
      }
    },
    async read(tag) {
      const driver = route(tag);
      if (typeof driver === "string") return { ok: false, value: null, status: driver, roundTripMs: 0 };
      try {
        return await driver.read(tag);
      } catch (err) {
        return { ok: false, value: null, status: failure(err), roundTripMs: 0 };
      }
    },
  };
}
