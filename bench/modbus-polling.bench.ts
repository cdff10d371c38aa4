/**
 * Modbus polling throughput: our ModbusDriver vs a raw modbus-serial loop, on the same virtual-plant
 * Modbus server, reading the same blocks (the read planner's). Goal: ours ≥ 0.9 × raw.
 *
 * The line-plc map alone is 4 blocks at its fastest rate (10 ms): a poll cycle takes ≈ 5 ms, so the
 * driver idles half of each period and measures its schedule, not its overhead. To compare like with
 * like, the figure uses the line-plc map replicated COPIES times (each copy 200 addresses apart, so
 * copies never merge), every poll group at 10 ms: one cycle then takes longer than its period and the
 * driver polls as fast as the link allows (skipped ticks count as overruns, by design). The runs
 * alternate raw / ours in ROUNDS slices so load from elsewhere on the machine hits both alike. The plain
 * line-plc map at 10 ms is measured too and reported in `detail`.
 */
import { pathToFileURL } from "node:url";
import Modbus from "modbus-serial";
import { loadConfigOrThrow } from "../src/config/config-loader.js";
import type { ModbusTcpDeviceConfig } from "../src/config/device-schema.js";
import { systemClock } from "../src/core/clock.js";
import { silentLogger } from "../src/core/logger.js";
import type { TagSink } from "../src/core/tag-sink.js";
import { ModbusDriver } from "../src/drivers/modbus/modbus-driver.js";
import { planReads, type ReadBlock } from "../src/drivers/modbus/modbus-read-planner.js";
import { createModbusPlantServer } from "../src/sim/modbus-plant-server.js";
import type { TagConfig } from "../src/tags/tag-schema.js";
import { freePort } from "../test/helpers/free-port.js";
import { MemoryPlant } from "../test/helpers/memory-plant.js";
import type { BenchFigure } from "./bench-figure.js";

const ModbusRTU = Modbus.default;
const HOST = "127.0.0.1";
/** Measured time per side; split in ROUNDS alternating raw / ours, so machine noise hits both alike. */
const RUN_MS = 3000;
const ROUNDS = 3;
const LINE_RUN_MS = 1000;
const COPIES = 16;
const FASTEST_MS = 10;

interface Rate {
  readonly reads: number;
  readonly registers: number;
  readonly ms: number;
}

function perSecond(n: number, ms: number): number {
  return (n * 1000) / ms;
}

/** The line-plc tags, replicated `copies` times 200 addresses apart, all polled every 10 ms. */
function replicate(tags: readonly TagConfig[], copies: number): TagConfig[] {
  const out: TagConfig[] = [];
  for (let k = 0; k < copies; k++) {
    for (const t of tags) {
      if (t.modbus === undefined) continue;
      out.push({
        ...t,
        name: `${t.name}_k${k}`,
        updateMs: FASTEST_MS,
        modbus: { ...t.modbus, address: t.modbus.address + 200 * k },
      });
    }
  }
  return out;
}

/** Back-to-back reads of the planned blocks with a bare modbus-serial client. */
async function rawLoop(port: number, unitId: number, blocks: readonly ReadBlock[], runMs: number): Promise<Rate> {
  const c = new ModbusRTU();
  c.setTimeout(1000);
  await c.connectTCP(HOST, { port });
  c.setID(unitId);
  let reads = 0;
  let registers = 0;
  const t0 = performance.now();
  try {
    while (performance.now() - t0 < runMs) {
      for (const b of blocks) {
        switch (b.table) {
          case "coil":
            await c.readCoils(b.start, b.count);
            break;
          case "discrete":
            await c.readDiscreteInputs(b.start, b.count);
            break;
          case "holding":
            await c.readHoldingRegisters(b.start, b.count);
            break;
          case "input":
            await c.readInputRegisters(b.start, b.count);
            break;
        }
        reads += 1;
        registers += b.count;
      }
    }
  } finally {
    await new Promise<void>((resolve) => c.close(() => resolve()));
  }
  return { reads, registers, ms: performance.now() - t0 };
}

