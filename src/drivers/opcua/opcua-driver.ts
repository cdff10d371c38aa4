import { performance } from "node:perf_hooks";
import { UserTokenType, type OPCUACertificateManager, type UserIdentityInfo } from "node-opcua";
import type { OpcuaDeviceConfig } from "../../config/device-schema.js";
import type { Clock } from "../../core/clock.js";
import { FloodGate, type Logger } from "../../core/logger.js";
import { bad, type TagScalar, type TagUpdate } from "../../core/tag-value.js";
import type { TagConfig } from "../../tags/tag-schema.js";
import { deviceHealth } from "../device-health.js";
import { DRIVER_LOG_INTERVAL_MS, type DriverOptions } from "../driver-options.js";
import type { DeviceDriver, DeviceHealth, DriverObserver, DriverStats, RefusedServerCertificate } from "../driver-port.js";
import type { ReadResult, WriteResult } from "../../core/tag-io.js";
import type { TagSink } from "../../core/tag-sink.js";
import { certificateRefusalText, createClientCertificateManager, ensureClientCertificate, watchCertificateChecks } from "./opcua-client-certificates.js";
import { clientApplicationName, openOpcuaLink, type LinkValue, type OpcuaLink } from "./opcua-link.js";
import { decodeValue, encodeWrite, qualityOfStatus } from "./opcua-tag-codec.js";

export interface OpcuaDriverOptions extends DriverOptions<OpcuaDeviceConfig> {
  /** The client PKI goes to `${dataDir}/pki/opcua-client`. */
  readonly dataDir: string;
}

/** Health reference when the device has no heartbeat tag among its tags. */
const DEFAULT_REFERENCE_MS = 1000;

/**
 * The OPC UA driver: one session with ONE subscription holding every tag as a monitored item; values go to
 * the sink with quality and time stamps; every publish response (data or keep-alive) confirms the device's
 * unchanged values. On any loss all tags turn Bad at once and the driver reconnects forever, with capped
 * exponential backoff, building a fresh client, session and subscription.
 */
export class OpcuaDriver implements DeviceDriver {
  readonly deviceId: string;
  private readonly device: OpcuaDeviceConfig;
  private readonly tags: readonly TagConfig[];
  private readonly byName: ReadonlyMap<string, number>;
  private readonly lastValues: (TagScalar | null)[];
  private readonly sink: TagSink;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly observer: DriverObserver | undefined;
  private readonly dataDir: string;
  private readonly floodGate: FloodGate;
  private readonly referenceMs: number;
  private readonly maxKeepAliveCount: number;
  private readonly watchdogMs: number;

  private certificateManager: OPCUACertificateManager | undefined;
  private running = false;
  /** Incremented whenever the current link (or attempt) is abandoned: late events of older ones are ignored. */
  private generation = 0;
  private link: OpcuaLink | undefined;
  private abort: AbortController | undefined;
  private attempt: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly closing = new Set<Promise<void>>();
  /** Failed attempts since the last good connection (drives the backoff). */
  private failures = 0;
  private attempts = 0;
  private connected = false;
  private linkReason = "not started";
  /** The tags are marked Bad for the current outage already. */
  private markedBad = false;
  private lastGoodTs: number | null = null;
  /** The server certificate the last connect refused (not trusted, expired …); null once a connect passed the check. */
  private refusedCertificate: RefusedServerCertificate | null = null;
  private readonly counters = { reconnects: 0, requests: 0, requestErrors: 0, updates: 0 };

  constructor(options: OpcuaDriverOptions) {
    this.device = options.device;
    this.deviceId = options.device.id;
    this.tags = options.tags.filter((t) => t.device === options.device.id);
    this.byName = new Map(this.tags.map((t, i) => [t.name, i]));
    this.lastValues = this.tags.map(() => null);
    this.sink = options.sink;
    this.clock = options.clock;
    this.log = options.logger.child({ driver: "opcua" });
    this.observer = options.observer;
    this.dataDir = options.dataDir;
    this.floodGate = new FloodGate(DRIVER_LOG_INTERVAL_MS, () => this.clock.now());
    // The health reference: how often the PLC's heartbeat moves (it is sampled faster to see every count).
    this.referenceMs = options.device.heartbeatPeriodMs ?? DEFAULT_REFERENCE_MS;
    const publishing = options.device.publishingIntervalMs;
    // keep-alives at least once per health reference period, so an idle device still counts as fresh
    const keepAliveMs = Math.max(publishing, Math.min(this.referenceMs, options.device.timeoutMs / 2));
    this.maxKeepAliveCount = Math.max(2, Math.floor(keepAliveMs / publishing));
    this.watchdogMs = Math.max(options.device.timeoutMs, 3 * this.maxKeepAliveCount * publishing);
  }

