import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { TagSink } from "../core/tag-sink.js";
import type { TagConfig } from "../tags/tag-schema.js";
import type { DriverObserver } from "./driver-port.js";

/** What every device driver is built from (a protocol's driver may ask for more). */
export interface DriverOptions<Device> {
  readonly device: Device;
  /** This device's tags only. */
  readonly tags: readonly TagConfig[];
  readonly sink: TagSink;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly observer?: DriverObserver;
}

/** A repeating condition (PLC down, a block failing) logs at most once per this interval. */
export const DRIVER_LOG_INTERVAL_MS = 30_000;
