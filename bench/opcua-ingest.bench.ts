// OPC UA ingest: our OpcuaDriver against a bare node-opcua subscription, on the same virtual PLC in the
// same run. A generator changes every variable on every PLC scan with a known sequence (value = scan
// number), so each consumer's lost changes are counted exactly: sequence values it never saw.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  AttributeIds,
  ClientMonitoredItemGroup,
  OPCUACertificateManager,
  OPCUAClient,
  TimestampsToReturn,
  type DataValue,
} from "node-opcua";
import { type OpcuaDeviceConfig, opcuaDeviceSchema } from "../src/config/device-schema.js";
import { systemClock } from "../src/core/clock.js";
import { silentLogger } from "../src/core/logger.js";
import type { TagUpdate } from "../src/core/tag-value.js";
import type { TagSink } from "../src/core/tag-sink.js";
import { OpcuaDriver } from "../src/drivers/opcua/opcua-driver.js";
import { createOpcuaPlantServer } from "../src/sim/opcua-plant-server.js";
import { type TagConfig, tagSchema } from "../src/tags/tag-schema.js";
import { freePort } from "../test/helpers/free-port.js";
import { MemoryPlant } from "../test/helpers/memory-plant.js";
import type { BenchFigure } from "./bench-figure.js";

/** Variables changed per scan (BENCH_OPCUA_TAGS overrides). */
const TAGS = Number(process.env.BENCH_OPCUA_TAGS ?? 20);
/** Sampling interval asked for (the tags' updateMs) and the subscription's publishing interval. */
const SAMPLING_MS = 10;
/**
 * Generator period (BENCH_OPCUA_SCAN_MS overrides): one change per variable every 20 ms. Sampling at 10 ms then sees every value; at equal
 * periods (10 / 10) timer jitter makes any sampling client, bare or ours, skip some values by aliasing.
 */
const SCAN_MS = Number(process.env.BENCH_OPCUA_SCAN_MS ?? 20);
const MEASURE_MS = 3000;
const WARMUP_MS = 300;
const DRAIN_MS = 400;

/** Distinct sequence values seen per tag. */
class SeenValues {
  private readonly seen = new Map<string, Set<number>>();
  record(name: string, value: unknown): void {
    if (typeof value !== "number") return;
    let s = this.seen.get(name);
    if (!s) this.seen.set(name, (s = new Set()));
    s.add(value);
  }
  /** How many of the sequence values first..last each tag saw. */
  countIn(names: readonly string[], first: number, last: number): number {
    let n = 0;
    for (const name of names) {
      const s = this.seen.get(name);
      if (!s) continue;
      for (let v = first; v <= last; v++) if (s.has(v)) n++;
    }
    return n;
  }
}

