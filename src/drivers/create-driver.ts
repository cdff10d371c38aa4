import type { DeviceConfig } from "../config/device-schema.js";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { TagConfig } from "../tags/tag-schema.js";
import type { TagSink } from "../core/tag-sink.js";
import type { DeviceDriver, DriverObserver } from "./driver-port.js";
import { ModbusDriver } from "./modbus/modbus-driver.js";
import { OpcuaDriver } from "./opcua/opcua-driver.js";

export interface DriverContext {
  readonly sink: TagSink;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly dataDir: string;
  readonly observer?: DriverObserver;
}

/** The one place that picks a driver by protocol. `tags` are the tags of this device only. */
export function createDriver(device: DeviceConfig, tags: readonly TagConfig[], ctx: DriverContext): DeviceDriver {
  const logger = ctx.logger.child({ module: "driver", device: device.id });
  const observer = ctx.observer === undefined ? {} : { observer: ctx.observer };
  if (device.protocol === "opcua") {
    return new OpcuaDriver({ device, tags, sink: ctx.sink, clock: ctx.clock, logger, dataDir: ctx.dataDir, ...observer });
  }
  return new ModbusDriver({ device, tags, sink: ctx.sink, clock: ctx.clock, logger, ...observer });
}
