import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { loadConfigOrThrow } from "../../src/config/config-loader.js";
import { type OpcuaDeviceConfig, opcuaDeviceSchema } from "../../src/config/device-schema.js";
import { systemClock } from "../../src/core/clock.js";
import { silentLogger } from "../../src/core/logger.js";
import type { TagSink } from "../../src/core/tag-sink.js";
import type { TagUpdate } from "../../src/core/tag-value.js";
import { OpcuaDriver } from "../../src/drivers/opcua/opcua-driver.js";
import { routeOpcuaLibraryLog } from "../../src/drivers/opcua/opcua-library-log.js";
import { closeClientPki, listServerCertificates, openClientPki, thumbprintOf } from "../../src/drivers/opcua/opcua-trust-store.js";
import { createOpcuaPlantServer, type OpcuaPlantServer } from "../../src/sim/opcua-plant-server.js";
import { spawnScada } from "../helpers/child-process.js";
import { freePort } from "../helpers/free-port.js";
import { MemoryPlant } from "../helpers/memory-plant.js";
import { waitFor } from "../helpers/wait-for.js";

class LatestSink implements TagSink {
  readonly latest = new Map<string, TagUpdate>();
  onUpdates(updates: readonly TagUpdate[]): void {
    for (const u of updates) this.latest.set(u.name, u);
  }
  onConfirm(): void {}
}

/** `htr-scada certs …` on a data directory: exit code and output. */
async function certs(args: string[], dataDir: string): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawnScada(["certs", ...args, "--data", dataDir], {});
  const code = await child.exited;
  return { code, out: child.stdout(), err: child.stderr() };
}

/** Where the certificate sits in the trust list now (read in-process: the CLI's own list is tested above). */
async function statusesOf(dataDir: string, thumbprint: string): Promise<string[]> {
  const pki = await openClientPki(dataDir);
  try {
    return listServerCertificates(pki).filter((c) => c.thumbprint === thumbprint).map((c) => c.status);
  } finally {
    await closeClientPki(pki);
  }
}

/**
 * OPC UA trust on purpose, against a real server with a certificate nobody has seen (its own fresh PKI) and
 * security mode Sign: the driver refuses it by default and says which certificate; `htr-scada certs` lists it
 * as rejected, trusts it by a thumbprint prefix (audited through the queue), and the running driver connects
 * without a restart; bad thumbprints are refused and change nothing.
 */
