/**
 * The line as a Sparkplug B edge node (Sparkplug 3.0) on an MQTT broker: NBIRTH with bdSeq and the node's
 * own metrics (line state, first-out, alarms, current roll), one DBIRTH per Sparkplug device (station) with
 * every tag — datatype, unit, range, quality — then DDATA with the changes of each tick and NDATA when the
 * node's metrics change; NDEATH registered as the connection's will and sent on a clean stop; a rebirth on
 * the host's `Node Control/Rebirth` NCMD. While the broker is away the changes go to a disk backlog and are
 * published, marked historical, right after the next session's births (sparkplug-backlog.ts).
 *
 * Commands from the north are not executed here: an NCMD other than a rebirth and every DCMD are ignored with
 * a counted, flood-limited log line (accepting DCMDs as operations is a separate, opt-in path). A malformed
 * payload never throws out of the message handler.
 *
 * Off the trip path: the tag table's listener only appends the change to a per-device list; encoding and
 * publishing happen on the tick.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import type { Clock } from "../core/clock.js";
import { FloodGate, type Logger } from "../core/logger.js";
import { bad, type TagValue } from "../core/tag-value.js";
import type { TagConfig } from "../tags/tag-schema.js";
import type { TagChange } from "../tags/tag-table.js";
import { type BacklogBatch, SparkplugBacklog } from "./sparkplug-backlog.js";
import { decodeSparkplug, encodeSparkplug, type SparkplugPayload } from "./sparkplug-codec.js";
import { birthMetric, dataMetric, type SparkplugMetric, sparkplugDeviceOf, tagsByDevice } from "./sparkplug-metrics.js";
import { REBIRTH_METRIC, SparkplugSession } from "./sparkplug-session.js";
import { parseSparkplugTopic, type SparkplugMessageType, sparkplugTopic } from "./sparkplug-topic.js";

/** How often an ignored command is logged (per kind), ms; the rest are counted. */
const IGNORED_LOG_MS = 60_000;
/** Reconnect period after the broker is lost, ms. */
const RECONNECT_MS = 2000;
/** MQTT keep-alive, s: the broker publishes the NDEATH will ≈ 1.5 × this after the node goes silent. */
const KEEPALIVE_S = 10;
/** How often the node's own metrics are compared with what was sent, ms (building them reads every interlock). */
const NODE_METRICS_CHECK_MS = 250;

export interface EdgeNodeTagSource {
  get(name: string): { readonly config: TagConfig; readonly value: TagValue } | undefined;
  onChange(listener: (c: TagChange) => void, name: string): () => void;
}

export interface SparkplugEdgeNodeOptions {
  readonly url: string;
  readonly groupId: string;
  readonly edgeNodeId: string;
  /** How often changes are published, ms. */
  readonly tickMs: number;
  readonly username?: string;
  readonly password?: string;
  readonly tls?: { readonly ca?: Buffer; readonly cert?: Buffer; readonly key?: Buffer; readonly rejectUnauthorized: boolean };
  readonly tags: readonly TagConfig[];
  readonly tagSource: EdgeNodeTagSource;
  /** The node's own metrics now (line state, first-out, alarm counts, roll): births carry all, NDATA the changed ones. */
  readonly nodeMetrics: () => SparkplugMetric[];
  readonly dataDir: string;
  readonly backlogMaxBytes?: number;
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface SparkplugEdgeNodeStatus {
  readonly broker: string;
  readonly connected: boolean;
  readonly bdSeq: number;
  readonly births: number;
  readonly dataMessages: number;
  readonly historicalMessages: number;
  readonly backlogBytes: number;
  readonly backlogDroppedMetrics: number;
  readonly ignoredCommands: number;
  readonly malformedMessages: number;
}

export class SparkplugEdgeNode {
  readonly name = "sparkplug";
  private readonly log: Logger;
  private readonly byDevice: Map<string, TagConfig[]>;
  private readonly ignoredLog: FloodGate;
  private session!: SparkplugSession;
  private client: MqttClient | null = null;
  private backlog: SparkplugBacklog | null = null;
  private unsubscribe: (() => void) | null = null;
  private timer: NodeJS.Timeout | undefined;
  /** Changes since the last tick, per Sparkplug device, in order (made into metrics on the tick). */
  private pending = new Map<string, TagChange[]>();
  private nodeCheckedAt = Number.NEGATIVE_INFINITY;
  private lastNode = new Map<string, unknown>();
  /** Births done for the current connection: until then everything goes to the backlog. */
  private born = false;
  private flushing: Promise<void> = Promise.resolve();
  /** A flush (births, replay or a tick) is running: the next tick waits for the one after. */
  private busy = false;
  private counts = { births: 0, data: 0, historical: 0, ignored: 0, malformed: 0 };

