/**
 * A Sparkplug B host application's connection (Sparkplug 3.0 §5, what the site overview reads the lines
 * with): subscribes to `spBv1.0/<group>/#` on the broker, decodes each message with Eclipse Tahu's codec,
 * and hands it on with the topic's parts and the time it arrived; a topic of a wrong shape or bytes that are
 * not Sparkplug B are handed on as malformed (never thrown). Asks an edge node for a rebirth with an NCMD
 * `Node Control/Rebirth` = true. Reconnects forever; the connection's ups and downs are handed on too.
 */
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import type { Clock } from "../core/clock.js";
import { FloodGate, type Logger } from "../core/logger.js";
import { decodeSparkplug, encodeSparkplug, type SparkplugPayload } from "./sparkplug-codec.js";
import { type SparkplugTopic, parseSparkplugTopic, sparkplugTopic } from "./sparkplug-topic.js";

const RECONNECT_MS = 1000;
const KEEPALIVE_S = 10;

export interface SparkplugHostListener {
  message(topic: SparkplugTopic, payload: SparkplugPayload, at: number): void;
  malformed(topic: string, reason: string, at: number): void;
  connection(connected: boolean, at: number, reason?: string): void;
}

export interface SparkplugHostClientOptions {
  readonly url: string;
  readonly groupId: string;
  /** The MQTT client id (unique per broker). */
  readonly clientId: string;
  readonly username?: string;
  readonly password?: string;
  readonly listener: SparkplugHostListener;
  readonly clock: Clock;
  readonly logger: Logger;
}

export class SparkplugHostClient {
  private client: MqttClient | null = null;
  private readonly flood: FloodGate;

  constructor(private readonly opts: SparkplugHostClientOptions) {
    this.flood = new FloodGate(60_000, () => opts.clock.now());
  }

  start(): void {
    const o = this.opts;
    const options: IClientOptions = {
      clientId: o.clientId,
      clean: true,
      keepalive: KEEPALIVE_S,
      reconnectPeriod: RECONNECT_MS,
      connectTimeout: 10_000,
      protocolVersion: 4,
      ...(o.username !== undefined ? { username: o.username } : {}),
      ...(o.password !== undefined ? { password: o.password } : {}),
    };
    const client = mqtt.connect(o.url, options);
    this.client = client;
    const log = o.logger;
    let up = false;
    client.on("connect", () => {
      client.subscribe(`spBv1.0/${o.groupId}/#`, { qos: 1 }, (err) => {
        if (err) {
          log.warn({ err: String(err) }, "site: subscribe failed");
          return;
        }
        up = true;
        log.info({ broker: o.url, group: o.groupId }, "site: subscribed to the site's Sparkplug group");
        o.listener.connection(true, o.clock.now());
      });
    });
    client.on("close", () => {
      if (!up) return;
      up = false;
      log.warn({ broker: o.url }, "site: broker connection lost");
      o.listener.connection(false, o.clock.now(), "broker connection lost");
    });
    client.on("error", (err) => {
      if (this.flood.pass("error") >= 0) log.warn({ err: String(err), broker: o.url }, "site: broker error");
    });
    client.on("message", (topic, bytes) => this.onMessage(topic, bytes));
  }

  private onMessage(topic: string, bytes: Buffer): void {
    const at = this.opts.clock.now();
    const t = parseSparkplugTopic(topic);
    if (!t) return this.opts.listener.malformed(topic, "not a Sparkplug B topic", at);
    let payload: SparkplugPayload;
    try {
      payload = decodeSparkplug(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    } catch (err) {
      if (this.flood.pass("malformed") >= 0) this.opts.logger.warn({ topic, err: String(err) }, "site: a payload that is not Sparkplug B, ignored");
      return this.opts.listener.malformed(topic, "payload is not Sparkplug B", at);
    }
    this.opts.listener.message(t, payload, at);
  }

  /** NCMD `Node Control/Rebirth` = true to one edge node of the group (dropped while disconnected). */
  requestRebirth(edgeNode: string): void {
    const client = this.client;
    if (!client?.connected) return;
    const topic = sparkplugTopic({ group: this.opts.groupId, type: "NCMD", edgeNode });
    const now = this.opts.clock.now();
    client.publish(topic, encodeSparkplug({ timestamp: now, metrics: [{ name: "Node Control/Rebirth", type: "Boolean", value: true, timestamp: now }] }), { qos: 0 });
  }

  get connected(): boolean {
    return this.client?.connected === true;
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = null;
    if (client) await client.endAsync(true);
  }
}
