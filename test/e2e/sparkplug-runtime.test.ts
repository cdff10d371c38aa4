import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
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

interface AuditRecordJson {
  readonly user: string;
  readonly action: string;
  readonly target: string;
  readonly result: string;
  readonly resultReason: string | null;
  readonly clientAddress: string;
}

/** A DCMD from the test's host: `Operation/Request` with an id, or any metric. */
async function dcmd(host: MqttClient, topic: string, metrics: { name: string; type: "String" | "Boolean"; value: string | boolean }[]): Promise<void> {
  await host.publishAsync(topic, Buffer.from(spB.encodePayload({ timestamp: Date.now(), metrics })));
}

/** The `Operation/Result` answers seen so far, parsed. */
function results(seen: readonly { topic: string; payload: UPayload }[]): { id: string; op: string; ok: boolean; code?: string; message?: string }[] {
  return seen.flatMap((s) => (s.payload.metrics ?? []).filter((m) => m.name === "Operation/Result" && typeof m.value === "string" && m.value !== "").map((m) => JSON.parse(m.value as string)));
}

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

    // Commands from the north are refused by default: answered in Operation/Result, recorded, nothing run.
    const topic = `spBv1.0/htr-site/DCMD/${tc.config.line.id}/htr`;
    await dcmd(host, topic, [{ name: "Operation/Id", type: "String", value: "mes-1" }, { name: "Operation/Request", type: "String", value: JSON.stringify({ op: "line.command", input: { command: "reset" } }) }]);
    await waitFor("the refusal in Operation/Result", 10_000, () => results(seen).some((r) => r.id === "mes-1"), 50);
    const refusal = results(seen).find((r) => r.id === "mes-1")!;
    assert.equal(refusal.ok, false);
    assert.equal(refusal.code, "SCADA_ERR_NORTHBOUND_COMMAND_REFUSED");
    const denied = (await admin.getJson<{ records: AuditRecordJson[] }>("/api/audit?action=access.denied")).records.filter((r) => r.target.startsWith("sparkplug DCMD"));
    assert.equal(denied.length, 1, JSON.stringify(denied));
    assert.match(denied[0]!.resultReason ?? "", /acceptCommands is false/);
    assert.equal((await admin.getJson<{ state: string }>("/api/line")).state, "Stopped", "nothing ran");

    const beforeKill = seen.length;
    await scada.kill("SIGKILL");
    await waitFor("the NDEATH will", 10_000, () => seen.slice(beforeKill).some((s) => s.topic.split("/")[2] === "NDEATH"), 20);
    const death = seen.slice(beforeKill).find((s) => s.topic.split("/")[2] === "NDEATH")!;
    assert.equal(Number(death.payload.metrics?.find((m) => m.name === "bdSeq")?.value), bdSeq, "the will names the session that died");
  });
});

/**
 * With `acceptCommands: true` and a service user: a DCMD's Operation/Request is an operation of the one runner
 * as that user — executed within its role's permissions and audited under its name; a tag written the
 * Sparkplug way, an operation outside the role and a signed operation are refused, answered and recorded.
 */