/** Changes every variable on every scan, value = scan number, and runs the PLC scan (publish). */
class SequenceGenerator {
  seq = 0;
  private timer: NodeJS.Timeout | undefined;
  constructor(
    private readonly plant: MemoryPlant,
    private readonly names: readonly string[],
  ) {}
  start(): void {
    this.timer = setInterval(() => {
      this.seq += 1;
      for (const n of this.names) this.plant.set(n, this.seq);
      this.plant.scan();
    }, SCAN_MS);
  }
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

interface PhaseResult {
  readonly changesPerSec: number;
  readonly lost: number;
  readonly expected: number;
}

/** Runs the generator for the measuring window and counts what `seen` got of it. */
async function measure(gen: SequenceGenerator, seen: SeenValues, names: readonly string[]): Promise<PhaseResult> {
  gen.start();
  await sleep(WARMUP_MS);
  const first = gen.seq + 1;
  const t0 = performance.now();
  await sleep(MEASURE_MS);
  const last = gen.seq;
  const elapsedS = (performance.now() - t0) / 1000;
  gen.stop();
  await sleep(DRAIN_MS);
  const expected = (last - first + 1) * names.length;
  const received = seen.countIn(names, first, last);
  return { changesPerSec: received / elapsedS, lost: expected - received, expected };
}

async function bareClient(endpoint: string, dataDir: string, tags: readonly TagConfig[], gen: SequenceGenerator): Promise<PhaseResult> {
  const seen = new SeenValues();
  const certificateManager = new OPCUACertificateManager({
    rootFolder: join(dataDir, "pki", "bare-client"),
    automaticallyAcceptUnknownCertificate: true,
    disableFileWatchers: true,
  });
  const client = OPCUAClient.create({
    endpointMustExist: false,
    clientCertificateManager: certificateManager,
    connectionStrategy: { maxRetry: 1, initialDelay: 100, maxDelay: 200 },
  });
  try {
    await client.connect(endpoint);
    const session = await client.createSession();
    const subscription = await session.createSubscription2({
      requestedPublishingInterval: SAMPLING_MS,
      requestedMaxKeepAliveCount: 10,
      requestedLifetimeCount: 3000,
      maxNotificationsPerPublish: 0,
      publishingEnabled: true,
    });
    // the same monitoring parameters as the driver asks for (sampling 10 ms, a queue of 4, discard oldest)
    const group = ClientMonitoredItemGroup.create(
      subscription,
      tags.map((t) => ({ nodeId: t.nodeId!, attributeId: AttributeIds.Value })),
      { samplingInterval: SAMPLING_MS, queueSize: 4, discardOldest: true },
      TimestampsToReturn.Both,
    );
    group.on("changed", (_item, dv: DataValue, i: number) => seen.record(tags[i]!.name, dv.value.value));
    await new Promise<void>((resolve, reject) => {
      group.once("initialized", () => resolve());
      group.once("err", (m: string) => reject(new Error(m)));
    });
    return await measure(gen, seen, tags.map((t) => t.name));
  } finally {
    gen.stop();
    await client.disconnect();
    await certificateManager.dispose();
  }
}

async function ourDriver(device: OpcuaDeviceConfig, dataDir: string, tags: readonly TagConfig[], gen: SequenceGenerator): Promise<PhaseResult> {
  const seen = new SeenValues();
  let good = 0;
  const sink: TagSink = {
    onUpdates(updates: readonly TagUpdate[]) {
      for (const u of updates) {
        if (u.quality.status === "Good") good++;
        seen.record(u.name, u.value);
      }
    },
    onConfirm() {},
  };
  const driver = new OpcuaDriver({ device, tags, sink, clock: systemClock, logger: silentLogger(), dataDir });
  try {
    await driver.start();
    const t0 = Date.now();
    while (good < tags.length) {
      if (Date.now() - t0 > 10_000) throw new Error("the driver did not deliver initial values within 10 s");
      await sleep(10);
    }
    return await measure(gen, seen, tags.map((t) => t.name));
  } finally {
    gen.stop();
    await driver.stop();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function run(): Promise<BenchFigure[]> {
  const dataDir = mkdtempSync(join(tmpdir(), "opcua-ingest-bench-"));
  const port = await freePort();
  const device = opcuaDeviceSchema.parse({
    id: "bench-plc",
    protocol: "opcua",
    endpoint: `opc.tcp://127.0.0.1:${port}`,
    heartbeatTag: "bench.v000",
    heartbeatPeriodMs: 100,
    publishingIntervalMs: SAMPLING_MS,
  });
  const tags = Array.from({ length: TAGS }, (_, i) => {
    const id = String(i).padStart(3, "0");
    return tagSchema.parse({
      name: `bench.v${id}`,
      device: device.id,
      station: "bench",
      nodeId: `ns=1;s=Bench.V${id}`,
      type: "uint32",
      quantity: "count",
      units: "",
      updateMs: SAMPLING_MS,
    });
  });
  const plant = new MemoryPlant(tags);
  const gen = new SequenceGenerator(plant, tags.map((t) => t.name));
  const server = await createOpcuaPlantServer({ device, tags, plant, port, dataDir, logger: silentLogger() });
  try {
    const bare = await bareClient(server.endpointUrl, dataDir, tags, gen);
    const ours = await ourDriver(device, dataDir, tags, gen);
    const ratio = ours.changesPerSec / bare.changesPerSec;
    const detail = {
      tags: TAGS,
      scanMs: SCAN_MS,
      samplingMs: SAMPLING_MS,
      publishingMs: SAMPLING_MS,
      measureMs: MEASURE_MS,
      expectedChanges: { ours: ours.expected, bare: bare.expected },
    };
    return [
      {
        name: `OPC UA ingest changes/s (${TAGS} tags changed every ${SCAN_MS} ms)`,
        unit: "changes/s",
        value: round(ours.changesPerSec),
        baseline: round(bare.changesPerSec),
        ratio: round(ratio, 3),
        goal: ">= 0.9x baseline",
        pass: ratio >= 0.9,
        detail,
      },
      {
        name: "OPC UA ingest lost changes, our driver",
        unit: "changes",
        value: ours.lost,
        baseline: bare.lost,
        ratio: null,
        goal: "0",
        pass: ours.lost === 0,
        detail,
      },
      {
        name: "OPC UA ingest lost changes, bare node-opcua client",
        unit: "changes",
        value: bare.lost,
        baseline: null,
        ratio: null,
        goal: "0",
        pass: bare.lost === 0,
        detail,
      },
    ];
  } finally {
    gen.stop();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const figure of await run()) console.log(JSON.stringify(figure));
}
