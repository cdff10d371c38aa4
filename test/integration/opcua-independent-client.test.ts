import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AttributeIds,
  BrowseDirection,
  ClientMonitoredItem,
  DataType,
  MessageSecurityMode,
  NodeClass,
  OPCUACertificateManager,
  OPCUAClient,
  SecurityPolicy,
  StatusCodes,
  TimestampsToReturn,
  type ClientSession,
  type ClientSubscription,
  type DataValue,
} from "node-opcua";
import { loadConfigOrThrow } from "../../src/config/config-loader.js";
import type { OpcuaDeviceConfig } from "../../src/config/device-schema.js";
import { silentLogger } from "../../src/core/logger.js";
import { createOpcuaPlantServer, type OpcuaPlantServer } from "../../src/sim/opcua-plant-server.js";
import type { TagConfig } from "../../src/tags/tag-schema.js";
import { freePort } from "../helpers/free-port.js";
import { MemoryPlant } from "../helpers/memory-plant.js";
import { waitFor } from "../helpers/wait-for.js";

/** The virtual HTR PLC checked by a plain node-opcua client: proof the sim speaks OPC UA, not just to our driver. */
describe("OPC UA plant server, seen by an independent node-opcua client", function () {
  this.timeout(30_000);

  const config = loadConfigOrThrow("plc-config");
  const baseDevice = config.devices.find((d): d is OpcuaDeviceConfig => d.protocol === "opcua" && d.id === "htr-plc");
  assert.ok(baseDevice, "plc-config has the OPC UA device htr-plc");
  const tags: readonly TagConfig[] = config.tags.filter((t) => t.device === "htr-plc");
  const tag = (name: string): TagConfig => {
    const t = tags.find((x) => x.name === name);
    assert.ok(t, `plc-config has tag ${name}`);
    return t;
  };

  let dataDir: string;
  let plant: MemoryPlant;
  let server: OpcuaPlantServer | undefined;
  let client: OPCUAClient | undefined;
  let session: ClientSession | undefined;
  let subscription: ClientSubscription | undefined;
  let clientCerts: OPCUACertificateManager | undefined;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "opcua-independent-"));
    const port = await freePort();
    const device: OpcuaDeviceConfig = { ...baseDevice, endpoint: `opc.tcp://127.0.0.1:${port}` };
    plant = new MemoryPlant(tags);
    plant.startScanning(10);
    server = await createOpcuaPlantServer({ device, tags, plant, port, dataDir, logger: silentLogger() });
    assert.equal(server.endpointUrl, `opc.tcp://127.0.0.1:${port}`);

    clientCerts = new OPCUACertificateManager({
      rootFolder: join(dataDir, "pki", "independent-client"),
      automaticallyAcceptUnknownCertificate: true,
      disableFileWatchers: true,
    });
    client = OPCUAClient.create({
      applicationName: "independent-test-client",
      endpointMustExist: false,
      securityMode: MessageSecurityMode.None,
      securityPolicy: SecurityPolicy.None,
      clientCertificateManager: clientCerts,
      connectionStrategy: { maxRetry: 1, initialDelay: 100, maxDelay: 200 },
    });
    await client.connect(server.endpointUrl);
    session = await client.createSession();
  });

  after(async () => {
    try {
      if (subscription) await subscription.terminate().catch(() => undefined);
      if (session) await session.close().catch(() => undefined);
      if (client) await client.disconnect();
      if (clientCerts) await clientCerts.dispose();
    } finally {
      plant?.stopScanning();
      await server?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("organises the variables in one folder per station under the device folder", async () => {
    const s = session!;
    const objects = await s.browse({ nodeId: "i=85", browseDirection: BrowseDirection.Forward, includeSubtypes: true, resultMask: 63 });
    const deviceRef = objects.references?.find((r) => r.browseName.name === "htr-plc");
    assert.ok(deviceRef, "Objects has a folder htr-plc");
    const stations = await s.browse(deviceRef.nodeId.toString());
    const names = (stations.references ?? []).map((r) => r.browseName.name);
    assert.ok(names.includes("htr") && names.includes("quench"), `station folders, got ${names.join(", ")}`);
    const htrRef = stations.references!.find((r) => r.browseName.name === "htr")!;
    const htrVars = await s.browse(htrRef.nodeId.toString());
    const ids = (htrVars.references ?? []).filter((r) => r.nodeClass === NodeClass.Variable).map((r) => r.nodeId.toString());
    assert.equal(ids.length, tags.filter((t) => t.station === "htr").length);
    assert.ok(ids.includes("ns=1;s=HTR.WebTemp"), `HTR folder lists ns=1;s=HTR.WebTemp, got ${ids.join(", ")}`);
  });

  it("reads the config's NodeIds with the plant's values and the configured data types", async () => {
    const names = ["htr.web_temp", "htr.door_closed", "htr.mode", "htr.pulse_count", "quench.gas_flow", "htr-plc.heartbeat"];
    const values = await session!.read(names.map((n) => ({ nodeId: tag(n).nodeId!, attributeId: AttributeIds.Value })));
    const expectedType: Record<string, DataType> = {
      "htr.web_temp": DataType.Double,
      "htr.door_closed": DataType.Boolean,
      "htr.mode": DataType.UInt16,
      "htr.pulse_count": DataType.UInt32,
      "quench.gas_flow": DataType.Double,
      "htr-plc.heartbeat": DataType.UInt32,
    };
    names.forEach((n, i) => {
      const dv = values[i]!;
      assert.equal(dv.statusCode.name, "Good", `${n} status`);
      assert.equal(dv.value.dataType, expectedType[n], `${n} data type`);
      assert.equal(dv.value.value, plant.read(n)!.value, `${n} value`);
    });
    const access = await session!.read([
      { nodeId: tag("htr.web_temp").nodeId!, attributeId: AttributeIds.AccessLevel },
      { nodeId: tag("htr.peak_sp").nodeId!, attributeId: AttributeIds.AccessLevel },
    ]);
    assert.equal((access[0]!.value.value as number) & 2, 0, "web_temp is read-only");
    assert.equal((access[1]!.value.value as number) & 2, 2, "peak_sp is writable");
  });

  it("publishes a plant change to a subscription", async () => {
    subscription = await session!.createSubscription2({
      requestedPublishingInterval: 10,
      requestedMaxKeepAliveCount: 20,
      requestedLifetimeCount: 600,
      publishingEnabled: true,
    });
    assert.ok(subscription.publishingInterval <= 10, `publishing interval revised to ${subscription.publishingInterval}`);
    const seen: DataValue[] = [];
    const item = ClientMonitoredItem.create(
      subscription,
      { nodeId: tag("htr.web_temp").nodeId!, attributeId: AttributeIds.Value },
      { samplingInterval: 10, queueSize: 10, discardOldest: true },
      TimestampsToReturn.Both,
    );
    item.on("changed", (dv: DataValue) => seen.push(dv));
    await waitFor("the initial value", 3000, () => seen.length > 0);
    plant.set("htr.web_temp", 1234.5);
    await waitFor("the change", 2000, () => seen.some((dv) => dv.value.value === 1234.5));
    plant.set("htr.web_temp", 1300, "sensor failure");
    await waitFor("the sensor failure", 2000, () => seen.some((dv) => dv.statusCode.equals(StatusCodes.BadSensorFailure)));
    plant.set("htr.web_temp", 1301);
    await waitFor("recovery", 2000, () => seen.at(-1)?.statusCode.name === "Good" && seen.at(-1)?.value.value === 1301);
  });

  it("serves the trip path's tags exception-based (sampling 0 revised to 0: every change, no sampling delay); the others sampled", async () => {
    assert.ok(subscription, "the subscription of the previous case");
    assert.equal(tag("htr.estop_ok").sampling, "exception", "plc-config asks for it");
    const exception = ClientMonitoredItem.create(
      subscription,
      { nodeId: tag("htr.estop_ok").nodeId!, attributeId: AttributeIds.Value },
      { samplingInterval: 0, queueSize: 10, discardOldest: true },
      TimestampsToReturn.Both,
    );
    const sampled = ClientMonitoredItem.create(
      subscription,
      { nodeId: tag("htr.o2").nodeId!, attributeId: AttributeIds.Value },
      { samplingInterval: 0, queueSize: 10, discardOldest: true },
      TimestampsToReturn.Both,
    );
    const seen: boolean[] = [];
    exception.on("changed", (dv: DataValue) => seen.push(dv.value.value as boolean));
    await waitFor("both items created", 3000, () => exception.monitoringParameters.samplingInterval !== undefined && seen.length > 0);
    await waitFor("the revised parameters", 3000, () => sampled.statusCode?.name === "Good" && exception.statusCode?.name === "Good");
    assert.equal(exception.monitoringParameters.samplingInterval, 0, "exception-based: revised to 0");
    assert.ok(sampled.monitoringParameters.samplingInterval >= 10, `a periodic tag is sampled: revised to ${sampled.monitoringParameters.samplingInterval}`);
    // Changes on consecutive PLC scans are each delivered, in order (no coalescing window).
    const from = seen.length;
    const now = seen.at(-1)!;
    const sequence = [!now, now, !now, now];
    for (const v of sequence) {
      plant.set("htr.estop_ok", v);
      const n = seen.length;
      await waitFor(`estop_ok ${v} delivered`, 2000, () => seen.length > n && seen.at(-1) === v, 1);
    }
    assert.deepEqual(seen.slice(from), sequence);
    await exception.terminate();
    await sampled.terminate();
  });

  it("hands a write to the plant, and refuses read-only and out-of-range writes", async () => {
    const peak = tag("htr.peak_sp");
    const ok = await session!.write({
      nodeId: peak.nodeId!,
      attributeId: AttributeIds.Value,
      value: { value: { dataType: DataType.Double, value: 1345.5 } },
    });
    assert.equal(ok.name, "Good");
    assert.equal(plant.read("htr.peak_sp")!.value, 1345.5);

    const readOnly = await session!.write({
      nodeId: tag("htr.web_temp").nodeId!,
      attributeId: AttributeIds.Value,
      value: { value: { dataType: DataType.Double, value: 999 } },
    });
    assert.equal(readOnly.name, "BadNotWritable");
    assert.notEqual(plant.read("htr.web_temp")!.value, 999);

    const outOfRange = await session!.write({
      nodeId: peak.nodeId!,
      attributeId: AttributeIds.Value,
      value: { value: { dataType: DataType.Double, value: 5000 } },
    });
    assert.equal(outOfRange.name, "BadOutOfRange");
    assert.equal(plant.read("htr.peak_sp")!.value, 1345.5, "the plant keeps the last accepted value");
    const after = await session!.read({ nodeId: peak.nodeId!, attributeId: AttributeIds.Value });
    assert.equal(after.value.value, 1345.5, "the variable still shows the plant's value after a refused write");
    assert.equal(after.statusCode.name, "Good");
  });
});
