/**
 * Modbus TCP / RTU driver (modbus-serial client).
 *
 * - Reads are planned by modbus-read-planner into blocks per table and poll group; one timer per group.
 * - Strictly one transaction in flight per link (ModbusLink's TransactionQueue); writes jump ahead of
 *   queued reads so a trip write never waits behind a poll cycle. A group whose poll is due while its
 *   previous poll is still queued or running counts an overrun and skips that poll (polls never pile up);
 *   the group's next poll then starts as soon as the running one ends.
 * - Every value is delivered Good with sourceTs = serverTs = time of receipt (Modbus has no time stamps).
 *   A failed block read marks that block's tags Bad with the reason; a lost connection marks ALL the
 *   device's tags Bad at once and reconnects forever with capped exponential backoff (modbus-link.ts).
 * - `read()` is one request for one tag (FC1–FC4 over exactly its coil / registers) through the same queue,
 *   in the normal lane: a recipe read-back never delays a trip write.
 * - Comm failures never throw: writes and reads resolve `{ ok: false, status }`.
 */
import { performance } from "node:perf_hooks";
import type { ModbusDeviceConfig } from "../../config/device-schema.js";
import type { Clock } from "../../core/clock.js";
import { FloodGate, type Logger } from "../../core/logger.js";
import type { ReadResult, WriteResult } from "../../core/tag-io.js";
import type { TagSink } from "../../core/tag-sink.js";
import { bad, GOOD, type Quality, type TagScalar, type TagUpdate } from "../../core/tag-value.js";
import type { TagConfig } from "../../tags/tag-schema.js";
import { deviceHealth } from "../device-health.js";
import { DRIVER_LOG_INTERVAL_MS, type DriverOptions } from "../driver-options.js";
import type { DeviceDriver, DeviceHealth, DriverObserver, DriverStats } from "../driver-port.js";
import { readWords } from "./modbus-client.js";
import { engineeringToWords, wordsToEngineering } from "./modbus-codec.js";
import { describeModbusError, LinkDownError } from "./modbus-errors.js";
import { ModbusLink } from "./modbus-link.js";
import { planReads, tagWidth, type PollGroup } from "./modbus-read-planner.js";

export type ModbusDriverOptions = DriverOptions<ModbusDeviceConfig>;

/** After a connect, every group polls at once: overruns within this long of it are counted but not logged. */
export const CONNECT_BURST_MS = 1000;

interface GroupState {
  readonly group: PollGroup;
  timer: NodeJS.Timeout | undefined;
  /** A poll of this group is queued or running. */
  busy: boolean;
  /** A tick found the group busy (an overrun): poll again as soon as the running poll ends. */
  late: boolean;
}

export class ModbusDriver implements DeviceDriver {
  readonly deviceId: string;
  private readonly device: ModbusDeviceConfig;
  private readonly tags: readonly TagConfig[];
  private readonly tagsByName: ReadonlyMap<string, TagConfig>;
  private readonly sink: TagSink;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly observer: DriverObserver | undefined;
  private readonly groups: GroupState[];
  private readonly referenceMs: number;
  private readonly flood: FloodGate;
  private readonly link: ModbusLink;

  private started = false;
  private stopped = false;
  private lastGoodTs: number | null = null;
  private counters = { overruns: 0, updates: 0 };
  /** When the link last came up (clock time; −∞ before the first connect). */
  private connectedAt = Number.NEGATIVE_INFINITY;

  constructor(options: ModbusDriverOptions) {
    this.device = options.device;
    this.deviceId = options.device.id;
    this.tags = options.tags;
    this.tagsByName = new Map(options.tags.map((t) => [t.name, t]));
    this.sink = options.sink;
    this.clock = options.clock;
    this.logger = options.logger;
    this.observer = options.observer;
    this.flood = new FloodGate(DRIVER_LOG_INTERVAL_MS, () => this.clock.now());
    this.groups = planReads(options.tags, { maxGap: options.device.maxGap }).map((group) => ({
      group,
      timer: undefined,
      busy: false,
      late: false,
    }));
    // The health reference: how often the PLC's heartbeat moves (it is polled faster to see every count).
    this.referenceMs = options.device.heartbeatPeriodMs ?? Math.min(1000, ...options.tags.map((t) => t.updateMs));
    this.link = new ModbusLink({
      device: options.device,
      logger: options.logger,
      flood: this.flood,
      handlers: {
        // Poll everything at once rather than waiting up to a full period for fresh values.
        onConnected: () => {
          this.connectedAt = this.clock.now();
          for (const g of this.groups) this.tick(g);
        },
        onOutage: (reason) => this.deliver(this.tags.map((t) => this.badUpdate(t.name, reason))),
      },
    });
  }

