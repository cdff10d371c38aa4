/**
 * One Modbus device's link: connects (and reconnects forever with capped exponential backoff), runs every
 * request through the one-in-flight TransactionQueue with the device's timeout, and tells its owner when it
 * is up and, once per outage, when it is down. A lost link is noticed on the socket's "close" / "error", on
 * its isOpen turning false, or after TIMEOUTS_TO_LINK_LOSS request timeouts in a row.
 */
import type { ModbusDeviceConfig } from "../../config/device-schema.js";
import type { FloodGate, Logger } from "../../core/logger.js";
import { destroyQuietly, openModbusClient, type ModbusClient } from "./modbus-client.js";
import { describeModbusError, LinkDownError, RequestTimeoutError } from "./modbus-errors.js";
import { TransactionQueue } from "./transaction-queue.js";

/** Consecutive request timeouts after which the link is treated as lost (a hung peer or a dead route). */
const TIMEOUTS_TO_LINK_LOSS = 3;
/** How often the link's open state is checked (see start()). */
const LINK_WATCH_MS = 50;

export interface ModbusLinkHandlers {
  /** The link is up (the first time or again). */
  onConnected(): void;
  /** The link is down (a failed connect or a lost connection): called once per outage, with the reason. */
  onOutage(reason: string): void;
}

export interface ModbusLinkOptions {
  readonly device: ModbusDeviceConfig;
  readonly logger: Logger;
  /** The owner's flood gate (this link logs under the keys "connect" and "link-lost"). */
  readonly flood: FloodGate;
  readonly handlers: ModbusLinkHandlers;
}

export class ModbusLink {
  /** For the driver's stats. */
  readonly counters = { reconnects: 0, requests: 0, requestErrors: 0 };
  private readonly device: ModbusDeviceConfig;
  private readonly logger: Logger;
  private readonly flood: FloodGate;
  private readonly handlers: ModbusLinkHandlers;
  private readonly queue = new TransactionQueue();

  private client: ModbusClient | null = null;
  private up = false;
  private stopped = false;
  private everConnected = false;
  private reason = "not started";
  /** The owner was told of the current outage (so an outage is reported once, not per retry). */
  private outageReported = false;
  private backoffMs: number;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private linkWatch: NodeJS.Timeout | undefined;
  private consecutiveTimeouts = 0;
  /** Rejects the request in flight when the link goes down (so it does not wait for its timeout). */
  private abortInFlight: ((e: Error) => void) | null = null;

  constructor(options: ModbusLinkOptions) {
    this.device = options.device;
    this.logger = options.logger;
    this.flood = options.flood;
    this.handlers = options.handlers;
    this.backoffMs = options.device.reconnect.initialMs;
  }

  get connected(): boolean {
    return this.up;
  }

  /** Why the link is not up ("" while it is). */
  get linkReason(): string {
    return this.reason;
  }

  start(): void {
    // modbus-serial's TCP port does not always emit "close" (not after a socket error, e.g. a reset while
    // a request is in flight), but its isOpen turns false: watch it, so a lost link is seen within
    // LINK_WATCH_MS rather than after a request timeout.
    this.linkWatch = setInterval(() => {
      if (this.up && this.client !== null && !this.client.isOpen) this.linkLost("socket closed");
    }, LINK_WATCH_MS);
    void this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    if (this.linkWatch) clearInterval(this.linkWatch);
    this.linkWatch = undefined;
    this.up = false;
    this.reason = "stopped";
    const stopping = new LinkDownError("driver stopped");
    this.abortInFlight?.(stopping);
    this.queue.clear(stopping);
    await this.closeClient();
  }

  /**
   * Runs one request on the link, under the one-in-flight queue, with a timeout. Rejects with
   * LinkDownError when there is no link (or it is lost meanwhile), RequestTimeoutError on timeout, or
   * the client's error (Modbus exception, …).
   */
  transact<T>(priority: "high" | "normal", op: (c: ModbusClient) => Promise<T>): Promise<T> {
    return this.queue.run(priority, () => {
      const client = this.client;
      if (!this.up || client === null) return Promise.reject(new LinkDownError(this.reason || "not connected"));
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
        // When the timer fires, answers that arrived meanwhile may still be unread: after a stall of this
        // process (GC, a busy start-up step, the in-process virtual plant) Node runs expired timers before it
        // reads sockets. The verdict waits for setImmediate, which runs after the I/O poll: an answer already
        // in the socket settles the request first, and only a request that really went unanswered times out.
        const timer = setTimeout(() => setImmediate(() => finish(() => reject(new RequestTimeoutError("timeout")))), this.device.timeoutMs);
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
        (e: unknown) => this.failed(client, e),
      );
    });
  }

  /** A request failed: counts it, and decides whether the link is lost (then rejects with LinkDownError). */
  private failed(client: ModbusClient, e: unknown): never {
    if (e instanceof LinkDownError) throw e;
    this.counters.requestErrors += 1;
    const reason = describeModbusError(e);
    if (this.client === client && !client.isOpen) {
      this.linkLost(reason === "timeout" ? "socket closed" : reason);
      throw new LinkDownError(this.reason);
    }
    if (reason === "timeout") {
      this.consecutiveTimeouts += 1;
      if (this.consecutiveTimeouts >= TIMEOUTS_TO_LINK_LOSS) {
        this.linkLost(`no answer to ${this.consecutiveTimeouts} requests in a row`);
        throw new LinkDownError(this.reason);
      }
    } else if (typeof (e as { modbusCode?: unknown }).modbusCode === "number") {
      this.consecutiveTimeouts = 0; // the device answered
    }
    throw e;
  }

  private async connect(): Promise<void> {
    this.reconnectTimer = undefined;
    if (this.stopped) return;
    let client: ModbusClient;
    try {
      client = await openModbusClient(this.device);
    } catch (e) {
      if (this.stopped) return;
      this.reason = `not connected: ${describeModbusError(e)}`;
      this.reportOutage();
      const n = this.flood.pass("connect");
      if (n >= 0) {
        this.logger.warn({ device: this.device.id, reason: this.reason, retryMs: this.backoffMs, suppressed: n }, "modbus connect failed");
      }
      this.scheduleReconnect();
      return;
    }
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
    this.up = true;
    this.reason = "";
    this.consecutiveTimeouts = 0;
    this.outageReported = false;
    if (this.everConnected) this.counters.reconnects += 1;
    this.everConnected = true;
    this.flood.reset("connect");
    this.flood.reset("link-lost");
    this.logger.info({ device: this.device.id }, "modbus connected");
    this.handlers.onConnected();
  }

  /** Connection lost: tell the owner, drop the socket and everything queued, reconnect later. */
  private linkLost(reason: string): void {
    if (!this.up || this.stopped) return;
    this.up = false;
    this.reason = `connection lost: ${reason}`;
    const down = new LinkDownError(this.reason);
    this.abortInFlight?.(down);
    this.queue.clear(down);
    void this.closeClient();
    this.reportOutage();
    const n = this.flood.pass("link-lost");
    if (n >= 0) this.logger.warn({ device: this.device.id, reason: this.reason, suppressed: n }, "modbus connection lost");
    this.scheduleReconnect();
  }

  private reportOutage(): void {
    if (this.outageReported) return;
    this.outageReported = true;
    this.handlers.onOutage(this.reason);
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
}
