import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AttributeIds,
  ClientMonitoredItemGroup,
  CreateMonitoredItemsRequest,
  DataType,
  OPCUACertificateManager,
  OPCUAClient,
  OPCUAServer,
  TimestampsToReturn,
  Variant,
} from "node-opcua";
import { opcuaDeviceSchema, type OpcuaDeviceConfig } from "../../src/config/device-schema.js";
import { systemClock } from "../../src/core/clock.js";
import { silentLogger } from "../../src/core/logger.js";
import type { TagUpdate } from "../../src/core/tag-value.js";
import type { TagSink } from "../../src/core/tag-sink.js";
import { OpcuaDriver } from "../../src/drivers/opcua/opcua-driver.js";
import { tagSchema, type TagConfig } from "../../src/tags/tag-schema.js";
import { freePort } from "../helpers/free-port.js";
import { waitFor } from "../helpers/wait-for.js";

class LatestSink implements TagSink {
  readonly latest = new Map<string, TagUpdate>();
  onUpdates(updates: readonly TagUpdate[]): void {
    for (const u of updates) this.latest.set(u.name, u);
  }
  onConfirm(): void {}
}

/** A server's OperationLimits.MaxMonitoredItemsPerCall: a CreateMonitoredItems call above it is refused whole. */
describe("OpcuaDriver against a server with a small MaxMonitoredItemsPerCall", function () {
  this.timeout(30_000);

  const LIMIT = 25;
  let dataDir: string;
  let server: OPCUAServer;
  let device: OpcuaDeviceConfig;
  let tags: TagConfig[];
  /** itemsToCreate.length of every CreateMonitoredItems request the server received. */
  const calls: number[] = [];

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "opcua-limits-"));
    const port = await freePort();
    device = opcuaDeviceSchema.parse({
      id: "limits-plc",
      protocol: "opcua",
      endpoint: `opc.tcp://127.0.0.1:${port}`,
      heartbeatTag: "lim.v000",
      publishingIntervalMs: 50,
    });
    // 60 periodic tags and 7 with a deadband: two parameter groups, both above the limit or not
    tags = Array.from({ length: 67 }, (_, i) => {
      const id = String(i).padStart(3, "0");
      return tagSchema.parse({
        name: `lim.v${id}`,
        device: device.id,
        nodeId: `ns=1;s=Lim.V${id}`,
        type: "uint32",
        quantity: "count",
        units: "",
        updateMs: 50,
        ...(i >= 60 ? { deadband: 0.5 } : {}),
      });
    });
    server = new OPCUAServer({
      port,
      host: "127.0.0.1",
      hostname: "127.0.0.1",
      alternateHostname: ["127.0.0.1"],
      serverCertificateManager: new OPCUACertificateManager({
        rootFolder: join(dataDir, "pki", "server"),
        automaticallyAcceptUnknownCertificate: true,
        disableFileWatchers: true,
      }),
      disableDiscovery: true,
      serverCapabilities: { operationLimits: { maxMonitoredItemsPerCall: LIMIT } },
    });
    await server.initialize();
    const namespace = server.engine.addressSpace!.getOwnNamespace();
    tags.forEach((t, i) => {
      namespace.addVariable({
        organizedBy: server.engine.addressSpace!.rootFolder.objects,
        nodeId: t.nodeId!,
        browseName: t.name,
        dataType: DataType.UInt32,
        value: new Variant({ dataType: DataType.UInt32, value: 1000 + i }),
      });
    });
    server.on("request", (request: unknown) => {
      if (request instanceof CreateMonitoredItemsRequest) calls.push(request.itemsToCreate?.length ?? 0);
    });
    await server.start();
  });

  after(async () => {
    await server?.shutdown(0);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("the server refuses one call above the limit as a whole (what a single ClientMonitoredItemGroup does)", async () => {
    const cm = new OPCUACertificateManager({ rootFolder: join(dataDir, "pki", "bare"), automaticallyAcceptUnknownCertificate: true, disableFileWatchers: true });
    const client = OPCUAClient.create({ endpointMustExist: false, clientCertificateManager: cm, connectionStrategy: { maxRetry: 0 } });
    try {
      await client.connect(device.endpoint);
      const session = await client.createSession();
      const subscription = await session.createSubscription2({ requestedPublishingInterval: 50, publishingEnabled: true });
      const group = ClientMonitoredItemGroup.create(
        subscription,
        tags.slice(0, LIMIT + 1).map((t) => ({ nodeId: t.nodeId!, attributeId: AttributeIds.Value })),
        { samplingInterval: 50, queueSize: 4, discardOldest: true },
        TimestampsToReturn.Both,
      );
      const outcome = await new Promise<string>((resolve) => {
        group.once("initialized", () => resolve("initialized"));
        group.once("err", (m: string) => resolve(m));
      });
      assert.match(outcome, /BadTooManyOperations/);
    } finally {
      await client.disconnect();
      await cm.dispose();
    }
  });

  it("splits its CreateMonitoredItems calls to the server's limit and brings every tag Good", async () => {
    calls.length = 0;
    const sink = new LatestSink();
    const driver = new OpcuaDriver({ device, tags, sink, clock: systemClock, logger: silentLogger(), dataDir });
    try {
      await driver.start();
      await waitFor("every tag Good with its value", 10_000, () =>
        tags.every((t, i) => sink.latest.get(t.name)?.quality.status === "Good" && sink.latest.get(t.name)?.value === 1000 + i),
      );
      // 60 periodic tags → 25 + 25 + 10; 7 with a deadband → 7
      assert.deepEqual([...calls].sort((a, b) => a - b), [7, 10, 25, 25]);
      assert.equal(driver.health().connected, true);
    } finally {
      await driver.stop();
    }
  });
});
