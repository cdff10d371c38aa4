/**
 * Modbus TCP / RTU driver (modbus-serial client).
 *
 * - Reads are planned by modbus-read-planner into blocks per table and poll group; one timer per group.
 * - Strictly one transaction in flight per link (TransactionQueue); writes jump ahead of queued reads so a
 *   trip write never waits behind a poll cycle. A group whose poll is due while its previous poll is still
 *   queued or running counts an overrun and skips that poll (polls never pile up); the group's next poll
 *   then starts as soon as the running one ends.
 * - Every value is delivered Good with sourceTs = serverTs = time of receipt (Modbus has no time stamps).
 *   A failed block read marks that block's tags Bad with the reason; a lost connection marks ALL the
 *   device's tags Bad at once and reconnects forever with capped exponential backoff.
 * - `read()` is one request for one tag (FC1–FC4 over exactly its coil / registers) through the same queue,
 *   in the normal lane: a recipe read-back never delays a trip write.
 * - Comm failures never throw: writes and reads resolve `{ ok: false, status }`.
 */
import type { EventEmitter } from "node:events";
import { performance } from "node:perf_hooks";
import Modbus from "modbus-serial";
import type { ModbusDeviceConfig } from "../../config/device-schema.js";
import type { Clock } from "../../core/clock.js";
import { FloodGate, type Logger } from "../../core/logger.js";
import { bad, GOOD, type Quality, type TagScalar, type TagUpdate } from "../../core/tag-value.js";
import type { TagConfig } from "../../tags/tag-schema.js";
import { deviceHealth } from "../device-health.js";
import type {
  DeviceDriver,
  DeviceHealth,
  DriverObserver,
  DriverStats,
} from "../driver-port.js";
import type { ReadResult, WriteResult } from "../../core/tag-io.js";
import type { TagSink } from "../../core/tag-sink.js";
import { engineeringToWords, wordsToEngineering } from "./modbus-codec.js";
import { isBitTable, planReads, tagWidth, type ModbusTable, type PollGroup } from "./modbus-read-planner.js";

/** modbus-serial is CommonJS: its client class is the module's `default` (see TOOLCHAIN.md). */
const ModbusRTU = Modbus.default;
type ModbusClient = InstanceType<typeof ModbusRTU>;

export interface ModbusDriverOptions {
  readonly device: ModbusDeviceConfig;
  /** This device's tags only. */
  readonly tags: readonly TagConfig[];
  readonly sink: TagSink;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly observer?: DriverObserver;
}

/** Consecutive request timeouts after which the link is treated as lost (a hung peer or a dead route). */
const TIMEOUTS_TO_LINK_LOSS = 3;
/** How often the link's open state is checked (see start()). */
const LINK_WATCH_MS = 50;
/** A repeating condition (PLC down, a block failing) logs at most once per this interval. */
const LOG_INTERVAL_MS = 30_000;

const MODBUS_EXCEPTIONS: Record<number, string> = {
  1: "illegal function",
  2: "illegal data address",
  3: "illegal data value",
  4: "server device failure",
  5: "acknowledge",
  6: "server device busy",
  8: "memory parity error",
  10: "gateway path unavailable",
  11: "gateway target device failed to respond",
};

/** The link is down (or went down while the request waited): not a per-block failure. */
class LinkDownError extends Error {}
class RequestTimeoutError extends Error {}

/** A clear reason for a failed request: "timeout", "Modbus exception 2 (illegal data address)", … */
export function describeModbusError(e: unknown): string {
  if (e instanceof RequestTimeoutError) return "timeout";
  if (e instanceof LinkDownError) return e.message;
  const err = e as { modbusCode?: unknown; errno?: unknown; message?: unknown } | null;
  if (err && typeof err.modbusCode === "number") {
    return `Modbus exception ${err.modbusCode} (${MODBUS_EXCEPTIONS[err.modbusCode] ?? "unknown"})`;
  }
  if (err && err.errno === "ETIMEDOUT") return "timeout";
  if (err && typeof err.message === "string" && err.message !== "") return err.message;
  return String(e);
}

type Task = () => Promise<void>;

/**
 * One transaction in flight at a time. Two lanes: writes ("high") run before queued reads ("normal").
 * `clear()` rejects everything still waiting.
 */
class TransactionQueue {
  private readonly high: { task: Task; reject: (e: Error) => void }[] = [];
  private readonly normal: { task: Task; reject: (e: Error) => void }[] = [];
  private running = false;