  /** Resolves once the client's certificate exists (made now on a first start: see ensureClientCertificate), connecting in the background. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.linkReason = "connecting";
    this.certificateManager ??= watchCertificateChecks(createClientCertificateManager(this.dataDir, this.device.acceptUnknownCertificate), this.clock, (refused) => {
      this.refusedCertificate = refused;
    });
    await ensureClientCertificate(this.certificateManager, clientApplicationName(this.device.id)).catch((err: unknown) =>
      this.log.warn({ err: messageOf(err) }, "making the client certificate ahead of the connect failed (the connect will try again)"),
    );
    if (this.running) this.connectNow();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.generation += 1;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.abort?.abort();
    const link = this.link;
    this.link = undefined;
    this.connected = false;
    this.linkReason = "stopped";
    if (link) this.closing.add(link.close());
    await Promise.allSettled([this.attempt, ...this.closing]);
    this.closing.clear();
    const cm = this.certificateManager;
    this.certificateManager = undefined;
    if (cm) {
      // every OPCUAClient created on it took a reference it never gives back: the driver owns it, release it
      cm.referenceCounter = 0;
      await cm.dispose().catch((err: unknown) => this.log.warn({ err: messageOf(err) }, "disposing the client PKI failed"));
    }
    this.log.info("OPC UA driver stopped");
  }

  /** The server certificate this device's last connect refused, with why (null: none refused, or it passed since). */
  untrustedCertificate(): RefusedServerCertificate | null {
    return this.refusedCertificate;
  }

  /** Connects now, not at the end of the backoff (its server certificate was trusted); nothing when connected or stopped. */
  retryNow(): void {
    if (!this.running || this.connected || !this.retryTimer) return;
    clearTimeout(this.retryTimer);
    this.failures = 0;
    this.connectNow();
  }

  health(): DeviceHealth {
    return deviceHealth(this.deviceId, this.connected, this.lastGoodTs, this.clock.now(), this.referenceMs, this.linkReason);
  }

  stats(): DriverStats {
    return { ...this.counters, overruns: 0 };
  }

  async write(tagName: string, value: TagScalar): Promise<WriteResult> {
    const index = this.byName.get(tagName);
    if (index === undefined) return { ok: false, status: "unknown tag", roundTripMs: 0 };
    const tag = this.tags[index]!;
    if (!tag.writable) return { ok: false, status: "BadNotWritable", roundTripMs: 0 };
    const encoded = encodeWrite(tag, value);
    if (!encoded.ok) return { ok: false, status: encoded.status, roundTripMs: 0 };
    const link = this.link;
    if (!link || !this.connected) return { ok: false, status: "not connected", roundTripMs: 0 };
    return this.request(
      "write",
      tagName,
      link,
      () => link.write(tag.nodeId ?? "", encoded.variant),
      (status, roundTripMs) => ({ ok: status.isGood(), status: status.name, roundTripMs }),
      (status, roundTripMs) => ({ ok: false, status, roundTripMs }),
    );
  }

  /** A Read service call for one tag (maxAge 0: the server reads its source), decoded to engineering units. */
  async read(tagName: string): Promise<ReadResult> {
    const index = this.byName.get(tagName);
    if (index === undefined) return { ok: false, value: null, status: "unknown tag", roundTripMs: 0 };
    const tag = this.tags[index]!;
    const link = this.link;
    if (!link || !this.connected) return { ok: false, value: null, status: "not connected", roundTripMs: 0 };
    return this.request(
      "read",
      tagName,
      link,
      () => link.read(tag.nodeId ?? ""),
      (dataValue, roundTripMs) => {
        const value = decodeValue(tag, dataValue);
        const status = dataValue.statusCode;
        if (status.isGood() && value === null) return { ok: false, value, status: "BadTypeMismatch", roundTripMs };
        return { ok: status.isGood(), value, status: status.name, roundTripMs };
      },
      (status, roundTripMs) => ({ ok: false, value: null, status, roundTripMs }),
    );
  }