describe("OPC UA server trust: refused by default, trusted with htr-scada certs, connected without restart", function () {
  this.timeout(90_000);

  const config = loadConfigOrThrow("plc-config");
  const base = config.devices.find((d): d is OpcuaDeviceConfig => d.protocol === "opcua" && d.id === "htr-plc")!;
  const tags = config.tags.filter((t) => t.device === "htr-plc");
  let serverDir: string;
  let clientDir: string;
  let plant: MemoryPlant;
  let server: OpcuaPlantServer | undefined;
  let driver: OpcuaDriver | undefined;
  let device: OpcuaDeviceConfig;
  const sink = new LatestSink();

  before(async () => {
    routeOpcuaLibraryLog(silentLogger()); // node-opcua's dump of the refused certificate, on every retry, stays off the test output
    serverDir = mkdtempSync(join(tmpdir(), "opcua-trust-server-"));
    clientDir = mkdtempSync(join(tmpdir(), "opcua-trust-client-"));
    const port = await freePort();
    // the schema's defaults, as a devices.yaml without acceptUnknownCertificate gets them
    const parsed = opcuaDeviceSchema.parse({ ...base, endpoint: `opc.tcp://127.0.0.1:${port}`, securityMode: "Sign", securityPolicy: "Basic256Sha256", acceptUnknownCertificate: undefined });
    device = parsed;
    assert.equal(device.acceptUnknownCertificate, false, "an unknown server certificate is refused by default");
    plant = new MemoryPlant(tags);
    plant.startScanning(10);
    server = await createOpcuaPlantServer({ device, tags, plant, port, dataDir: serverDir, logger: silentLogger() });
  });

  after(async () => {
    await driver?.stop();
    plant?.stopScanning();
    await server?.stop();
    rmSync(serverDir, { recursive: true, force: true });
    rmSync(clientDir, { recursive: true, force: true });
  });

  it("refuses the unknown server, naming its thumbprint; the CLI lists it; a bad thumbprint is refused; trust connects the running driver", async () => {
    const thumbprint = thumbprintOf(server!.certificate()!);
    driver = new OpcuaDriver({ device, tags, sink, clock: systemClock, logger: silentLogger(), dataDir: clientDir });
    await driver.start();
    await waitFor("the connect refused for the server certificate", 20_000, () => driver!.untrustedCertificate() !== null && /not trusted/.test(driver!.health().reason), {
      observe: () => driver!.health().reason,
    });
    const health = driver.health();
    assert.equal(health.connected, false);
    assert.match(health.reason, new RegExp(`thumbprint ${thumbprint}`));
    assert.match(health.reason, /htr-scada certs trust/);
    assert.equal(driver.untrustedCertificate()!.thumbprint, thumbprint);
    assert.match(driver.untrustedCertificate()!.subject, /CN=/);
    for (const t of tags) assert.equal(sink.latest.get(t.name)?.quality.status ?? "Bad", "Bad", `${t.name} must not be Good while the server is not trusted`);

    const listed = await certs(["list"], clientDir);
    assert.equal(listed.code, 0, listed.err);
    const row = listed.out.split("\n").find((l) => l.includes(thumbprint));
    assert.ok(row, `certs list shows ${thumbprint}:\n${listed.out}`);
    assert.match(row, /^rejected\s/);
    const json = JSON.parse((await certs(["list", "--json"], clientDir)).out) as { status: string; thumbprint: string; validTo: string; applicationUri: string | null }[];
    const entry = json.find((c) => c.thumbprint === thumbprint);
    assert.equal(entry?.status, "rejected");
    assert.ok(Date.parse(entry!.validTo) > Date.now());

    // (the thumbprint rules, case by case: test/unit/drivers/opcua-trust-store.test.ts)
    const unknown = await certs(["trust", "00000000000000000000"], clientDir);
    assert.equal(unknown.code, 1, "trusting an unknown thumbprint fails");
    assert.match(unknown.err, /SCADA_ERR_CERT_UNKNOWN: no server certificate with thumbprint 00000000000000000000/);
    assert.deepEqual(await statusesOf(clientDir, thumbprint), ["rejected"], "the refusal changed nothing");

    // a prefix with colons and in upper case, as a person copies it from a certificate viewer
    const typed = thumbprint.slice(0, 12).toUpperCase().replace(/(..)(?!$)/g, "$1:");
    const t0 = Date.now();
    const trusted = await certs(["trust", typed, "--reason", "checked against the PLC's display"], clientDir);
    assert.equal(trusted.code, 0, trusted.err);
    assert.match(trusted.out, /trusted/);
    await waitFor("the running driver connected after the trust", 15_000, () => driver!.health().state === "OK", { observe: () => driver!.health().reason });
    const connectedAfterMs = Date.now() - t0;
    assert.equal(driver.untrustedCertificate(), null);
    await waitFor("every tag Good", 10_000, () => tags.every((t) => sink.latest.get(t.name)?.quality.status === "Good"));
    assert.ok(connectedAfterMs < 15_000, `connected ${connectedAfterMs} ms after the trust`);

    const again = await certs(["trust", thumbprint], clientDir);
    assert.equal(again.code, 0);
    assert.match(again.out, /already trusted: nothing changed/);

    // the audit trail gets the change (queued for the server, the trail's one writer)
    const db = new Database(join(clientDir, "scada.db"), { readonly: true });
    try {
      const rows = db.prepare("SELECT entry FROM auth_audit_queue ORDER BY seq").all() as { entry: string }[];
      const entries = rows.map((r) => JSON.parse(r.entry) as { action: string; target: string; reason: string | null; oldValue: unknown; newValue: { status: string } });
      assert.equal(entries.length, 1, "one change, one record (the no-op and the refusals changed nothing)");
      assert.equal(entries[0]!.action, "device.certificate.trust");
      assert.equal(entries[0]!.target, thumbprint);
      assert.equal(entries[0]!.reason, "checked against the PLC's display");
      assert.deepEqual(entries[0]!.oldValue, { status: "rejected" });
      assert.equal(entries[0]!.newValue.status, "trusted");
    } finally {
      db.close();
    }
  });

  it("reject moves it back, remove deletes it (both audited)", async () => {
    const thumbprint = thumbprintOf(server!.certificate()!);
    const rejected = await certs(["reject", thumbprint], clientDir);
    assert.equal(rejected.code, 0, rejected.err);
    assert.deepEqual(await statusesOf(clientDir, thumbprint), ["rejected"]);
    const removed = await certs(["remove", thumbprint.slice(0, 10)], clientDir);
    assert.equal(removed.code, 0, removed.err);
    assert.deepEqual(await statusesOf(clientDir, thumbprint), []);
    const db = new Database(join(clientDir, "scada.db"), { readonly: true });
    try {
      const actions = (db.prepare("SELECT entry FROM auth_audit_queue ORDER BY seq").all() as { entry: string }[]).map((r) => (JSON.parse(r.entry) as { action: string }).action);
      assert.deepEqual(actions, ["device.certificate.trust", "device.certificate.reject", "device.certificate.remove"]);
    } finally {
      db.close();
    }
  });
});