  run<T>(priority: "high" | "normal", fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const task: Task = () => fn().then(resolve, reject);
      (priority === "high" ? this.high : this.normal).push({ task, reject });
      this.pump();
    });
  }

  clear(reason: Error): void {
    for (const lane of [this.high, this.normal]) for (const item of lane.splice(0)) item.reject(reason);
  }

  private pump(): void {
    if (this.running) return;
    const next = this.high.shift() ?? this.normal.shift();
    if (next === undefined) return;
    this.running = true;
    void next.task().finally(() => {
      this.running = false;
      this.pump();
    });
  }
}

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
  private readonly queue = new TransactionQueue();
  private readonly flood: FloodGate;

  private client: ModbusClient | null = null;
  private connected = false;
  private started = false;
  private stopped = false;
  private everConnected = false;
  private linkReason = "not started";
  /** All tags were marked Bad for the current outage (so an outage marks them once, not per retry). */
  private outageReported = false;
  private lastGoodTs: number | null = null;
  private backoffMs: number;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private linkWatch: NodeJS.Timeout | undefined;
  private consecutiveTimeouts = 0;
  /** Rejects the request in flight when the link goes down (so it does not wait for its timeout). */
  private abortInFlight: ((e: Error) => void) | null = null;

  private counters = { reconnects: 0, requests: 0, requestErrors: 0, overruns: 0, updates: 0 };

  constructor(options: ModbusDriverOptions) {
    this.device = options.device;
    this.deviceId = options.device.id;
    this.tags = options.tags;
    this.tagsByName = new Map(options.tags.map((t) => [t.name, t]));
    this.sink = options.sink;
    this.clock = options.clock;
    this.logger = options.logger;
    this.observer = options.observer;
    this.flood = new FloodGate(LOG_INTERVAL_MS, () => this.clock.now());
    this.backoffMs = options.device.reconnect.initialMs;
    this.groups = planReads(options.tags, { maxGap: options.device.maxGap }).map((group) => ({
      group,
      timer: undefined,
      busy: false,
      late: false,
    }));
    // The health reference: how often the PLC's heartbeat moves (it is polled faster to see every count).
    this.referenceMs = options.device.heartbeatPeriodMs ?? Math.min(1000, ...options.tags.map((t) => t.updateMs));
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
    // modbus-serial's TCP port does not always emit "close" (not after a socket error, e.g. a reset while
    // a request is in flight), but its isOpen turns false: watch it, so a lost link is seen within
    // LINK_WATCH_MS rather than after a request timeout.
    this.linkWatch = setInterval(() => {
      if (this.connected && this.client !== null && !this.client.isOpen) this.linkLost("socket closed");
    }, LINK_WATCH_MS);
    void this.connect();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const g of this.groups) {
      if (g.timer) clearInterval(g.timer);
      g.timer = undefined;
    }
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    if (this.linkWatch) clearInterval(this.linkWatch);
    this.linkWatch = undefined;
    this.connected = false;
    this.linkReason = "stopped";
    const stopping = new LinkDownError("driver stopped");
    this.abortInFlight?.(stopping);
    this.queue.clear(stopping);
    await this.closeClient();
    this.logger.info({ device: this.deviceId }, "modbus driver stopped");
  }

  health(): DeviceHealth {
    return deviceHealth(this.deviceId, this.connected, this.lastGoodTs, this.clock.now(), this.referenceMs, this.linkReason);
  }

  stats(): DriverStats {
    return { ...this.counters };
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
    if (!this.connected) return fail(`not connected${this.linkReason ? `: ${this.linkReason}` : ""}`);
    try {
      await this.transact("high", async (c) => {
        if (table === "coil") await c.writeCoil(address, value === true);
        else if (words.length === 1) await c.writeRegister(address, words[0] ?? 0); // FC6
        else await c.writeRegisters(address, words); // FC16: both words of a 32-bit value at once
      });
      const ms = performance.now() - t0;
      this.observer?.roundTrip(this.deviceId, "write", ms);
      return { ok: true, status: "Good", roundTripMs: ms };
    } catch (e) {
      const reason = describeModbusError(e);
      const n = this.flood.pass(`write:${tagName}`);
      if (n >= 0) this.logger.warn({ tag: tagName, reason, suppressed: n }, "modbus write failed");
      return fail(reason);
    }
  }

  async read(tagName: string): Promise<ReadResult> {
    const t0 = performance.now();
    const fail = (status: string): ReadResult => ({ ok: false, value: null, status, roundTripMs: performance.now() - t0 });
    const tag = this.tagsByName.get(tagName);
    if (tag === undefined || tag.modbus === undefined) return fail(`unknown tag '${tagName}' on device '${this.deviceId}'`);
    if (!this.connected) return fail(`not connected${this.linkReason ? `: ${this.linkReason}` : ""}`);
    const { table, address } = tag.modbus;
    let words: number[];
    try {
      words = await this.transact("normal", (c) => readWords(c, table, address, tagWidth(tag)));
    } catch (e) {
      const reason = describeModbusError(e);
      const n = this.flood.pass(`readback:${tagName}`);
      if (n >= 0) this.logger.warn({ tag: tagName, reason, suppressed: n }, "modbus read failed");
      return fail(reason);
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

  // ── polling ─────────────────────────────────────────────────────────────────────────────────────────

  private tick(g: GroupState): void {
    if (!this.connected || this.stopped) return;
    if (g.busy) {
      // Overrun: this poll is skipped (never queued behind the running one). The group is marked late
      // so its next poll starts as soon as the running one ends, instead of idling up to a period.
      g.late = true;
      this.counters.overruns += 1;
      const n = this.flood.pass(`overrun:${g.group.updateMs}`);
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
      if (!this.connected || this.stopped) return;
      const t0 = performance.now();
      let words: number[];
      try {
        words = await this.transact("normal", (c) => readWords(c, block.table, block.start, block.count));
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

  /**
   * Runs one request on the link, under the one-in-flight queue, with a timeout. Rejects with
   * LinkDownError when there is no link (or it is lost meanwhile), RequestTimeoutError on timeout, or
   * the client's error (Modbus exception, …).
   */
  private transact<T>(priority: "high" | "normal", op: (c: ModbusClient) => Promise<T>): Promise<T> {
    return this.queue.run(priority, () => {
      const client = this.client;
      if (!this.connected || client === null) return Promise.reject(new LinkDownError(this.linkReason || "not connected"));
      this.counters.requests += 1;
      return new Promise<T>((resolve, reject) => {
        let settled = false;
        const finish = (fn: () => void): void => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          this.abortInFlight = null;
          fn();
        };
        const timer = setTimeout(() => finish(() => reject(new RequestTimeoutError("timeout"))), this.device.timeoutMs);
        this.abortInFlight = (e) => finish(() => reject(e));
        op(client).then(
          (v) => finish(() => resolve(v)),
          (e: unknown) => finish(() => reject(e)),
        );
      }).then(
        (v) => {
          this.consecutiveTimeouts = 0;
          if (this.client === client) this.backoffMs = this.device.reconnect.initialMs; // the link works
          return v;
        },
        (e: unknown) => {
          if (e instanceof LinkDownError) throw e;
          this.counters.requestErrors += 1;
          const reason = describeModbusError(e);
          if (this.client === client && !client.isOpen) {
            this.linkLost(reason === "timeout" ? "socket closed" : reason);
            throw new LinkDownError(this.linkReason);
          }
          if (reason === "timeout") {
            this.consecutiveTimeouts += 1;
            if (this.consecutiveTimeouts >= TIMEOUTS_TO_LINK_LOSS) {
              this.linkLost(`no answer to ${this.consecutiveTimeouts} requests in a row`);
              throw new LinkDownError(this.linkReason);
            }
          } else if (typeof (e as { modbusCode?: unknown }).modbusCode === "number") {
            this.consecutiveTimeouts = 0; // the device answered
          }
          throw e;
        },
      );
    });
  }

  // ── connection ──────────────────────────────────────────────────────────────────────────────────────

  private async connect(): Promise<void> {
    this.reconnectTimer = undefined;
    if (this.stopped) return;
    const client = new ModbusRTU();
    client.setID(this.device.unitId);
    client.setTimeout(this.device.timeoutMs);
    // A connection attempt gets a little longer than a request: a TCP handshake plus the first answer.
    const connectTimeoutMs = Math.max(this.device.timeoutMs, 1000);
    let timer: NodeJS.Timeout | undefined;
    try {
      const device = this.device;
      const opening =
        device.protocol === "modbus-tcp"
          ? client.connectTCP(device.host, { port: device.port })
          : client.connectRTUBuffered(device.path, {
              baudRate: device.baudRate,
              parity: device.parity,
              dataBits: device.dataBits,
              stopBits: device.stopBits,
            });
      await Promise.race([
        opening,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`connect timeout after ${connectTimeoutMs} ms`)), connectTimeoutMs);
        }),
      ]);
    } catch (e) {
      clearTimeout(timer);
      destroyQuietly(client);
      if (this.stopped) return;
      this.linkReason = `not connected: ${describeModbusError(e)}`;
      this.reportOutage();
      const n = this.flood.pass("connect");
      if (n >= 0) {
        this.logger.warn({ device: this.deviceId, reason: this.linkReason, retryMs: this.backoffMs, suppressed: n }, "modbus connect failed");
      }
      this.scheduleReconnect();
      return;
    }
    clearTimeout(timer);
    if (this.stopped) {
      destroyQuietly(client);
      return;
    }
    client.on("close", () => {
      if (this.client === client) this.linkLost("socket closed by peer");
    });
    client.on("error", (err: unknown) => {
      if (this.client === client) this.linkLost(describeModbusError(err));
    });
    this.client = client;
    this.connected = true;
    this.linkReason = "";
    this.consecutiveTimeouts = 0;
    this.outageReported = false;
    if (this.everConnected) this.counters.reconnects += 1;
    this.everConnected = true;
    this.flood.reset("connect");
    this.flood.reset("link-lost");
    this.logger.info({ device: this.deviceId }, "modbus connected");
    // Poll everything at once rather than waiting up to a full period for fresh values.
    for (const g of this.groups) this.tick(g);
  }

  /** Connection lost: all tags Bad at once, drop the socket and everything queued, reconnect later. */
  private linkLost(reason: string): void {
    if (!this.connected || this.stopped) return;
    this.connected = false;
    this.linkReason = `connection lost: ${reason}`;
    const down = new LinkDownError(this.linkReason);
    this.abortInFlight?.(down);
    this.queue.clear(down);
    void this.closeClient();
    this.reportOutage();
    const n = this.flood.pass("link-lost");
    if (n >= 0) this.logger.warn({ device: this.deviceId, reason: this.linkReason, suppressed: n }, "modbus connection lost");
    this.scheduleReconnect();
  }

  private reportOutage(): void {
    if (this.outageReported) return;
    this.outageReported = true;
    const reason = this.linkReason;
    this.deliver(this.tags.map((t) => this.badUpdate(t.name, reason)));
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.device.reconnect.maxMs);
    this.reconnectTimer = setTimeout(() => void this.connect(), delay);
  }

  private async closeClient(): Promise<void> {
    const client = this.client;
    this.client = null;
    if (client) destroyQuietly(client);
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

/** One read request (a poll block or a single tag) → register words (bits as 0 / 1), exactly `count` of them. */
async function readWords(c: ModbusClient, table: ModbusTable, start: number, count: number): Promise<number[]> {
  if (isBitTable(table)) {
    const res = table === "coil" ? await c.readCoils(start, count) : await c.readDiscreteInputs(start, count);
    const bits = new Array<number>(count);
    for (let i = 0; i < count; i++) bits[i] = res.data[i] ? 1 : 0;
    return bits;
  }
  const res = table === "holding" ? await c.readHoldingRegisters(start, count) : await c.readInputRegisters(start, count);
  if (res.data.length < count) throw new Error(`short answer: ${res.data.length} of ${count} registers`);
  return res.data;
}

function destroyQuietly(client: ModbusClient): void {
  try {
    // The typings omit EventEmitter's methods; the client is one.
    const emitter = client as unknown as EventEmitter;
    emitter.removeAllListeners("close");
    emitter.removeAllListeners("error");
    // A late socket error after destroy must not become an unhandled 'error' event.
    client.on("error", () => undefined);
    // destroy() drops a TCP socket at once and cancels pending transactions; a serial port has no
    // destroy (modbus-serial then does nothing), so close it.
    if (client.isOpen && !hasDestroy(client)) client.close(() => undefined);
    else client.destroy(() => undefined);
  } catch {
    // already closed
  }
}

function hasDestroy(client: ModbusClient): boolean {
  const port = (client as unknown as { _port?: { destroy?: unknown } })._port;
  return typeof port?.destroy === "function";
}
