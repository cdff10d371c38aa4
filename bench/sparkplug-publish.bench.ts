/**
 * Sparkplug B publishing: the edge node (SparkplugEdgeNode) against a raw `mqtt` publisher of the same
 * payloads, in the same run, through the same real mosquitto to the same consumer.
 *
 * Both are fed by the same real tag table with the shipped tag configuration, listen to it the same way and
 * publish on the same tick (one DDATA per station per tick, QoS 0, Eclipse Tahu's encoder). The raw
 * publisher is the least a Sparkplug publisher can do: keep the changes per station, encode the metrics,
 * publish. The edge node adds the birth/session bookkeeping, quality properties, the command and node
 * metrics and the backlog path.
 *
 * - Throughput: the generator changes every numeric tag as fast as the event loop lets it for DURATION_MS;
 *   figure: metrics delivered to the consumer per second (ours / raw, goal ≥ 0.8×).
 * - Latency: the line's normal rate — NORMAL_TAGS tags every NORMAL_EVERY_MS; figure: change (its source
 *   timestamp) → consumer, p95 (goal ≤ raw + one tick). It starts once the throughput phase's backlog has
 *   arrived, and counts only its own changes (until 2026-12-07 a backlog still arriving was counted: p95s
 *   of seconds, on either side, with ten times the samples).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import { get as sparkplugPayload } from "sparkplug-payload";
import { loadConfigOrThrow } from "../src/config/config-loader.js";
import { systemClock } from "../src/core/clock.js";
import { silentLogger } from "../src/core/logger.js";
import { GOOD, type TagUpdate } from "../src/core/tag-value.js";
import { lineNodeMetrics } from "../src/northbound/line-node-metrics.js";
import { dataMetric, sparkplugDeviceOf } from "../src/northbound/sparkplug-metrics.js";
import { SparkplugEdgeNode } from "../src/northbound/sparkplug-edge-node.js";
import type { TagChange } from "../src/tags/tag-table.js";
import { TagTable } from "../src/tags/tag-table.js";
import { startTestMosquitto } from "../test/helpers/mosquitto.js";
import { waitFor } from "../test/helpers/wait-for.js";
import type { BenchFigure } from "./bench-figure.js";

const TICK_MS = 100;
const DURATION_MS = 5000;
const NORMAL_TAGS = 20;
const NORMAL_EVERY_MS = 50;
const NORMAL_DURATION_MS = 8000;
const GROUP = "bench-site";

const spB = sparkplugPayload("spBv1.0")!;

interface Publisher {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** The raw baseline: per-station change lists, one encode + publish per station per tick. */
function rawPublisher(url: string, tags: TagTable, edgeNode: string): Publisher {
  let client: MqttClient | null = null;
  let timer: NodeJS.Timeout | undefined;
  let off: (() => void) | undefined;
  let seq = 0;
  let pending = new Map<string, TagChange[]>();
  return {
    async start() {
      client = await mqtt.connectAsync(url, { clientId: `raw-${edgeNode}`, protocolVersion: 4 });
      off = tags.onChange((c) => {
        const d = sparkplugDeviceOf(c.config);
        const list = pending.get(d);
        if (list) list.push(c);
        else pending.set(d, [c]);
      }, "raw");
      timer = setInterval(() => {
        const now = Date.now();
        const batch = pending;
        pending = new Map();
        for (const [device, changes] of batch) {
          const payload = { timestamp: now, seq: seq++ % 256, metrics: changes.map((c) => dataMetric(c.config, c.current, now)) };
          const bytes = spB.encodePayload(payload);
          client!.publish(`spBv1.0/${GROUP}/DDATA/${edgeNode}/${device}`, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { qos: 0 });
        }
      }, TICK_MS);
    },
    async stop() {
      clearInterval(timer);
      off?.();
      await client?.endAsync();
    },
  };
}

/** Counts the DDATA metrics of one edge node and each one's change → arrival latency. */
async function consumer(url: string) {
  const client = await mqtt.connectAsync(url, { clientId: `bench-consumer-${process.pid}` });
  // `since`: only metrics changed at or after it count for the latency (a backlog of the throughput phase that
  // the broker or this consumer still works off must not count as the latency phase's).
  const state = { edgeNode: "", metrics: 0, lastAt: 0, latencies: [] as number[], keepLatency: false, since: 0 };
  client.on("message", (topic, bytes) => {
    const parts = topic.split("/");
    if (parts[2] !== "DDATA" || parts[3] !== state.edgeNode) return;
    const now = Date.now();
    const p = spB.decodePayload(new Uint8Array(bytes));
    for (const m of p.metrics ?? []) {
      if (m.name?.startsWith("Operation/")) continue;
      state.metrics++;
      state.lastAt = now;
      if (state.keepLatency && Number(m.timestamp) >= state.since) state.latencies.push(now - Number(m.timestamp));
    }
  });
  await client.subscribeAsync(`spBv1.0/${GROUP}/#`, { qos: 0 });
  return { client, state };
}

const p95 = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.95))] ?? Number.NaN;
};