  constructor(private readonly opts: SparkplugEdgeNodeOptions) {
    this.log = opts.logger.child({ module: "sparkplug" });
    this.byDevice = tagsByDevice(opts.tags);
    this.ignoredLog = new FloodGate(IGNORED_LOG_MS, () => opts.clock.now());
  }

  private get bdSeqFile(): string {
    return join(this.opts.dataDir, "sparkplug-bdseq");
  }

  private topic(type: SparkplugMessageType, device?: string): string {
    return sparkplugTopic({ group: this.opts.groupId, type, edgeNode: this.opts.edgeNodeId, ...(device !== undefined ? { device } : {}) });
  }

  async start(): Promise<void> {
    this.backlog = await SparkplugBacklog.open(this.opts.dataDir, this.opts.backlogMaxBytes);
    this.session = new SparkplugSession(readBdSeq(this.bdSeqFile));
    this.unsubscribe = this.opts.tagSource.onChange((c) => this.onTagChange(c), "sparkplug");
    this.nextConnection();
    const client = mqtt.connect(this.opts.url, this.clientOptions());
    this.client = client;
    client.on("connect", () => this.onConnect());
    client.on("reconnect", () => this.nextConnection());
    client.on("close", () => {
      if (this.born) this.log.warn({ broker: this.opts.url }, "sparkplug: broker connection lost; changes kept in the backlog until it is back");
      this.born = false;
    });
    client.on("error", (err) => {
      if (this.ignoredLog.pass("error") >= 0) this.log.warn({ err: String(err), broker: this.opts.url }, "sparkplug: broker error");
    });
    client.on("message", (topic, payload) => this.onMessage(topic, payload));
    this.timer = setInterval(() => this.tick(), this.opts.tickMs);
    this.log.info({ broker: this.opts.url, group: this.opts.groupId, edgeNode: this.opts.edgeNodeId, devices: [...this.byDevice.keys()] }, "sparkplug edge node started");
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.unsubscribe?.();
    await this.flushing;
    const client = this.client;
    this.client = null;
    if (client) {
      if (client.connected && this.born) {
        // A clean stop says so itself; the will is for when it cannot.
        await new Promise<void>((resolve) => client.publish(this.topic("NDEATH"), encodeSparkplug(this.session.ndeath(this.opts.clock.now())), { qos: 1 }, () => resolve()));
      }
      await client.endAsync(false);
    }
    await this.backlog?.close();
    this.backlog = null;
  }

  status(): SparkplugEdgeNodeStatus {
    const b = this.backlog?.status();
    return {
      broker: this.opts.url,
      connected: this.client?.connected === true && this.born,
      bdSeq: this.session?.bdSeq ?? 0,
      births: this.counts.births,
      dataMessages: this.counts.data,
      historicalMessages: this.counts.historical,
      backlogBytes: b?.bytes ?? 0,
      backlogDroppedMetrics: b?.droppedPoints ?? 0,
      ignoredCommands: this.counts.ignored,
      malformedMessages: this.counts.malformed,
    };
  }

