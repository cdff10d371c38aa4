import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import { get as sparkplugPayload } from "sparkplug-payload";
import type { UPayload } from "sparkplug-payload/lib/sparkplugbpayload.js";
import { adminClient, setSimFault, TEST_ADMIN_PASSWORD } from "../helpers/api-client.js";
import { type Child, spawnScada } from "../helpers/child-process.js";
import { freePort } from "../helpers/free-port.js";
import { startTestMosquitto, type TestMosquitto } from "../helpers/mosquitto.js";
import { type TestConfig, realConfigOnFreePorts } from "../helpers/test-config.js";
import { waitFor } from "../helpers/wait-for.js";

const spB = sparkplugPayload("spBv1.0")!;

/**
 * `htr-scada start --sim` with SCADA_MQTT_URL on a real mosquitto, watched by a Sparkplug host in the test
 * (Eclipse Tahu's decoder): the births carry every configured tag with its unit, a fault at the virtual
 * plant shows in DDATA, and SIGKILL of the SCADA makes the broker publish the NDEATH will with the
 * session's bdSeq.
 */
describe("e2e: the SCADA as a Sparkplug B edge node (real mosquitto, SIGKILL)", function () {
  this.timeout(120_000);
  let tc: TestConfig;
  let broker: TestMosquitto;
  let host: MqttClient;
  let scada: Child | undefined;
  let dataDir: string;
  const seen: { topic: string; payload: UPayload }[] = [];
  const of = (type: string) => seen.filter((s) => s.topic.split("/")[2] === type);

  before(async () => {
    tc = await realConfigOnFreePorts();
    broker = await startTestMosquitto();
    dataDir = mkdtempSync(join(tmpdir(), "scada-sparkplug-"));
    host = await mqtt.connectAsync(broker.url, { clientId: `e2e-host-${process.pid}` });
    host.on("message", (topic, bytes) => seen.push({ topic, payload: spB.decodePayload(new Uint8Array(bytes)) }));
    await host.subscribeAsync("spBv1.0/#", { qos: 1 });
  });

  after(async () => {
    await scada?.kill();
    await host?.endAsync();
    await broker?.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(tc.dir, { recursive: true, force: true });
  });

  it("births with every tag and unit; a door opened at the plant in DDATA; the NDEATH will after SIGKILL", async () => {
    const port = await freePort();
    scada = spawnScada(["start", "--sim", "--purged"], { PORT: String(port), SCADA_CONFIG_DIR: tc.dir, SCADA_DATA_DIR: dataDir, SCADA_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD, SCADA_MQTT_URL: broker.url });
    await scada.waitForOutput("HTR SCADA", 60_000);
    const stations = new Set(tc.config.tags.map((t) => t.station ?? t.device));
    await waitFor("NBIRTH and the DBIRTHs", 20_000, () => of("NBIRTH").length >= 1 && of("DBIRTH").length >= stations.size, { everyMs: 50, observe: () => seen.map((s) => s.topic) });
    const nbirth = of("NBIRTH")[0]!;
    assert.equal(nbirth.topic, `spBv1.0/htr-site/NBIRTH/${tc.config.line.id}`, "group from northbound.yaml, edge node = the line id");
    const bdSeq = Number(nbirth.payload.metrics?.find((m) => m.name === "bdSeq")?.value);
    const births = of("DBIRTH").slice(0, stations.size).flatMap((s) => s.payload.metrics ?? []);
    for (const t of tc.config.tags) assert.equal(births.find((m) => m.name === t.name)?.properties?.engUnit?.value, t.units, t.name);

    const admin = await adminClient(`http://127.0.0.1:${port}`);
    const from = seen.length;
    await setSimFault(admin, "door-open", true);
    await waitFor("htr.door_closed false in a DDATA", 10_000, () => seen.slice(from).some((s) => s.topic.endsWith("/DDATA/" + tc.config.line.id + "/htr") && s.payload.metrics?.some((m) => m.name === "htr.door_closed" && m.value === false)), 50);

    const beforeKill = seen.length;
    await scada.kill("SIGKILL");
    await waitFor("the NDEATH will", 10_000, () => seen.slice(beforeKill).some((s) => s.topic.split("/")[2] === "NDEATH"), 20);
    const death = seen.slice(beforeKill).find((s) => s.topic.split("/")[2] === "NDEATH")!;
    assert.equal(Number(death.payload.metrics?.find((m) => m.name === "bdSeq")?.value), bdSeq, "the will names the session that died");
  });
});
