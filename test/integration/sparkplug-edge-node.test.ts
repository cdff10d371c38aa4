import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import { get as sparkplugPayload } from "sparkplug-payload";
import type { UPayload } from "sparkplug-payload/lib/sparkplugbpayload.js";
import { loadConfigOrThrow } from "../../src/config/config-loader.js";
import { systemClock } from "../../src/core/clock.js";
import { silentLogger } from "../../src/core/logger.js";
import { bad, GOOD } from "../../src/core/tag-value.js";
import { lineNodeMetrics } from "../../src/northbound/line-node-metrics.js";
import { SparkplugEdgeNode } from "../../src/northbound/sparkplug-edge-node.js";
import { TagTable } from "../../src/tags/tag-table.js";
import { startTestMosquitto, type TestMosquitto } from "../helpers/mosquitto.js";
import { waitFor } from "../helpers/wait-for.js";

/** The independent consumer's decoder: Eclipse Tahu's, straight from sparkplug-payload (not the project's codec). */
const spB = sparkplugPayload("spBv1.0")!;

interface Seen {
  readonly topic: string;
  readonly payload: UPayload;
  readonly at: number;
}

/** A Sparkplug host in the test: subscribes to the group, decodes every message, keeps them in order. */
async function consumer(url: string, group: string): Promise<{ client: MqttClient; seen: Seen[]; of: (type: string, device?: string) => Seen[] }> {
  const client = await mqtt.connectAsync(url, { clientId: `test-host-${process.pid}-${Math.random().toString(16).slice(2, 8)}`, reconnectPeriod: 500 });
  const seen: Seen[] = [];
  client.on("message", (topic, bytes) => {
    const type = topic.split("/")[2];
    if (type === "NCMD" || type === "DCMD") return; // the test's own commands, some of them garbage on purpose
    seen.push({ topic, payload: spB.decodePayload(new Uint8Array(bytes)), at: Date.now() });
  });
  await client.subscribeAsync(`spBv1.0/${group}/#`, { qos: 1 });
  const of = (type: string, device?: string) => seen.filter((s) => s.topic.split("/")[2] === type && (device === undefined || s.topic.split("/")[4] === device));
  return { client, seen, of };
}

const num = (v: unknown): number => Number(v as number);
/** The conductivities 1001 … 1000 + n that are not in `got`. */
const missing = (got: number[], n: number) => Array.from({ length: n }, (_, i) => 1001 + i).filter((v) => !got.includes(v));
const metric = (p: UPayload, name: string) => p.metrics?.find((m) => m.name === name);

/**
 * The Sparkplug B edge node against a real mosquitto (Debian's), with the shipped tag configuration and a real
 * tag table fed by the test (as the drivers would feed it); a consumer in the test decodes with Eclipse
 * Tahu's sparkplug-payload. Births with every tag and its unit and range, DDATA with sequence numbers and
 * quality, a rebirth on NCMD, bad commands ignored and counted, the broker away → the changes kept on disk
 * and published in order, marked historical, after the next births; NDEATH on a clean stop.
 */