  private clientOptions(): IClientOptions {
    const { tls } = this.opts;
    return {
      clientId: `${this.opts.groupId}-${this.opts.edgeNodeId}`,
      clean: true,
      keepalive: KEEPALIVE_S,
      reconnectPeriod: RECONNECT_MS,
      connectTimeout: 10_000,
      protocolVersion: 4,
      will: this.will(),
      ...(this.opts.username !== undefined ? { username: this.opts.username } : {}),
      ...(this.opts.password !== undefined ? { password: this.opts.password } : {}),
      ...(tls ? { ...(tls.ca ? { ca: tls.ca } : {}), ...(tls.cert ? { cert: tls.cert } : {}), ...(tls.key ? { key: tls.key } : {}), rejectUnauthorized: tls.rejectUnauthorized } : {}),
    };
  }

  private will(): NonNullable<IClientOptions["will"]> {
    return { topic: this.topic("NDEATH"), payload: encodeSparkplug(this.session.ndeath(this.opts.clock.now())), qos: 1, retain: false };
  }

  /** Before every connect: the next bdSeq, kept on disk, and the will that carries it. */
  private nextConnection(): void {
    const bd = this.session.nextConnection();
    try {
      writeFileSync(this.bdSeqFile, `${bd}\n`);
    } catch (err) {
      this.log.warn({ err: String(err) }, "sparkplug: bdSeq not kept on disk");
    }
    if (this.client) this.client.options.will = this.will();
  }

  private onConnect(): void {
    const client = this.client;
    if (!client) return;
    client.subscribe([this.topic("NCMD"), `${this.topic("DCMD", "+")}`], { qos: 0 }, (err) => {
      if (err) this.log.warn({ err: String(err) }, "sparkplug: command subscription refused");
    });
    this.log.info({ broker: this.opts.url, bdSeq: this.session.bdSeq }, "sparkplug: connected; publishing births");
    this.serialise(() => this.birthThenReplay());
  }

  /** NBIRTH and DBIRTHs with the current values, then the backlog (historical), then live again. */
  private async birthThenReplay(): Promise<void> {
    const client = this.client;
    if (!client?.connected) return;
    const now = this.opts.clock.now();
    // What was pending is older than the birth's values: it joins the backlog, replayed as history.
    await this.moveToBacklog(this.takePending(true));
    const node = this.opts.nodeMetrics();
    this.lastNode = new Map(node.map((m) => [String(m.name), m.value]));
    if (!(await this.publish(this.topic("NBIRTH"), this.session.nbirth(now, node)))) return;
    for (const [device, tags] of this.byDevice) {
      const metrics = tags.map((t) => birthMetric(t, this.opts.tagSource.get(t.name)?.value ?? NO_VALUE, now));
      if (!(await this.publish(this.topic("DBIRTH", device), this.session.message(now, metrics)))) return;
    }
    this.counts.births++;
    const sent = await this.backlog!.replay(async (b) => {
      const metrics = b.metrics.map((m) => ({ ...m, isHistorical: true }));
      const ok = await this.publish(b.device === null ? this.topic("NDATA") : this.topic("DDATA", b.device), this.session.message(this.opts.clock.now(), metrics));
      if (ok) this.counts.historical++;
      return ok;
    });
    if (sent > 0) this.log.info({ batches: sent }, "sparkplug: backlog published (historical)");
    this.born = client.connected && this.backlog!.isEmpty();
  }

  /** On the tag table's fan-out: only kept, in order; the metric is made on the tick. */
  private onTagChange(c: TagChange): void {
    const device = sparkplugDeviceOf(c.config);
    const list = this.pending.get(device);
    if (list) list.push(c);
    else this.pending.set(device, [c]);
  }

  private takePending(force = false): BacklogBatch[] {
    const now = this.opts.clock.now();
    const batches: BacklogBatch[] = [...this.pending].map(([device, changes]) => ({ device, metrics: changes.map((c) => dataMetric(c.config, c.current, now)) }));
    this.pending = new Map();
    if (force || now - this.nodeCheckedAt >= NODE_METRICS_CHECK_MS) {
      this.nodeCheckedAt = now;
      const node = this.changedNodeMetrics();
      if (node.length > 0) batches.unshift({ device: null, metrics: node });
    }
    return batches;
  }

