// Event-loop delay while the line runs: the full runtime (virtual plant in the same process, both drivers,
// tag table, interlocks, line service, HTTP) with a BiSb run in Execute, pulsing. Baseline: the same monitor
// for the same time with only the virtual plant running (physics, OPC UA and Modbus servers, no SCADA),
// in the same process; an idle process (nothing started) is given in the details.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { loadConfigOrThrow } from "../src/config/config-loader.js";
import { silentLogger } from "../src/core/logger.js";
import { createRuntime } from "../src/runtime.js";
import type { Runtime } from "../src/runtime/runtime-options.js";
import { startVirtualPlant } from "../src/sim/virtual-plant-service.js";
import { realConfigOnFreePorts } from "../test/helpers/test-config.js";
import type { BenchFigure } from "./bench-figure.js";
import { round, sleep } from "./bench-support.js";

/** Measuring window, ms (BENCH_EVENT_LOOP_MS overrides): one BiSb pulse cycle (ramp 3 s + hold 7 s + cool 5 s). */
const MEASURE_MS = Number(process.env.BENCH_EVENT_LOOP_MS ?? 15_000);
const IDLE_MS = 5000;
/** Sampling period of the monitor, ms. Node 20's histogram records the time between samples, so it is included. */
const RESOLUTION_MS = 1;

interface LoopDelay {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
  readonly samples: number;
}

async function measureLoop(ms: number, during?: () => void): Promise<LoopDelay> {
  const h = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  const poll = during ? setInterval(during, 100) : undefined;
  h.enable();
  await sleep(ms);
  h.disable();
  if (poll) clearInterval(poll);
  const msOf = (ns: number) => round(ns / 1e6, 3);
  return { p50: msOf(h.percentile(50)), p99: msOf(h.percentile(99)), max: msOf(h.max), mean: msOf(h.mean), samples: h.count };
}

async function waitUntil(what: string, timeoutMs: number, check: () => boolean, explain?: () => unknown): Promise<void> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > timeoutMs) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${explain ? `: ${JSON.stringify(explain())}` : ""}`);
    }
    await sleep(50);
  }
}

/** Boot → (clear → Stopped →) reset → Idle → start BiSb → Execute, through the line service as the API does. */
async function bringToExecute(runtime: Runtime): Promise<void> {
  const line = runtime.line;
  const explain = () => line.status();
  const command = async (c: { command: "clear" | "reset" | "start"; recipe?: string }) => {
    const r = await line.command({ ...c, by: "bench" });
    if (!r.accepted) throw new Error(`line refused ${c.command} in ${r.state}: ${r.reason}`);
  };
  await waitUntil("all tags Good", 20_000, () => runtime.tags.all().every((e) => e.value.quality.status === "Good"), () =>
    runtime.tags.all().filter((e) => e.value.quality.status !== "Good").map((e) => `${e.config.name}: ${e.value.quality.reason}`),
  );
  await waitUntil("safe boot outputs written", 10_000, () => line.bootOutputsWritten());
  if (line.state() === "Aborted") {
    await command({ command: "clear" });
    await waitUntil("Stopped", 30_000, () => line.state() === "Stopped", explain);
  }
  await command({ command: "reset" });
  await waitUntil("Idle", 30_000, () => line.state() === "Idle", explain);
  await command({ command: "start", recipe: "BiSb" });
  await waitUntil("Execute", 90_000, () => line.state() === "Execute", explain);
}

export async function run(): Promise<BenchFigure[]> {
  // 1. an idle process (nothing of this bench running)
  const idle = await measureLoop(IDLE_MS);

  const tc = await realConfigOnFreePorts();
  const dataDir = mkdtempSync(join(tmpdir(), "event-loop-bench-"));
  let runtime: Runtime | undefined;
  try {
    // 2. baseline: only the virtual plant
    const plantDir = join(dataDir, "plant-only");
    const plant = await startVirtualPlant({ config: tc.config, dataDir: plantDir, logger: silentLogger(), startPurged: true });
    let plantOnly: LoopDelay;
    try {
      await sleep(500);
      plantOnly = await measureLoop(MEASURE_MS);
    } finally {
      await plant.stop();
    }

    // 3. ours: the full runtime with the line in Execute
    runtime = createRuntime(loadConfigOrThrow(tc.dir), {
      port: 0,
      host: "127.0.0.1",
      dataDir: join(dataDir, "scada"),
      sim: true,
      simPurged: true,
      logger: silentLogger(),
    });
    const rt = runtime;
    await rt.start();
    await bringToExecute(rt);
    const states = new Set<string>();
    const phases = new Set<number>();
    let webTempChanges = 0;
    const unsubscribe = rt.tags.onChange((c) => {
      if (c.name === "htr.web_temp") webTempChanges++;
      if (c.name === "htr.profile_phase" && typeof c.current.value === "number") phases.add(c.current.value);
    });
    const c0 = rt.tags.counters();
    const t0 = Date.now();
    const full = await measureLoop(MEASURE_MS, () => states.add(rt.line.state()));
    const elapsedS = (Date.now() - t0) / 1000;
    const c1 = rt.tags.counters();
    unsubscribe();
    states.add(rt.line.state());
    const lastWebTemp = rt.tags.get("htr.web_temp")?.value.value;

    const detail = {
      measureMs: MEASURE_MS,
      resolutionMs: RESOLUTION_MS,
      note: "monitorEventLoopDelay figures include the 1 ms sampling interval (Node 20 records the time between samples)",
      baselineIs: "the virtual plant alone (physics + OPC UA and Modbus servers, no SCADA, no clients) in the same process, same window",
      ours: full,
      plantOnly,
      idleProcess: { ...idle, measureMs: IDLE_MS },
      line: {
        statesSeen: [...states],
        pulsePhasesSeen: [...phases].sort(),
        tagUpdatesPerS: Math.round((c1.updates - c0.updates) / elapsedS),
        tagChangesPerS: Math.round((c1.changes - c0.changes) / elapsedS),
        webTempChanges,
        lastWebTemp,
      },
    };
    if (![...states].every((s) => s === "Execute")) throw new Error(`the line left Execute while measuring: ${[...states].join(", ")}`);
    return [
      {
        name: "event-loop delay p99, line in Execute (BiSb, pulsing), full runtime with the virtual plant",
        unit: "ms",
        value: full.p99,
        baseline: plantOnly.p99,
        ratio: round(plantOnly.p99 / full.p99),
        goal: "<= 5 ms",
        pass: full.p99 <= 5,
        detail,
      },
      {
        name: "event-loop delay p50, line in Execute (BiSb, pulsing), full runtime with the virtual plant",
        unit: "ms",
        value: full.p50,
        baseline: plantOnly.p50,
        ratio: round(plantOnly.p50 / full.p50),
        goal: "informational",
        pass: null,
        detail,
      },
      {
        name: "event-loop delay max, line in Execute (BiSb, pulsing), full runtime with the virtual plant",
        unit: "ms",
        value: full.max,
        baseline: plantOnly.max,
        ratio: round(plantOnly.max / full.max),
        goal: "informational",
        pass: null,
        detail,
      },
    ];
  } finally {
    await runtime?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(tc.dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const figure of await run()) console.log(JSON.stringify(figure));
}
