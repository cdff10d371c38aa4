/**
 * The line as a Sparkplug B edge node (Sparkplug 3.0) on an MQTT broker: NBIRTH with bdSeq and the node's
 * own metrics (line state, first-out, alarms, current roll), one DBIRTH per Sparkplug device (station) with
 * every tag — datatype, unit, range, quality — then DDATA with the changes of each tick and NDATA when the
 * node's metrics change; NDEATH registered as the connection's will and sent on a clean stop; a rebirth on
 * the host's `Node Control/Rebirth` NCMD. While the broker is away the changes go to a disk backlog and are
 * published, marked historical, right after the next session's births (sparkplug-backlog.ts).
 *
 * Commands from the north are never PLC writes: a DCMD's metrics go, one at a time and in order, to the
 * command handler (sparkplug-commands.ts: the operation runner as a service user, or a refusal), and each is
 * answered in the device's next DDATA (`Operation/Result`) and counted in the node's `Commands/*` metrics.
 * An NCMD other than a rebirth is ignored with a counted, flood-limited log line. A malformed payload never
 * throws out of the message handler.
 *
 * With `primaryHostId` (Sparkplug 3.0 §5.9) it publishes only while that host's STATE says online (NDEATH and
 * a reconnect when it goes offline; the backlog meanwhile): a host away, or late to resubscribe, loses nothing.
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
import { type SparkplugConnection, sparkplugClientOptions } from "./sparkplug-client-options.js";
import { SparkplugCommandQueue } from "./sparkplug-command-queue.js";
import { commandBirthMetrics, commandCountMetrics, type NorthCommandHandler } from "./sparkplug-commands.js";
import { birthMetric, dataMetric, type SparkplugMetric, sparkplugDeviceOf, tagsByDevice } from "./sparkplug-metrics.js";
import { REBIRTH_METRIC, SparkplugSession } from "./sparkplug-session.js";
import { parseSparkplugState, parseSparkplugTopic, type SparkplugMessageType, sparkplugStateTopic, sparkplugTopic } from "./sparkplug-topic.js";

/** How often an ignored command is logged (per kind), ms; the rest are counted. */
const IGNORED_LOG_MS = 60_000;
/** How often the node's own metrics are compared with what was sent, ms (building them reads every interlock). */
const NODE_METRICS_CHECK_MS = 250;

export interface EdgeNodeTagSource {
  get(name: string): { readonly config: TagConfig; readonly value: TagValue } | undefined;
  onChange(listener: (c: TagChange) => void, name: string): () => void;
}