export async function run(): Promise<BenchFigure[]> {
  const config = loadConfigOrThrow("plc-config");
  const numeric = config.tags.filter((t) => t.type !== "bool");
  const broker = await startTestMosquitto();
  const dataDir = mkdtempSync(join(tmpdir(), "bench-sparkplug-"));
  const sink = await consumer(broker.url);
  try {
    const measure = async (kind: "ours" | "raw") => {
      const tags = new TagTable(config.tags, systemClock);
      const t0 = Date.now();
      tags.onUpdates(config.tags.map((c) => ({ name: c.name, value: c.type === "bool" ? false : 0, quality: GOOD, sourceTs: t0, serverTs: t0 })));
      const edgeNode = `${kind}-node`;
      const pub: Publisher =
        kind === "raw"
          ? rawPublisher(broker.url, tags, edgeNode)
          : new SparkplugEdgeNode({
              url: broker.url,
              groupId: GROUP,
              edgeNodeId: edgeNode,
              tickMs: TICK_MS,
              tags: config.tags,
              tagSource: tags,
              nodeMetrics: () => lineNodeMetrics({ state: "Execute", mode: "Production", firstOut: "", tripped: [], alarmsByPriority: { critical: 0, high: 0 }, unacknowledged: 0, rollId: "", rollLengthM: 0 }, Date.now()),
              dataDir: join(dataDir, kind),
              clock: systemClock,
              logger: silentLogger(),
            });
      sink.state.edgeNode = edgeNode;
      await pub.start();
      if (pub instanceof SparkplugEdgeNode) await waitFor("the edge node born", 10_000, () => pub.status().connected, 20);
      // Throughput: every numeric tag changes on every turn of the event loop.
      sink.state.metrics = 0;
      sink.state.keepLatency = false;
      let offered = 0;
      let v = 1;
      const start = Date.now();
      while (Date.now() - start < DURATION_MS) {
        const ts = Date.now();
        const batch: TagUpdate[] = numeric.map((t) => ({ name: t.name, value: (v++ % 1000) + 0.5, quality: GOOD, sourceTs: ts, serverTs: ts }));
        tags.onUpdates(batch);
        offered += batch.length;
        await new Promise((r) => setImmediate(r));
      }
      await new Promise((r) => setTimeout(r, 3 * TICK_MS + 200)); // the last ticks' messages arrive (nothing more after)
      const delivered = sink.state.metrics;
      const throughput = delivered / (DURATION_MS / 1000);
      // The flood's backlog (broker, socket, this consumer) worked off before the latency phase: no metric for 500 ms.
      await waitFor("the throughput phase's backlog delivered", 60_000, () => Date.now() - sink.state.lastAt > 500, 50);
      // Latency at the line's normal rate.
      sink.state.latencies = [];
      sink.state.keepLatency = true;
      const lStart = Date.now();
      sink.state.since = lStart;
      let i = 0;
      while (Date.now() - lStart < NORMAL_DURATION_MS) {
        const ts = Date.now();
        tags.onUpdates(numeric.slice(0, NORMAL_TAGS).map((t) => ({ name: t.name, value: (i++ % 1000) + 0.25, quality: GOOD, sourceTs: ts, serverTs: ts })));
        await new Promise((r) => setTimeout(r, NORMAL_EVERY_MS));
      }
      await new Promise((r) => setTimeout(r, 3 * TICK_MS + 200));
      sink.state.keepLatency = false;
      const latencyP95 = p95(sink.state.latencies);
      await pub.stop();
      return { throughput, offered: offered / (DURATION_MS / 1000), delivered, latencyP95, samples: sink.state.latencies.length };
    };
    // Raw first, then ours, then raw again: the baseline brackets ours (the better raw figure counts).
    const raw1 = await measure("raw");
    const ours = await measure("ours");
    const raw2 = await measure("raw");
    const raw = { throughput: Math.max(raw1.throughput, raw2.throughput), latencyP95: Math.min(raw1.latencyP95, raw2.latencyP95) };
    const ratio = ours.throughput / raw.throughput;
    return [
      {
        name: "sparkplug publish throughput (every numeric tag changing each event-loop turn)",
        unit: "metrics/s delivered",
        value: Math.round(ours.throughput),
        baseline: Math.round(raw.throughput),
        ratio: Math.round(ratio * 100) / 100,
        goal: ">= 0.8x raw mqtt publisher",
        pass: ratio >= 0.8,
        detail: { tickMs: TICK_MS, tags: numeric.length, offeredPerS: { ours: Math.round(ours.offered), raw: [Math.round(raw1.offered), Math.round(raw2.offered)] }, rawRuns: [Math.round(raw1.throughput), Math.round(raw2.throughput)] },
      },
      {
        name: `sparkplug change -> broker -> consumer latency p95 (${NORMAL_TAGS} tags every ${NORMAL_EVERY_MS} ms)`,
        unit: "ms",
        value: ours.latencyP95,
        baseline: raw.latencyP95,
        ratio: Math.round((raw.latencyP95 / ours.latencyP95) * 100) / 100,
        goal: `<= raw + one tick (${TICK_MS} ms)`,
        pass: ours.latencyP95 <= raw.latencyP95 + TICK_MS,
        detail: { samples: { ours: ours.samples, raw: [raw1.samples, raw2.samples] }, rawRuns: [raw1.latencyP95, raw2.latencyP95] },
      },
    ];
  } finally {
    await sink.client.endAsync();
    await broker.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