describe("Sparkplug B edge node against a real mosquitto", function () {
  this.timeout(90_000);
  const config = loadConfigOrThrow("plc-config");
  const group = "test-site";
  let broker: TestMosquitto;
  let dataDir: string;
  let tags: TagTable;
  let node: SparkplugEdgeNode;
  let host: Awaited<ReturnType<typeof consumer>>;
  let lineState = "Stopped";

  const newNode = () =>
    new SparkplugEdgeNode({
      url: broker.url,
      groupId: group,
      edgeNodeId: "htr-1",
      tickMs: 50,
      tags: config.tags,
      tagSource: tags,
      nodeMetrics: () => lineNodeMetrics({ state: lineState, mode: "Production", firstOut: "", tripped: [], alarmsByPriority: { critical: 0, high: 1 }, unacknowledged: 1, rollId: "", rollLengthM: 0 }, Date.now()),
      dataDir,
      clock: systemClock,
      logger: silentLogger(),
    });
  const set = (name: string, value: number | boolean, ts = Date.now()) => tags.onUpdates([{ name, value, quality: GOOD, sourceTs: ts, serverTs: ts }]);

  before(async () => {
    broker = await startTestMosquitto();
    dataDir = mkdtempSync(join(tmpdir(), "sparkplug-"));
    tags = new TagTable(config.tags, systemClock);
    for (const t of config.tags) set(t.name, t.type === "bool" ? false : (t.range?.min ?? 0));
    host = await consumer(broker.url, group);
    node = newNode();
    await node.start();
  });

  after(async () => {
    await node?.stop();
    await host?.client.endAsync();
    await broker?.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("NBIRTH with bdSeq, rebirth control and the line's metrics; one DBIRTH per station with every tag, its datatype, unit, range and quality", async () => {
    const stations = [...new Set(config.tags.map((t) => t.station ?? t.device))];
    await waitFor("NBIRTH and every DBIRTH", 15_000, () => host.of("NBIRTH").length === 1 && stations.every((s) => host.of("DBIRTH", s).length === 1), { everyMs: 20, observe: () => host.seen.map((s) => s.topic) });
    const nbirth = host.of("NBIRTH")[0]!.payload;
    assert.equal(num(nbirth.seq), 0);
    assert.equal(num(metric(nbirth, "bdSeq")?.value), node.status().bdSeq);
    assert.equal(metric(nbirth, "Node Control/Rebirth")?.value, false);
    assert.equal(metric(nbirth, "Line/State")?.value, "Stopped");
    assert.equal(metric(nbirth, "Alarms/Unacknowledged")?.value, 1);
    const births = stations.map((s) => host.of("DBIRTH", s)[0]!);
    assert.deepEqual(births.map((b) => num(b.payload.seq)), stations.map((_, i) => i + 1), "DBIRTHs follow the NBIRTH in sequence");
    const all = births.flatMap((b) => b.payload.metrics ?? []).filter((m) => !m.name?.startsWith("Operation/"));
    assert.deepEqual(all.map((m) => m.name).sort(), config.tags.map((t) => t.name).sort(), "every tag, once");
    for (const b of births) {
      const request = metric(b.payload, "Operation/Request");
      assert.equal(request?.properties?.readOnly?.value, true, "each station says where a command would go, read-only: commands are not accepted");
      assert.ok(metric(b.payload, "Operation/Result"), "and where its answer comes");
    }
    for (const t of config.tags) {
      const m = all.find((x) => x.name === t.name)!;
      assert.equal(m.properties?.engUnit?.value, t.units, `${t.name} unit`);
      assert.equal(m.properties?.Quality?.value, 192, `${t.name} Good`);
      if (t.range) assert.deepEqual([m.properties?.engLow?.value, m.properties?.engHigh?.value], [t.range.min, t.range.max], `${t.name} range`);
      assert.equal(m.type, t.scaling ? "Double" : { bool: "Boolean", int16: "Int16", uint16: "UInt16", int32: "Int32", uint32: "UInt32", float32: "Float", float64: "Double" }[t.type], `${t.name} datatype`);
    }
    const webTemp = all.find((m) => m.name === "htr.web_temp")!;
    assert.equal(births.find((b) => b.payload.metrics?.includes(webTemp))!.topic, "spBv1.0/test-site/DBIRTH/htr-1/htr");
  });

  it("DDATA per station and tick, with the source timestamp and increasing sequence numbers; a value going Bad carries quality 0 and its reason", async () => {
    const from = host.seen.length;
    const t0 = Date.now() - 5;
    for (let i = 1; i <= 20; i++) set("htr.web_temp", 1000 + i, t0 + i);
    set("feed.web_speed", 1.5, t0 + 21);
    tags.onUpdates([{ name: "htr.o2", value: null, quality: bad("link lost"), sourceTs: t0 + 22, serverTs: t0 + 22 }]);
    const ddata = () => host.seen.slice(from).filter((s) => s.topic.includes("/DDATA/"));
    const values = () => ddata().flatMap((s) => (s.payload.metrics ?? []).filter((m) => m.name === "htr.web_temp").map((m) => num(m.value)));
    await waitFor("20 web temperatures and the o2 going Bad", 10_000, () => values().length === 20 && ddata().some((s) => s.payload.metrics?.some((m) => m.name === "htr.o2")), 20);
    assert.deepEqual(values(), Array.from({ length: 20 }, (_, i) => 1001 + i), "every change, in order");
    const o2 = ddata().flatMap((s) => s.payload.metrics ?? []).find((m) => m.name === "htr.o2")!;
    assert.equal(o2.value, null, "a value the SCADA does not have is null, not 0");
    assert.equal(o2.properties?.Quality?.value, 0);
    assert.equal(o2.properties?.QualityReason?.value, "link lost");
    const temps = ddata().flatMap((s) => s.payload.metrics ?? []).filter((m) => m.name === "htr.web_temp");
    assert.deepEqual(temps.map((m) => num(m.timestamp)), Array.from({ length: 20 }, (_, i) => t0 + i + 1), "source timestamps");
    assert.ok(ddata().every((s) => s.topic === "spBv1.0/test-site/DDATA/htr-1/htr" || s.topic === "spBv1.0/test-site/DDATA/htr-1/feed"), ddata().map((s) => s.topic).join());
    const seqs = host.seen.filter((s) => !s.topic.includes("/NDEATH/")).map((s) => num(s.payload.seq));
    for (let i = 1; i < seqs.length; i++) assert.equal(seqs[i], (seqs[i - 1]! + 1) % 256, `seq ${seqs.join(",")}`);
  });

  it("NDATA when the line's own metrics change", async () => {
    const from = host.seen.length;
    lineState = "Execute";
    await waitFor("NDATA Line/State Execute", 5000, () => host.seen.slice(from).some((s) => s.topic.endsWith("/NDATA/htr-1") && metric(s.payload, "Line/State")?.value === "Execute"), 20);
    const nd = host.seen.slice(from).find((s) => s.topic.endsWith("/NDATA/htr-1"))!;
    assert.deepEqual(nd.payload.metrics?.map((m) => m.name), ["Line/State"], "only what changed");
  });

  it("a rebirth on NCMD Node Control/Rebirth: NBIRTH at seq 0 with the same bdSeq, then the DBIRTHs", async () => {
    const from = host.seen.length;
    const bdSeq = node.status().bdSeq;
    await host.client.publishAsync("spBv1.0/test-site/NCMD/htr-1", Buffer.from(spB.encodePayload({ timestamp: Date.now(), metrics: [{ name: "Node Control/Rebirth", type: "Boolean", value: true }] })));
    const stations = new Set(config.tags.map((t) => t.station ?? t.device)).size;
    await waitFor("a new NBIRTH and the DBIRTHs", 10_000, () => host.seen.slice(from).filter((s) => s.topic.includes("/DBIRTH/")).length === stations, 20);
    const nb = host.seen.slice(from).find((s) => s.topic.endsWith("/NBIRTH/htr-1"))!;
    assert.equal(num(nb.payload.seq), 0);
    assert.equal(num(metric(nb.payload, "bdSeq")?.value), bdSeq);
    assert.equal(metric(nb.payload, "Line/State")?.value, "Execute");
  });

  it("malformed and unknown commands are ignored and counted, never a crash; a DCMD is refused (not executed)", async () => {
    const before = node.status();
    await host.client.publishAsync("spBv1.0/test-site/NCMD/htr-1", Buffer.from([0xff, 0x01, 0x02, 0x03, 0x04]));
    await host.client.publishAsync("spBv1.0/test-site/NCMD/htr-1", Buffer.from(spB.encodePayload({ timestamp: Date.now(), metrics: [{ name: "Node Control/Reboot", type: "Boolean", value: true }] })));
    await host.client.publishAsync("spBv1.0/test-site/DCMD/htr-1/htr", Buffer.from(spB.encodePayload({ timestamp: Date.now(), metrics: [{ name: "htr.heater_enable", type: "Boolean", value: true }] })));
    for (let i = 0; i < 200; i++) await host.client.publishAsync("spBv1.0/test-site/DCMD/htr-1/feed", Buffer.from(`garbage ${i}`));
    await waitFor("every bad command counted", 10_000, () => node.status().malformedMessages + node.status().ignoredCommands >= before.malformedMessages + before.ignoredCommands + 202 && node.status().refusedCommands === before.refusedCommands + 1, { everyMs: 20, observe: () => node.status() });
    assert.equal(node.status().malformedMessages - before.malformedMessages >= 1, true);
    assert.equal(node.status().acceptedCommands, 0);
    // The DCMD without a command handler: refused, and the refusal answered in the station's next DDATA.
    await waitFor("the refusal in Operation/Result", 5000, () => host.of("DDATA", "htr").some((s) => String(metric(s.payload, "Operation/Result")?.value ?? "").includes("SCADA_ERR_NORTHBOUND_COMMAND_REFUSED")), 20);
    assert.ok(node.status().connected, "still connected");
    // Still publishing.
    const from = host.seen.length;
    set("quench.exit_web_temp", 350);
    await waitFor("a DDATA after the bad commands", 5000, () => host.seen.slice(from).some((s) => s.topic.endsWith("/DDATA/htr-1/quench")), 20);
  });

  it("the broker away: changes kept on disk, then after the new births published in order and marked historical", async () => {
    await broker.stop();
    await waitFor("the edge node sees the broker gone", 10_000, () => !node.status().connected, 20);
    const t0 = Date.now();
    for (let i = 1; i <= 50; i++) {
      set("rinse.conductivity", 100 + i, t0 + i);
      if (i % 10 === 0) await new Promise((r) => setTimeout(r, 60)); // several ticks: several batches on disk
    }
    await waitFor("the backlog on disk", 5000, () => node.status().backlogBytes > 0, 20);
    const bdSeqBefore = node.status().bdSeq;
    const from = host.seen.length;
    await broker.start();
    await waitFor("births, then 50 historical conductivities", 30_000, () =>
      host.seen.slice(from).flatMap((s) => s.payload.metrics ?? []).filter((m) => m.name === "rinse.conductivity" && m.isHistorical === true).length === 50, { everyMs: 50, observe: () => ({ status: node.status(), topics: host.seen.slice(from).map((s) => s.topic) }) });
    const after = host.seen.slice(from);
    const firstBirth = after.findIndex((s) => s.topic.endsWith("/NBIRTH/htr-1"));
    const firstHistorical = after.findIndex((s) => s.payload.metrics?.some((m) => m.isHistorical));
    assert.ok(firstBirth >= 0 && firstBirth < firstHistorical, "the births come first");
    assert.ok(num(metric(after[firstBirth]!.payload, "bdSeq")?.value) === (bdSeqBefore + 1) % 256 || num(metric(after[firstBirth]!.payload, "bdSeq")?.value) > bdSeqBefore, "a new session's bdSeq");
    const hist = after.flatMap((s) => s.payload.metrics ?? []).filter((m) => m.name === "rinse.conductivity" && m.isHistorical);
    assert.deepEqual(hist.map((m) => num(m.value)), Array.from({ length: 50 }, (_, i) => 101 + i), "nothing lost, order kept");
    assert.deepEqual(hist.map((m) => num(m.timestamp)), Array.from({ length: 50 }, (_, i) => t0 + i + 1));
    await waitFor("the backlog drained", 5000, () => node.status().backlogBytes === 0 && node.status().connected, 20);
    // Live again, not historical.
    const from2 = host.seen.length;
    set("rinse.conductivity", 42);
    await waitFor("a live DDATA", 5000, () => host.seen.slice(from2).some((s) => s.payload.metrics?.some((m) => m.name === "rinse.conductivity" && num(m.value) === 42 && !m.isHistorical)), 20);
  });

  it("a clean stop sends NDEATH with the session's bdSeq", async () => {
    const from = host.seen.length;
    const bdSeq = node.status().bdSeq;
    await node.stop();
    await waitFor("NDEATH", 5000, () => host.seen.slice(from).some((s) => s.topic === "spBv1.0/test-site/NDEATH/htr-1"), 20);
    const death = host.seen.slice(from).find((s) => s.topic.endsWith("/NDEATH/htr-1"))!;
    assert.equal(num(metric(death.payload, "bdSeq")?.value), bdSeq);
    node = newNode();
    await node.start();
    await waitFor("the next session's NBIRTH", 10_000, () => host.seen.slice(from).some((s) => s.topic.endsWith("/NBIRTH/htr-1")), 20);
    const nb = host.seen.slice(from).find((s) => s.topic.endsWith("/NBIRTH/htr-1"))!;
    assert.equal(num(metric(nb.payload, "bdSeq")?.value), (bdSeq + 1) % 256, "bdSeq kept on disk across restarts, +1");
  });
});

/**
 * With a Primary Host Application (Sparkplug 3.0 STATE): the host in the test publishes its retained
 * `spBv1.0/STATE/test-host` online on every connect (offline as its will). The node publishes only while
 * it is online, so after a 30 s broker outage — when the node may reconnect before the host has
 * resubscribed — nothing is lost; and a host that says it is offline gets an NDEATH and, when back, births
 * followed by everything it missed, marked historical.
 */
describe("Sparkplug B edge node with a primary host (STATE), a 30 s broker outage", function () {
  this.timeout(180_000);
  const config = loadConfigOrThrow("plc-config");
  const stateTopic = "spBv1.0/STATE/test-host";
  let broker: TestMosquitto;
  let dataDir: string;
  let tags: TagTable;
  let node: SparkplugEdgeNode;
  let host: Awaited<ReturnType<typeof consumer>>;
  const set = (name: string, value: number, ts = Date.now()) => tags.onUpdates([{ name, value, quality: GOOD, sourceTs: ts, serverTs: ts }]);
  const online = (on: boolean) => host.client.publishAsync(stateTopic, JSON.stringify({ online: on, timestamp: Date.now() }), { qos: 1, retain: true });
  const historical = (from: number, name: string) => host.seen.slice(from).flatMap((s) => s.payload.metrics ?? []).filter((m) => m.name === name && m.isHistorical === true);

  before(async () => {
    broker = await startTestMosquitto();
    dataDir = mkdtempSync(join(tmpdir(), "sparkplug-host-"));
    tags = new TagTable(config.tags, systemClock);
    const t = Date.now();
    tags.onUpdates(config.tags.map((c) => ({ name: c.name, value: c.type === "bool" ? false : 1, quality: GOOD, sourceTs: t, serverTs: t })));
    host = await consumer(broker.url, "test-site");
    // The host's own session: STATE online on every connect (after its subscriptions are back).
    host.client.on("connect", () => void online(true));
    host.client.options.will = { topic: stateTopic, payload: Buffer.from(JSON.stringify({ online: false, timestamp: Date.now() })), qos: 1, retain: true };
    node = new SparkplugEdgeNode({
      url: broker.url,
      groupId: "test-site",
      edgeNodeId: "htr-2",
      tickMs: 50,
      primaryHostId: "test-host",
      tags: config.tags,
      tagSource: tags,
      nodeMetrics: () => lineNodeMetrics({ state: "Execute", mode: "Production", firstOut: "", tripped: [], alarmsByPriority: {}, unacknowledged: 0, rollId: "", rollLengthM: 0 }, Date.now()),
      dataDir,
      clock: systemClock,
      logger: silentLogger(),
    });
    await node.start();
  });

  after(async () => {
    await node?.stop();
    await host?.client.endAsync();
    await broker?.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("no birth before the host says it is online; births right after", async () => {
    await new Promise((r) => setTimeout(r, 500)); // nothing more happens: the host has said nothing yet
    assert.equal(host.of("NBIRTH").length, 0, "silent until the host is online");
    assert.equal(node.status().primaryHostOnline, false);
    await online(true);
    await waitFor("NBIRTH after STATE online", 10_000, () => host.of("NBIRTH").length === 1, 20);
    assert.equal(node.status().primaryHostOnline, true);
  });

  it("the host offline: NDEATH, then the changes kept; online again: a new bdSeq's births, then every change, historical", async () => {
    const bdSeq = node.status().bdSeq;
    const from = host.seen.length;
    await online(false);
    await waitFor("NDEATH for the offline host", 10_000, () => host.seen.slice(from).some((s) => s.topic.endsWith("/NDEATH/htr-2")), 20);
    for (let i = 1; i <= 20; i++) set("rinse.conductivity", 500 + i, Date.now() + i);
    await waitFor("kept in the backlog", 5000, () => node.status().backlogBytes > 0, 20);
    assert.equal(host.seen.slice(from).filter((s) => s.topic.includes("/DDATA/htr-2/")).length, 0, "nothing published while the host is offline");
    await online(true);
    await waitFor("20 historical conductivities", 15_000, () => historical(from, "rinse.conductivity").length === 20, 20);
    assert.deepEqual(historical(from, "rinse.conductivity").map((m) => num(m.value)), Array.from({ length: 20 }, (_, i) => 501 + i));
    const nbirth = host.seen.slice(from).find((s) => s.topic.endsWith("/NBIRTH/htr-2"))!;
    assert.notEqual(num(metric(nbirth.payload, "bdSeq")?.value), bdSeq, "a new MQTT session, a new bdSeq");
  });

  it("the broker stopped for 30 s while two tags change at 20 Hz: every change published after it is back, in order, historical", async () => {
    await waitFor("connected", 10_000, () => node.status().connected, 20);
    await broker.stop();
    await waitFor("the node sees the broker gone", 10_000, () => !node.status().connected, 20);
    const t0 = Date.now();
    let n = 0;
    // 30 s of changes at 20 Hz, paced by the clock (each change stamped with its own source time).
    while (Date.now() - t0 < 30_000) {
      n++;
      const ts = Date.now();
      set("rinse.conductivity", 1000 + n, ts);
      set("quench.exit_web_temp", 300 + (n % 100), ts); // 1 K steps: beyond its 0.1 K deadband
      await new Promise((r) => setTimeout(r, 50));
    }
    const from = host.seen.length;
    await broker.start();
    await waitFor(`all ${n} historical conductivities`, 60_000, () => historical(from, "rinse.conductivity").length >= n, {
      everyMs: 100,
      observe: () => ({ got: historical(from, "rinse.conductivity").length, missing: missing(historical(from, "rinse.conductivity").map((m) => num(m.value)), n), status: node.status() }),
    });
    await waitFor("the backlog drained", 10_000, () => node.status().backlogBytes === 0 && node.status().connected, 20);
    assert.deepEqual(historical(from, "rinse.conductivity").map((m) => num(m.value)), Array.from({ length: n }, (_, i) => 1001 + i), "nothing lost, nothing doubled, order kept");
    const temps = historical(from, "quench.exit_web_temp");
    assert.equal(temps.length, n);
    const stamps = temps.map((m) => num(m.timestamp));
    assert.ok(stamps.every((t, i) => i === 0 || t >= stamps[i - 1]!), "source times in order");
    const after = host.seen.slice(from).filter((s) => s.topic.split("/")[3] === "htr-2");
    const birth = after.findIndex((s) => s.topic.endsWith("/NBIRTH/htr-2"));
    const firstHistorical = after.findIndex((s) => s.payload.metrics?.some((m) => m.isHistorical));
    assert.ok(birth >= 0 && birth < firstHistorical, "a fresh birth first");
    const seqs = after.slice(birth).filter((s) => s.topic.split("/")[2] !== "NDEATH").map((s) => num(s.payload.seq));
    assert.ok(seqs.every((q, i) => i === 0 || q === (seqs[i - 1]! + 1) % 256), "seq counts on without a gap from the NBIRTH");
    console.log(`      broker away 30 s: ${n} changes of each of 2 tags kept on disk and replayed, in order, after the births`);
  });
});