/** The connection (group and edge node ids, credentials, TLS: sparkplug-client-options.ts) and the node. */
export interface SparkplugEdgeNodeOptions extends SparkplugConnection {
  readonly url: string;
  /** How often changes are published, ms. */
  readonly tickMs: number;
  /** The Primary Host Application whose STATE gates publishing; none: publish whenever connected. */
  readonly primaryHostId?: string;
  readonly tags: readonly TagConfig[];
  readonly tagSource: EdgeNodeTagSource;
  /** The node's own metrics now (line state, first-out, alarm counts, roll): births carry all, NDATA the changed ones. */
  readonly nodeMetrics: () => SparkplugMetric[];
  /**
   * Runs or refuses a DCMD's command (the operation runner as the configured service user, with its audit
   * record). Absent: every command is refused, unrecorded. `acceptCommands` only says so in the births.
   */
  readonly commands?: { readonly handler: NorthCommandHandler; readonly accepting: boolean };
  readonly dataDir: string;
  readonly backlogMaxBytes?: number;
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface SparkplugEdgeNodeStatus {
  readonly broker: string;
  readonly connected: boolean;
  /** The primary host's last STATE (true when none is configured). */
  readonly primaryHostOnline: boolean;
  readonly bdSeq: number;
  readonly births: number;
  readonly dataMessages: number;
  readonly historicalMessages: number;
  readonly backlogBytes: number;
  readonly backlogDroppedMetrics: number;
  readonly ignoredCommands: number;
  readonly malformedMessages: number;
  readonly acceptedCommands: number;
  readonly refusedCommands: number;
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
  /** DCMDs: run one at a time, answered with the device's next DDATA. */
  private readonly commands: SparkplugCommandQueue;
  /** The primary host's state on this connection (always true without one). */
  private hostOnline: boolean;
  private hostStateTs = Number.NEGATIVE_INFINITY;

  constructor(private readonly opts: SparkplugEdgeNodeOptions) {
    this.log = opts.logger.child({ module: "sparkplug" });
    this.byDevice = tagsByDevice(opts.tags);
    this.ignoredLog = new FloodGate(IGNORED_LOG_MS, () => opts.clock.now());
    this.hostOnline = opts.primaryHostId === undefined;
    this.commands = new SparkplugCommandQueue(opts.commands?.handler, () => opts.clock.now(), this.log);
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
    const client = mqtt.connect(this.opts.url, sparkplugClientOptions(this.opts, this.will()));
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
      primaryHostOnline: this.hostOnline,
      bdSeq: this.session?.bdSeq ?? 0,
      births: this.counts.births,
      dataMessages: this.counts.data,
      historicalMessages: this.counts.historical,
      backlogBytes: b?.bytes ?? 0,
      backlogDroppedMetrics: b?.droppedPoints ?? 0,
      ignoredCommands: this.counts.ignored,
      malformedMessages: this.counts.malformed,
      acceptedCommands: this.commands.counts.accepted,
      refusedCommands: this.commands.counts.refused,
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
    const host = this.opts.primaryHostId;
    if (host !== undefined) {
      // Births wait for the host's (retained) STATE on this connection.
      this.hostOnline = false;
      client.subscribe(sparkplugStateTopic(host), { qos: 1 }, (err) => {
        if (err) this.log.warn({ err: String(err), host }, "sparkplug: primary host STATE subscription refused");
      });
      this.log.info({ broker: this.opts.url, bdSeq: this.session.bdSeq, primaryHost: host }, "sparkplug: connected; waiting for the primary host to be online");
      return;
    }
    this.log.info({ broker: this.opts.url, bdSeq: this.session.bdSeq }, "sparkplug: connected; publishing births");
    this.serialise(() => this.birthThenReplay());
  }

  /** The primary host's STATE: online → births and the backlog; offline → NDEATH and a new connection. */
  private onHostState(payload: Buffer): void {
    const state = parseSparkplugState(payload);
    if (!state) {
      this.counts.malformed++;
      this.ignore("state", { host: this.opts.primaryHostId, bytes: payload.length }, "sparkplug: a STATE that is not {online, timestamp}, ignored");
      return;
    }
    if (state.timestamp < this.hostStateTs) return; // an older host session's word
    this.hostStateTs = state.timestamp;
    if (state.online && !this.hostOnline) {
      this.hostOnline = true;
      this.log.info({ host: this.opts.primaryHostId }, "sparkplug: primary host online; publishing births");
      this.serialise(() => this.birthThenReplay());
    } else if (!state.online && this.hostOnline) {
      this.hostOnline = false;
      this.log.warn({ host: this.opts.primaryHostId }, "sparkplug: primary host offline; NDEATH, reconnecting, changes kept in the backlog");
      this.serialise(async () => {
        const client = this.client;
        if (!client) return;
        if (this.born && client.connected) await new Promise<void>((resolve) => client.publish(this.topic("NDEATH"), encodeSparkplug(this.session.ndeath(this.opts.clock.now())), { qos: 1 }, () => resolve()));
        this.born = false;
        await client.endAsync(false);
        // reconnect() emits "reconnect": the next bdSeq and its will (nextConnection), then the connect.
        if (this.client === client) client.reconnect();
      });
    }
  }

  /** NBIRTH and DBIRTHs with the current values, then the backlog (historical), then live again. */
  private async birthThenReplay(): Promise<void> {
    const client = this.client;
    if (!client?.connected || !this.hostOnline) return;
    const now = this.opts.clock.now();
    // What was pending is older than the birth's values: it joins the backlog, replayed as history.
    await this.moveToBacklog(this.takePending(true));
    const node = this.allNodeMetrics(now);
    this.lastNode = new Map(node.map((m) => [String(m.name), m.value]));
    if (!(await this.publish(this.topic("NBIRTH"), this.session.nbirth(now, node)))) return;
    for (const [device, tags] of this.byDevice) {
      const metrics = [...tags.map((t) => birthMetric(t, this.opts.tagSource.get(t.name)?.value ?? NO_VALUE, now)), ...commandBirthMetrics(now, this.opts.commands?.accepting ?? false)];
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
    const byDevice = new Map<string, SparkplugMetric[]>([...this.pending].map(([device, changes]) => [device, changes.map((c) => dataMetric(c.config, c.current, now))]));
    for (const [device, answers] of this.commands.takeAnswers()) byDevice.set(device, [...(byDevice.get(device) ?? []), ...answers]);
    const batches: BacklogBatch[] = [...byDevice].map(([device, metrics]) => ({ device, metrics }));
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
    for (const m of this.allNodeMetrics(this.opts.clock.now())) {
      const name = String(m.name);
      if (this.lastNode.has(name) && Object.is(this.lastNode.get(name), m.value)) continue;
      this.lastNode.set(name, m.value);
      changed.push(m);
    }
    return changed;
  }

  /** The line's metrics (from the wiring) and the edge node's own command counters. */
  private allNodeMetrics(nowMs: number): SparkplugMetric[] {
    return [...this.opts.nodeMetrics(), ...commandCountMetrics(this.commands.counts, nowMs)];
  }

  private tick(): void {
    if (this.busy || (this.pending.size === 0 && !this.commands.hasAnswers && !this.born)) return;
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
    if (this.opts.primaryHostId !== undefined && topic === sparkplugStateTopic(this.opts.primaryHostId)) return this.onHostState(payload);
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
    if (t?.type === "DCMD" && t.device !== undefined && t.edgeNode === this.opts.edgeNodeId) {
      if (!this.byDevice.has(t.device)) {
        this.counts.ignored++;
        this.ignore("dcmd-device", { topic }, "sparkplug: DCMD to a device this node does not have, ignored");
        return;
      }
      this.commands.enqueue(t.device, metrics);
      return;
    }
    this.counts.ignored++;
    this.ignore("ncmd", { topic, metrics: metrics.map((m) => m.name) }, "sparkplug: NCMD ignored (only Node Control/Rebirth is understood)");
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