/** Our driver polling for `runMs`; counts requests and delivered values. */
async function driverRun(
  device: ModbusTcpDeviceConfig,
  tags: readonly TagConfig[],
  runMs: number,
): Promise<Rate & { updates: number; overruns: number; errors: number }> {
  let updates = 0;
  let registersPerCycle = 0;
  const sink: TagSink = { onUpdates: (us) => void (updates += us.length), onConfirm: () => undefined };
  const driver = new ModbusDriver({ device, tags, sink, clock: systemClock, logger: silentLogger() });
  const blocks = driver.plan().flatMap((g) => g.blocks);
  for (const b of blocks) registersPerCycle += b.count;
  try {
    await driver.start();
    // wait for the connection and the first values, then measure a steady state
    const tw = performance.now();
    while (updates < tags.length && performance.now() - tw < 3000) await new Promise((r) => setTimeout(r, 5));
    const s0 = driver.stats();
    const u0 = updates;
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, runMs));
    const s1 = driver.stats();
    const ms = performance.now() - t0;
    const reads = s1.requests - s0.requests;
    return {
      reads,
      registers: (reads * registersPerCycle) / blocks.length,
      ms,
      updates: updates - u0,
      overruns: s1.overruns - s0.overruns,
      errors: s1.requestErrors - s0.requestErrors,
    };
  } finally {
    await driver.stop();
  }
}

export async function run(): Promise<BenchFigure[]> {
  const config = loadConfigOrThrow("plc-config");
  const lineDevice = config.devices.find((d) => d.id === "line-plc");
  if (lineDevice === undefined || lineDevice.protocol !== "modbus-tcp") throw new Error("plc-config has no Modbus TCP line-plc");
  const lineTags = config.tags.filter((t) => t.device === lineDevice.id);
  const tags = replicate(lineTags, COPIES);
  const port = await freePort();
  const device: ModbusTcpDeviceConfig = { ...lineDevice, port };
  const plant = new MemoryPlant(tags);
  const server = await createModbusPlantServer({ device, tags, plant, host: HOST, port, logger: silentLogger() });
  try {
    const blocks = planReads(tags, { maxGap: device.maxGap }).flatMap((g) => g.blocks);
    const raw = { reads: 0, registers: 0, ms: 0 };
    const ours = { reads: 0, registers: 0, ms: 0, updates: 0, overruns: 0, errors: 0 };
    for (let i = 0; i < ROUNDS; i++) {
      const r = await rawLoop(port, device.unitId, blocks, RUN_MS / ROUNDS);
      const o = await driverRun(device, tags, RUN_MS / ROUNDS);
      raw.reads += r.reads;
      raw.registers += r.registers;
      raw.ms += r.ms;
      ours.reads += o.reads;
      ours.registers += o.registers;
      ours.ms += o.ms;
      ours.updates += o.updates;
      ours.overruns += o.overruns;
      ours.errors += o.errors;
    }

    // the plain line-plc map at 10 ms (not link-bound: for information)
    const line10 = lineTags.map((t) => ({ ...t, updateMs: FASTEST_MS }));
    const lineBlocks = planReads(line10, { maxGap: device.maxGap }).flatMap((g) => g.blocks);
    const lineOurs = await driverRun(device, line10, LINE_RUN_MS);

    const value = perSecond(ours.reads, ours.ms);
    const baseline = perSecond(raw.reads, raw.ms);
    const ratio = value / baseline;
    return [
      {
        name: "modbus polling: ModbusDriver vs raw modbus-serial loop (same server, same planned blocks)",
        unit: "reads/s",
        value: Math.round(value),
        baseline: Math.round(baseline),
        ratio: Math.round(ratio * 1000) / 1000,
        goal: ">= 0.9x raw modbus-serial loop",
        pass: ratio >= 0.9,
        detail: {
          map: `line-plc x${COPIES}, all poll groups ${FASTEST_MS} ms`,
          blocksPerCycle: blocks.length,
          runMs: RUN_MS,
          oursRegistersPerSec: Math.round(perSecond(ours.registers, ours.ms)),
          rawRegistersPerSec: Math.round(perSecond(raw.registers, raw.ms)),
          oursValuesPerSec: Math.round(perSecond(ours.updates, ours.ms)),
          oursOverruns: ours.overruns,
          oursRequestErrors: ours.errors,
          linePlcAt10ms: {
            blocksPerCycle: lineBlocks.length,
            readsPerSec: Math.round(perSecond(lineOurs.reads, lineOurs.ms)),
            idealReadsPerSec: (lineBlocks.length * 1000) / FASTEST_MS,
            overruns: lineOurs.overruns,
          },
        },
      },
    ];
  } finally {
    await server.stop();
  }
}

// `tsx bench/modbus-polling.bench.ts` runs it alone: one JSON line per figure.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  run().then(
    (figures) => {
      for (const f of figures) console.log(JSON.stringify(f));
    },
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
