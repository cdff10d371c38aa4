/**
 * The SCADA's heartbeat to each PLC's watchdog (docs/plc-watchdog.md): every `periodMs` the next count goes
 * to the device's `scadaHeartbeat.tag` through the one TagWriter (the runtime's TagRouter). A PLC that sees
 * the count stand still for its timeout while heating or running protects itself and latches "SCADA lost".
 *
 * - Fire and forget, never overlapping per device: while a device's write is in flight its next tick is
 *   skipped (counted), so a slow link never queues heartbeats behind each other.
 * - Failures never throw and never storm the log: at debug level until the device has taken a first write
 *   (the boot, a PLC not yet up), then a warning at most once per `logIntervalMs` per device with the count
 *   of those not logged, and one info line when writes get through again.
 * - The count advances on every attempt, also a failed one (a write that timed out may still have landed).
 */
import { type Clock, systemClock } from "../core/clock.js";
import type { Component } from "../core/component.js";
import { FloodGate, type Logger } from "../core/logger.js";
import type { TagWriter, WriteResult } from "../core/tag-io.js";
import { type ScadaHeartbeatTarget, nextHeartbeatCount } from "./scada-heartbeat-count.js";

/** The timers the writer runs on (injectable: tests fire the ticks by hand). */
export interface IntervalTimers {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

const nodeTimers: IntervalTimers = {
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

/** A device whose heartbeat writes keep failing is logged at most this often, ms. */
export const HEARTBEAT_FAILURE_LOG_MS = 60_000;

export interface ScadaHeartbeatWriterOptions {
  readonly targets: readonly ScadaHeartbeatTarget[];
  readonly writer: TagWriter;
  readonly logger: Logger;
  readonly clock?: Clock;
  readonly timers?: IntervalTimers;
  /** Default HEARTBEAT_FAILURE_LOG_MS. */
  readonly logIntervalMs?: number;
}

/** One device's heartbeat, as the writer sees it (GET /metrics, tests). */
export interface ScadaHeartbeatStatus {
  readonly device: string;
  readonly tag: string;
  /** The last count written (or tried). */
  readonly count: number;
  readonly writes: number;
  readonly failures: number;
  /** Ticks skipped because the previous write was still in flight. */
  readonly skipped: number;
  /** The device has taken at least one heartbeat write. */
  readonly reached: boolean;
  /** The last write's status ("Good", or what went wrong); null before the first. */
  readonly lastStatus: string | null;
}

interface Beat {
  readonly target: ScadaHeartbeatTarget;
  count: number;
  writes: number;
  failures: number;
  skipped: number;
  reached: boolean;
  /** The last write failed (after the device was reached): the next success is logged. */
  failing: boolean;
  lastStatus: string | null;
  inFlight: Promise<void> | undefined;
  timer: unknown;
}

export class ScadaHeartbeatWriter implements Component {
  readonly name = "scada heartbeat";
  private readonly beats: Beat[];
  private readonly log: Logger;
  private readonly timers: IntervalTimers;
  private readonly flood: FloodGate;
  private running = false;

  constructor(private readonly options: ScadaHeartbeatWriterOptions) {
    for (const t of options.targets) {
      if (!(t.periodMs > 0)) throw new RangeError(`scada heartbeat of ${t.device}: periodMs must be positive (got ${t.periodMs})`);
    }
    this.beats = options.targets.map((target) => ({
      target,
      count: 0,
      writes: 0,
      failures: 0,
      skipped: 0,
      reached: false,
      failing: false,
      lastStatus: null,
      inFlight: undefined,
      timer: undefined,
    }));
    this.log = options.logger.child({ module: "scada-heartbeat" });
    this.timers = options.timers ?? nodeTimers;
    const clock = options.clock ?? systemClock;
    this.flood = new FloodGate(options.logIntervalMs ?? HEARTBEAT_FAILURE_LOG_MS, () => clock.now());
  }

  /** Writes the first count to every device at once, then one every periodMs. */
  start(): void {
    if (this.running) return;
    this.running = true;
    for (const b of this.beats) {
      b.timer = this.timers.setInterval(() => this.tick(b), b.target.periodMs);
      this.tick(b);
    }
  }

  /** Stops the timers and waits for the writes in flight (so none reaches a driver being stopped). */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const b of this.beats) {
      this.timers.clearInterval(b.timer);
      b.timer = undefined;
    }
    await Promise.all(this.beats.map((b) => b.inFlight));
  }

  status(): ScadaHeartbeatStatus[] {
    return this.beats.map((b) => ({
      device: b.target.device,
      tag: b.target.tag,
      count: b.count,
      writes: b.writes,
      failures: b.failures,
      skipped: b.skipped,
      reached: b.reached,
      lastStatus: b.lastStatus,
    }));
  }

  private tick(b: Beat): void {
    if (!this.running) return;
    if (b.inFlight !== undefined) {
      b.skipped += 1;
      return;
    }
    const value = nextHeartbeatCount(b.count, b.target.modulus);
    b.count = value;
    b.writes += 1;
    let write: Promise<WriteResult>;
    try {
      write = this.options.writer.write(b.target.tag, value);
    } catch (err) {
      write = Promise.reject(err);
    }
    b.inFlight = write
      .catch((err: unknown): WriteResult => ({ ok: false, status: `writer failed: ${err instanceof Error ? err.message : String(err)}`, roundTripMs: 0 }))
      .then((r) => this.settle(b, value, r))
      .catch((err: unknown) => this.log.error({ err: String(err), device: b.target.device }, "SCADA heartbeat bookkeeping failed"))
      .finally(() => {
        b.inFlight = undefined;
      });
  }

  private settle(b: Beat, value: number, r: WriteResult): void {
    b.lastStatus = r.status;
    const { device, tag, timeoutMs } = b.target;
    const key = device;
    if (r.ok) {
      if (b.failing) this.log.info({ device, tag, value }, `SCADA heartbeat to ${device} gets through again`);
      else if (!b.reached) this.log.debug({ device, tag, value }, `SCADA heartbeat to ${device} running`);
      b.reached = true;
      b.failing = false;
      this.flood.reset(key);
      return;
    }
    b.failures += 1;
    if (!b.reached) {
      // The boot, or a PLC not up yet: the driver reports the link; this is no news.
      this.log.debug({ device, tag, status: r.status }, `SCADA heartbeat to ${device} not written yet`);
      return;
    }
    b.failing = true;
    const suppressed = this.flood.pass(key);
    if (suppressed >= 0) {
      this.log.warn(
        { device, tag, value, status: r.status, suppressed },
        `SCADA heartbeat write to ${device} failed: its watchdog trips "SCADA lost" after ${timeoutMs} ms without one while heating or running`,
      );
    }
  }
}