  private changedNodeMetrics(): SparkplugMetric[] {
    const changed: SparkplugMetric[] = [];
    for (const m of this.opts.nodeMetrics()) {
      const name = String(m.name);
      if (this.lastNode.has(name) && Object.is(this.lastNode.get(name), m.value)) continue;
      this.lastNode.set(name, m.value);
      changed.push(m);
    }
    return changed;
  }

  private tick(): void {
    if (this.busy || (this.pending.size === 0 && !this.born)) return;
    this.serialise(async () => {
      const batches = this.takePending();
      if (batches.length === 0) return;
      if (!this.born) return this.moveToBacklog(batches);
      for (const b of batches) {
        const topic = b.device === null ? this.topic("NDATA") : this.topic("DDATA", b.device);
        if (await this.publish(topic, this.session.message(this.opts.clock.now(), b.metrics))) this.counts.data++;
        else await this.moveToBacklog([b]);
      }
    });
  }

  private async moveToBacklog(batches: readonly BacklogBatch[]): Promise<void> {
    for (const b of batches) await this.backlog?.append(b);
  }

  /** One flush at a time, in order (births, replay and ticks never interleave their sequence numbers). */
  private serialise(work: () => Promise<void>): void {
    this.flushing = this.flushing
      .then(async () => {
        this.busy = true;
        try {
          await work();
        } finally {
          this.busy = false;
        }
      })
      .catch((err) => this.log.error({ err: String(err) }, "sparkplug: publish failed"));
  }

  /** Publishes at QoS 0 (Sparkplug: births and data are QoS 0); false when not connected or the write failed. */
  private publish(topic: string, payload: SparkplugPayload): Promise<boolean> {
    const client = this.client;
    if (!client?.connected) return Promise.resolve(false);
    const bytes = encodeSparkplug(payload);
    return new Promise((resolve) => client.publish(topic, bytes, { qos: 0, retain: false }, (err) => resolve(!err)));
  }

  private onMessage(topic: string, payload: Buffer): void {
    const t = parseSparkplugTopic(topic);
    let decoded: SparkplugPayload;
    try {
      decoded = decodeSparkplug(payload);
    } catch (err) {
      this.counts.malformed++;
      this.ignore("malformed", { topic, bytes: payload.length, err: String(err) }, "sparkplug: a command that is not a Sparkplug B payload, ignored");
      return;
    }
    const metrics = decoded.metrics ?? [];
    if (t?.type === "NCMD" && metrics.some((m) => m.name === REBIRTH_METRIC && m.value === true)) {
      this.log.info({ topic }, "sparkplug: rebirth asked by the host");
      this.serialise(() => this.birthThenReplay());
      return;
    }
    this.counts.ignored++;
    const kind = t?.type === "DCMD" ? "dcmd" : "ncmd";
    this.ignore(kind, { topic, metrics: metrics.map((m) => m.name) }, t?.type === "DCMD" ? "sparkplug: DCMD ignored (commands from the north are not accepted)" : "sparkplug: NCMD ignored (only Node Control/Rebirth is understood)");
  }

  private ignore(kind: string, detail: Record<string, unknown>, msg: string): void {
    const suppressed = this.ignoredLog.pass(kind);
    if (suppressed >= 0) this.log.warn({ ...detail, suppressed }, msg);
  }
}

const NO_VALUE: TagValue = Object.freeze({ value: null, quality: bad("no data yet"), sourceTs: 0, serverTs: 0 });

function readBdSeq(file: string): number | null {
  try {
    const n = Number(readFileSync(file, "utf8").trim());
    return Number.isInteger(n) && n >= 0 && n < 256 ? n : null;
  } catch {
    return null;
  }
}