describe("e2e: commands from the north as operations of a service user (acceptCommands)", function () {
  this.timeout(120_000);
  let tc: TestConfig;
  let broker: TestMosquitto;
  let host: MqttClient;
  let scada: Child | undefined;
  let dataDir: string;
  const seen: { topic: string; payload: UPayload }[] = [];

  before(async () => {
    tc = await realConfigOnFreePorts();
    writeFileSync(join(tc.dir, "northbound.yaml"), "sparkplug:\n  groupId: htr-site\n  tickMs: 100\n  acceptCommands: true\n  commandUser: mes\n");
    broker = await startTestMosquitto();
    dataDir = mkdtempSync(join(tmpdir(), "scada-sparkplug-cmd-"));
    host = await mqtt.connectAsync(broker.url, { clientId: `e2e-cmd-host-${process.pid}` });
    host.on("message", (topic, bytes) => {
      if (topic.split("/")[2] !== "DCMD") seen.push({ topic, payload: spB.decodePayload(new Uint8Array(bytes)) });
    });
    await host.subscribeAsync("spBv1.0/#", { qos: 1 });
  });

  after(async () => {
    await scada?.kill();
    await host?.endAsync();
    await broker?.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(tc.dir, { recursive: true, force: true });
  });

  it("runs line.command reset as 'mes' (operator), audited under its name; refuses a tag write, a missing permission and a signed operation", async () => {
    const port = await freePort();
    scada = spawnScada(["start", "--sim", "--purged"], { PORT: String(port), SCADA_CONFIG_DIR: tc.dir, SCADA_DATA_DIR: dataDir, SCADA_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD, SCADA_MQTT_URL: broker.url });
    await scada.waitForOutput("HTR SCADA", 60_000);
    const admin = await adminClient(`http://127.0.0.1:${port}`);
    const created = await admin.post("/api/users", { name: "mes", role: "operator", password: "north-service-2026-x" });
    assert.equal(created.status, 201, await created.text());
    await waitFor("the births", 20_000, () => seen.some((s) => s.topic.split("/")[2] === "DBIRTH"), 50);
    const birth = seen.find((s) => s.topic.endsWith(`/DBIRTH/${tc.config.line.id}/htr`))!;
    assert.equal(birth.payload.metrics?.find((m) => m.name === "Operation/Request")?.properties?.readOnly?.value, false, "the birth says commands are accepted");
    const topic = `spBv1.0/htr-site/DCMD/${tc.config.line.id}/htr`;
    const ask = (id: string, op: string, input: unknown) =>
      dcmd(host, topic, [{ name: "Operation/Id", type: "String", value: id }, { name: "Operation/Request", type: "String", value: JSON.stringify({ op, input }) }]);
    // A reset right after the boot may be refused while the PLCs' first data settles: asked again until Idle.
    let resets = 0;
    await waitFor("the line reset to Idle by a DCMD", 40_000, async () => {
      const state = (await admin.getJson<{ state: string }>("/api/line")).state;
      if (state === "Stopped" && results(seen).filter((r) => r.op === "line.command").length === resets) await ask(`r1-${++resets}`, "line.command", { command: "reset" });
      return state === "Idle";
    }, { everyMs: 200, observe: () => results(seen) });
    const accepted = results(seen).filter((r) => r.id.startsWith("r1-") && r.ok);
    assert.ok(accepted.length >= 1, "a reset accepted");
    await ask("r2", "line.mode", { mode: "Maintenance" });
    await ask("r3", "interlock.bypass", { id: "IL-05", minutes: 5, reason: "from the north", signature: { password: "x", meaning: "responsibility" } });
    await dcmd(host, topic, [{ name: "Operation/Id", type: "String", value: "r4" }, { name: "htr.heater_enable", type: "Boolean", value: true }]);
    await waitFor("three answers", 15_000, () => ["r2", "r3", "r4"].every((id) => results(seen).some((r) => r.id === id)), { everyMs: 50, observe: () => results(seen) });
    const answer = (id: string) => results(seen).find((r) => r.id === id)!;
    assert.equal(answer("r2").code, "SCADA_ERR_AUTH_FORBIDDEN", "an operator may not change the unit mode");
    assert.equal(answer("r3").code, "SCADA_ERR_NORTHBOUND_COMMAND_REFUSED");
    assert.match(answer("r3").message ?? "", /e-signature/);
    assert.equal(answer("r4").code, "SCADA_ERR_NORTHBOUND_COMMAND_REFUSED");
    assert.match(answer("r4").message ?? "", /never written from the north/);

    const records = (await admin.getJson<{ records: AuditRecordJson[] }>("/api/audit?limit=200")).records;
    const reset = records.find((r) => r.action === "line.command" && r.user === "mes" && r.result === "ok");
    assert.ok(reset, "the reset recorded under the service user");
    assert.equal(reset!.clientAddress, `sparkplug htr-site/${tc.config.line.id}`);
    assert.ok(records.some((r) => r.action === "line.mode" && r.user === "mes" && r.result === "refused"), "the forbidden mode change recorded");
    assert.equal(records.filter((r) => r.action === "access.denied" && r.target.startsWith("sparkplug DCMD")).length, 2, "the signed operation and the tag write recorded as refused");
    await waitFor("the counters in NDATA", 5000, () => seen.some((s) => s.topic.split("/")[2] === "NDATA" && s.payload.metrics?.some((m) => m.name === "Commands/Refused" && Number(m.value) >= 3)), 50);
  });
});