  /**
   * One service call on the link within the device's timeout: counted, timed, observed; a failure (timeout,
   * broken link) is logged with flood control and answered by `failed` with its status.
   */
  private async request<T, R>(
    kind: "read" | "write",
    tagName: string,
    link: OpcuaLink,
    call: () => Promise<T>,
    answered: (answer: T, roundTripMs: number) => R,
    failed: (status: string, roundTripMs: number) => R,
  ): Promise<R> {
    this.counters.requests += 1;
    const t0 = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new RequestTimeout(kind)), this.device.timeoutMs);
      });
      const answer = await Promise.race([call(), timeout]);
      const roundTripMs = performance.now() - t0;
      this.observer?.roundTrip(this.deviceId, kind, roundTripMs);
      return answered(answer, roundTripMs);
    } catch (err) {
      this.counters.requestErrors += 1;
      const roundTripMs = performance.now() - t0;
      const status = err instanceof RequestTimeout ? "timeout" : link === this.link && this.connected ? "BadCommunicationError" : "not connected";
      this.logRepeating(`${kind}-failed`, "warn", { tag: tagName, status, err: messageOf(err) }, `OPC UA ${kind} failed`);
      return failed(status, roundTripMs);
    } finally {
      clearTimeout(timer);
    }
  }

  private connectNow(): void {
    this.retryTimer = undefined;
    if (!this.running) return;
    const generation = ++this.generation;
    if (this.attempts > 0) this.counters.reconnects += 1;
    this.attempts += 1;
    this.counters.requests += 1;
    const abort = new AbortController();
    this.abort = abort;
    this.attempt = this.openLink(generation, abort.signal).finally(() => {
      if (this.abort === abort) this.abort = undefined;
    });
  }

  private async openLink(generation: number, signal: AbortSignal): Promise<void> {
    const current = (): boolean => this.running && generation === this.generation;
    const early: (readonly LinkValue[])[] = [];
    try {
      const cm = this.certificateManager;
      if (!cm) throw new Error("stopped");
      await cm.initialize();
      // A retry re-reads the trust list: a certificate trusted meanwhile (htr-scada certs trust, from another
      // process) counts from this attempt on, without a restart.
      if (this.failures > 0 || this.refusedCertificate) await cm.reloadCertificates();
      const link = await openOpcuaLink(
        {
          device: this.device,
          tags: this.tags,
          certificateManager: cm,
          userIdentity: this.userIdentity(),
          maxKeepAliveCount: this.maxKeepAliveCount,
          watchdogMs: this.watchdogMs,
          stepTimeoutMs: Math.max(5000, 5 * this.device.timeoutMs),
          signal,
        },
        {
          onValues: (batch) => {
            if (generation !== this.generation) return;
            // The subscription's first values arrive while the link is still being opened: held until the
            // driver is connected, so nothing downstream (an interlock's trip write) meets "not connected".
            if (this.connected) this.deliver(batch);
            else early.push(batch);
          },
          onPublish: () => {
            if (generation === this.generation) this.confirm();
          },
          onLost: (reason) => {
            if (current()) this.lose(reason);
          },
        },
      );
      if (!current()) {
        await link.close();
        return;
      }
      this.link = link;
      this.connected = true;
      this.linkReason = "";
      this.failures = 0;
      this.markedBad = false;
      this.floodGate.reset("connect-failed");
      this.floodGate.reset("connection-lost");
      this.log.info({ endpoint: this.device.endpoint, subscriptions: link.subscriptions }, "OPC UA connected");
      for (const batch of early.splice(0)) this.deliver(batch);
      if (link.refused.length > 0) this.markRefused(link);
    } catch (err) {
      if (!current()) return;
      this.failures += 1;
      this.counters.requestErrors += 1;
      const refused = /certificate verification failed/i.test(messageOf(err)) ? this.refusedCertificate : null;
      this.linkReason = refused ? certificateRefusalText(refused) : `connect failed: ${messageOf(err)}`;
      this.markAllBad(this.linkReason);
      if (refused) this.logRepeating("connect-failed", "error", { endpoint: this.device.endpoint, thumbprint: refused.thumbprint, subject: refused.subject, status: refused.status }, this.linkReason);
      else this.logRepeating("connect-failed", "warn", { endpoint: this.device.endpoint, err: messageOf(err) }, "OPC UA connect failed");
      this.scheduleRetry();
    }
  }

  private userIdentity(): UserIdentityInfo {
    const user = this.device.user;
    if (!user) return { type: UserTokenType.Anonymous };
    const password = process.env[user.passwordEnv];
    if (password === undefined) throw new Error(`password environment variable ${user.passwordEnv} is not set`);
    return { type: UserTokenType.UserName, userName: user.username, password };
  }

  /** The link broke: every tag Bad at once, then reconnect. */
  private lose(reason: string): void {
    const link = this.link;
    this.link = undefined;
    this.generation += 1;
    this.connected = false;
    this.linkReason = `connection lost: ${reason}`;
    this.markAllBad(this.linkReason);
    this.logRepeating("connection-lost", "warn", { endpoint: this.device.endpoint, reason }, "OPC UA connection lost");
    if (link) {
      const closing = link.close().finally(() => this.closing.delete(closing));
      this.closing.add(closing);
    }
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (!this.running || this.retryTimer) return;
    const { initialMs, maxMs } = this.device.reconnect;
    const delay = Math.min(maxMs, initialMs * 2 ** Math.min(this.failures, 16));
    this.retryTimer = setTimeout(() => this.connectNow(), delay);
  }

  private deliver(batch: readonly LinkValue[]): void {
    const serverTs = this.clock.now();
    const updates: TagUpdate[] = batch.map(({ index, dataValue }) => {
      const tag = this.tags[index]!;
      const quality = qualityOfStatus(dataValue.statusCode);
      const value = decodeValue(tag, dataValue);
      this.lastValues[index] = value;
      const sourceTs = dataValue.sourceTimestamp?.getTime() ?? dataValue.serverTimestamp?.getTime() ?? serverTs;
      return { name: tag.name, value, quality, sourceTs, serverTs };
    });
    this.emit(updates);
  }

  private confirm(): void {
    const now = this.clock.now();
    this.lastGoodTs = now;
    try {
      this.sink.onConfirm(this.deviceId, now);
    } catch (err) {
      this.log.error({ err }, "tag sink failed on confirm");
    }
  }

  private markAllBad(reason: string): void {
    if (this.markedBad) return;
    this.markedBad = true;
    const now = this.clock.now();
    const quality = bad(reason);
    this.emit(this.tags.map((t, i) => ({ name: t.name, value: this.lastValues[i] ?? null, quality, sourceTs: now, serverTs: now })));
  }

  private markRefused(link: OpcuaLink): void {
    const now = this.clock.now();
    const updates = link.refused.map(({ index, status }) => {
      const tag = this.tags[index]!;
      this.log.error({ tag: tag.name, nodeId: tag.nodeId, status: status.name }, "OPC UA server refused to monitor a tag");
      return { name: tag.name, value: null, quality: bad(`monitored item refused: ${status.name}`), sourceTs: now, serverTs: now };
    });
    this.emit(updates);
  }

  private emit(updates: readonly TagUpdate[]): void {
    if (updates.length === 0) return;
    this.counters.updates += updates.length;
    try {
      this.sink.onUpdates(updates);
    } catch (err) {
      this.log.error({ err }, "tag sink failed on updates");
    }
  }

  private logRepeating(key: string, level: "warn" | "error", obj: Record<string, unknown>, msg: string): void {
    const suppressed = this.floodGate.pass(key);
    if (suppressed < 0) return;
    this.log[level](suppressed > 0 ? { ...obj, suppressed } : obj, msg);
  }
}

class RequestTimeout extends Error {
  constructor(kind: "read" | "write") {
    super(`${kind} timed out`);
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