  /** The planned poll groups (for diagnostics and the benchmark). */
  plan(): readonly PollGroup[] {
    return this.groups.map((g) => g.group);
  }

  async start(): Promise<void> {
    if (this.started || this.stopped) return;
    this.started = true;
    for (const g of this.groups) {
      g.timer = setInterval(() => this.tick(g), g.group.updateMs);
    }
    this.link.start();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const g of this.groups) {
      if (g.timer) clearInterval(g.timer);
      g.timer = undefined;
    }
    await this.link.stop();
    this.logger.info({ device: this.deviceId }, "modbus driver stopped");
  }

  health(): DeviceHealth {
    return deviceHealth(this.deviceId, this.link.connected, this.lastGoodTs, this.clock.now(), this.referenceMs, this.link.linkReason);
  }

  stats(): DriverStats {
    const { reconnects, requests, requestErrors } = this.link.counters;
    return { reconnects, requests, requestErrors, ...this.counters };
  }

  async write(tagName: string, value: TagScalar): Promise<WriteResult> {
    const t0 = performance.now();
    const fail = (status: string): WriteResult => ({ ok: false, status, roundTripMs: performance.now() - t0 });
    const tag = this.tagsByName.get(tagName);
    if (tag === undefined || tag.modbus === undefined) return fail(`unknown tag '${tagName}' on device '${this.deviceId}'`);
    const { table, address } = tag.modbus;
    if (!tag.writable || table === "discrete" || table === "input") return fail(`tag '${tagName}' is not writable`);
    if (tag.type === "bool" ? typeof value !== "boolean" : typeof value !== "number" || !Number.isFinite(value)) {
      return fail(`tag '${tagName}' (${tag.type}) cannot take ${JSON.stringify(value)}`);
    }
    if (tag.range && typeof value === "number" && (value < tag.range.min || value > tag.range.max)) {
      return fail(`value ${value} is outside the range of '${tagName}' (${tag.range.min}..${tag.range.max})`);
    }
    let words: number[];
    try {
      words = engineeringToWords(tag, value, this.device.wordOrder);
    } catch (e) {
      return fail((e as Error).message);
    }
    if (!this.link.connected) return fail(this.notConnected());
    try {
      await this.link.transact("high", async (c) => {
        if (table === "coil") await c.writeCoil(address, value === true);
        else if (words.length === 1) await c.writeRegister(address, words[0] ?? 0); // FC6
        else await c.writeRegisters(address, words); // FC16: both words of a 32-bit value at once
      });
      const ms = performance.now() - t0;
      this.observer?.roundTrip(this.deviceId, "write", ms);
      return { ok: true, status: "Good", roundTripMs: ms };
    } catch (e) {
      return fail(this.requestFailed(`write:${tagName}`, tagName, e, "modbus write failed"));
    }
  }

  async read(tagName: string): Promise<ReadResult> {
    const t0 = performance.now();
    const fail = (status: string): ReadResult => ({ ok: false, value: null, status, roundTripMs: performance.now() - t0 });
    const tag = this.tagsByName.get(tagName);
    if (tag === undefined || tag.modbus === undefined) return fail(`unknown tag '${tagName}' on device '${this.deviceId}'`);
    if (!this.link.connected) return fail(this.notConnected());
    const { table, address } = tag.modbus;
    let words: number[];
    try {
      words = await this.link.transact("normal", (c) => readWords(c, table, address, tagWidth(tag)));
    } catch (e) {
      return fail(this.requestFailed(`readback:${tagName}`, tagName, e, "modbus read failed"));
    }
    const ms = performance.now() - t0;
    this.observer?.roundTrip(this.deviceId, "read", ms);
    this.lastGoodTs = this.clock.now();
    try {
      return { ok: true, value: wordsToEngineering(tag, words, this.device.wordOrder), status: "Good", roundTripMs: ms };
    } catch (e) {
      return fail(`cannot decode: ${(e as Error).message}`);
    }
  }

  private notConnected(): string {
    const reason = this.link.linkReason;
    return `not connected${reason ? `: ${reason}` : ""}`;
  }

  /** A write or read of one tag failed: logs it (flood-controlled) and returns the reason. */
  private requestFailed(floodKey: string, tagName: string, e: unknown, msg: string): string {
    const reason = describeModbusError(e);
    const n = this.flood.pass(floodKey);
    if (n >= 0) this.logger.warn({ tag: tagName, reason, suppressed: n }, msg);
    return reason;
  }

  // ── polling ─────────────────────────────────────────────────────────────────────────────────────────

  private tick(g: GroupState): void {
    if (!this.link.connected || this.stopped) return;
    if (g.busy) {
      // Overrun: this poll is skipped (never queued behind the running one). The group is marked late
      // so its next poll starts as soon as the running one ends, instead of idling up to a period.
      g.late = true;
      this.counters.overruns += 1;
      // Right after a connect every group polls at once (and at boot the whole process is still starting):
      // overruns then are counted (metrics) but are not news for the log.
      const burst = this.clock.now() - this.connectedAt < CONNECT_BURST_MS;
      const n = burst ? -1 : this.flood.pass(`overrun:${g.group.updateMs}`);
      if (n >= 0) {
        this.logger.warn({ updateMs: g.group.updateMs, suppressed: n }, "modbus poll overrun: previous poll still running, skipped");
      }
      return;
    }
    g.busy = true;
    g.late = false;
    void this.pollGroup(g.group).finally(() => {
      g.busy = false;
      if (g.late) this.tick(g);
    });
  }

  /** Reads a group's blocks one after the other (other groups' blocks and writes interleave). */
  private async pollGroup(group: PollGroup): Promise<void> {
    for (const block of group.blocks) {
      if (!this.link.connected || this.stopped) return;
      const t0 = performance.now();
      let words: number[];
      try {
        words = await this.link.transact("normal", (c) => readWords(c, block.table, block.start, block.count));
      } catch (e) {
        if (e instanceof LinkDownError) return; // every tag is Bad already
        const reason = describeModbusError(e);
        this.deliver(block.tags.map((pt) => this.badUpdate(pt.tag.name, reason)));
        const n = this.flood.pass(`read:${block.table}:${block.start}:${reason}`);
        if (n >= 0) {
          this.logger.warn(
            { table: block.table, start: block.start, count: block.count, reason, suppressed: n },
            "modbus read failed",
          );
        }
        continue;
      }
      this.observer?.roundTrip(this.deviceId, "read", performance.now() - t0);
      const now = this.clock.now();
      this.lastGoodTs = now;
      const updates: TagUpdate[] = [];
      for (const pt of block.tags) {
        try {
          const value = wordsToEngineering(pt.tag, words.slice(pt.offset, pt.offset + pt.width), this.device.wordOrder);
          updates.push({ name: pt.tag.name, value, quality: GOOD, sourceTs: now, serverTs: now });
        } catch (e) {
          updates.push(this.badUpdate(pt.tag.name, `cannot decode: ${(e as Error).message}`));
        }
      }
      this.deliver(updates);
    }
  }

  // ── delivery ────────────────────────────────────────────────────────────────────────────────────────

  private badUpdate(name: string, reason: string): TagUpdate {
    const now = this.clock.now();
    const quality: Quality = bad(reason);
    return { name, value: null, quality, sourceTs: now, serverTs: now };
  }

  private deliver(updates: readonly TagUpdate[]): void {
    if (updates.length === 0 || this.stopped) return;
    this.counters.updates += updates.length;
    try {
      this.sink.onUpdates(updates);
    } catch (e) {
      // A sink fault is a bug downstream; it must not kill polling.
      const n = this.flood.pass("sink");
      if (n >= 0) this.logger.error({ err: e, suppressed: n }, "tag sink threw on updates");
    }
  }
}
