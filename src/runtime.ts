import { mkdirSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Express } from "express";
import type { ScadaConfig } from "./config/config-loader.js";
import { type Clock, systemClock } from "./core/clock.js";
import { type Logger, createLogger } from "./core/logger.js";
import { bad } from "./core/tag-value.js";
import { createDriver } from "./drivers/create-driver.js";
import type { DeviceDriver } from "./drivers/driver-port.js";
import { type AccessPolicy, openAccessPolicy } from "./server/access-policy.js";
import { createApp } from "./server/app.js";
import { createMetrics } from "./server/metrics.js";
import { type VirtualPlantService, startVirtualPlant } from "./sim/virtual-plant-service.js";
import { TagTable } from "./tags/tag-table.js";
import { HeartbeatMonitor } from "./tags/heartbeat-monitor.js";
import { InterlockService } from "./control/interlock-service.js";
import { LineService } from "./control/line-service.js";
import { LineSnapshotStore } from "./control/line-snapshot-store.js";
import type { TagWrite, WriteOutcome } from "./control/control-io.js";
import { recipeIoOver } from "./recipes/recipe-io.js";
import { RecipeService } from "./recipes/recipe-service.js";
import { RecipeStore } from "./recipes/recipe-store.js";
import { join } from "node:path";

export interface RuntimeOptions {
  /** HTTP port; 0 picks a free one (tests). */
  readonly port: number;
  readonly host: string;
  /** Spool, PKI, databases: everything the app writes. */
  readonly dataDir: string;
  /** Start the virtual plant in the same process and serve its fault API. */
  readonly sim: boolean;
  readonly simSeed?: number;
  /** Virtual plant only: start with the HTR chamber already purged under argon. */
  readonly simPurged?: boolean;
  readonly logger?: Logger;
  readonly clock?: Clock;
  readonly policy?: AccessPolicy;
}

export interface Runtime {
  readonly config: ScadaConfig;
  readonly tags: TagTable;
  readonly drivers: readonly DeviceDriver[];
  readonly app: Express;
  readonly line: LineService;
  readonly interlocks: InterlockService;
  readonly recipes: RecipeService;
  /** The virtual plant, once started (sim mode only). */
  sim(): VirtualPlantService | undefined;
  /** Starts plant (sim), drivers and HTTP; resolves with the URL. */
  start(): Promise<{ url: string }>;
  /** Resolves true once every device is OK, false if `timeoutMs` passes first. */
  waitForDevices(timeoutMs: number): Promise<boolean>;
  /** Stops everything; idempotent. */
  stop(): Promise<void>;
}

/** How often tag staleness is checked. */
const STALENESS_CHECK_MS = 50;

/** The composition root: the one place that builds the object graph from a validated config. */
export function createRuntime(config: ScadaConfig, options: RuntimeOptions): Runtime {
  const logger = options.logger ?? createLogger();
  const clock = options.clock ?? systemClock;
  mkdirSync(options.dataDir, { recursive: true });

  // OPC UA pushes by exception: unchanged values are proven current by the heartbeat's publishes.
  const deviceReferenceMs = new Map<string, number>();
  for (const d of config.devices) {
    const hb = config.tags.find((t) => t.name === d.heartbeatTag);
    if (d.protocol === "opcua" && hb) deviceReferenceMs.set(d.id, hb.updateMs);
  }
  const tags = new TagTable(config.tags, clock, { deviceReferenceMs });

  const drivers: DeviceDriver[] = [];
  const metrics = createMetrics({ tagCounters: () => tags.counters(), drivers: () => drivers });
  for (const device of config.devices) {
    drivers.push(
      createDriver(
        device,
        config.tags.filter((t) => t.device === device.id),
        { sink: tags, clock, logger, dataDir: options.dataDir, observer: metrics.driverObserver },
      ),
    );
  }

  // One router of reads and writes by tag → device → driver, for recipes and control alike.
  const tagIo = recipeIoOver(drivers, config.tags);
  const recipes = new RecipeService({ store: new RecipeStore(config.dir), config, io: tagIo, clock, logger });
  const writeTags = async (writes: readonly TagWrite[]): Promise<WriteOutcome> => {
    const results = await Promise.all(writes.map(async (w) => ({ w, r: await tagIo.write(w.tag, w.value) })));
    const failures = results.filter((x) => !x.r.ok).map((x) => `${x.w.tag}: ${x.r.status}`);
    return { ok: failures.length === 0, failures };
  };
  const heartbeats = new HeartbeatMonitor(
    config.devices.map((d) => ({ id: d.id, heartbeatTag: d.heartbeatTag, periodMs: config.tags.find((t) => t.name === d.heartbeatTag)?.updateMs ?? 100 })),
    // The line tick looks every 50 ms: a gap of 250 ms is the SCADA stalled, not the PLC.
    { observerStallMs: 250 },
  );
  let line: LineService | undefined;
  const interlocks = new InterlockService({
    defs: config.interlocks,
    tags,
    write: (tag, value) => tagIo.write(tag, value),
    line: () => line?.lineInputs() ?? { running: false, heating: false },
    recipe: () => {
      if (recipes.status().alloy === null) return null;
      return { verified: recipes.isVerified(), params: recipes.interlockParams() };
    },
    heartbeats,
    toLine: (event) => line?.send(event),
    clock,
    logger,
  });
  line = new LineService({
    tags,
    io: { writeTags },
    recipes,
    interlocks,
    store: new LineSnapshotStore(join(options.dataDir, "line", "line-snapshot.json")),
    clock,
    logger,
  });
  const lineService = line;

  let simService: VirtualPlantService | undefined;
  const app = createApp({
    tags,
    health: { devices: () => drivers.map((d) => d.health()), now: () => clock.now() },
    metrics: metrics.registry,
    policy: options.policy ?? openAccessPolicy,
    line: {
      status: () => lineService.status(),
      command: (cmd) => lineService.command(cmd),
      interlocks: () => interlocks.status(),
      bypass: (id, request) => interlocks.bypass(id, request),
      resetInterlocks: (by) => interlocks.reset(by),
    },
    recipes: {
      list: () => recipes.list(),
      get: (alloy) => recipes.get(alloy),
      status: () => recipes.status(),
      load: (alloy, by) => lineService.loadRecipe(alloy, by),
      verify: (by) => recipes.verify(by),
    },
    logger: logger.child({ module: "http" }),
    ...(options.sim
      ? {
          sim: {
            faults: () => simService?.faults() ?? [],
            setFault: (name: string, active: boolean) => {
              if (!simService) throw new Error("virtual plant not started");
              return simService.setFault(name, active);
            },
          },
        }
      : {}),
  });

  let server: Server | undefined;
  let stalenessTimer: NodeJS.Timeout | undefined;
  let stopping: Promise<void> | undefined;

  return {
    config,
    tags,
    drivers,
    app,
    line: lineService,
    interlocks,
    recipes,
    sim: () => simService,
    async start() {
      if (options.sim) {
        simService = await startVirtualPlant({
          config,
          dataDir: options.dataDir,
          logger,
          ...(options.simSeed === undefined ? {} : { seed: options.simSeed }),
          startPurged: options.simPurged ?? false,
        });
      }
      await Promise.all(drivers.map((d) => d.start()));
      lineService.start();
      interlocks.start();
      stalenessTimer = setInterval(() => tags.checkStaleness(), STALENESS_CHECK_MS);
      const srv = app.listen(options.port, options.host);
      server = srv;
      await new Promise<void>((resolve, reject) => {
        srv.once("listening", resolve);
        srv.once("error", reject);
      });
      const { port } = srv.address() as AddressInfo;
      return { url: `http://${options.host}:${port}` };
    },
    async waitForDevices(timeoutMs: number) {
      const deadline = Date.now() + timeoutMs;
      while (!drivers.every((d) => d.health().state === "OK")) {
        if (Date.now() > deadline || stopping) return false;
        await new Promise((r) => setTimeout(r, 50));
      }
      return true;
    },
    stop() {
      stopping ??= (async () => {
        if (stalenessTimer) clearInterval(stalenessTimer);
        lineService.stop();
        interlocks.stop();
        if (server) {
          const srv = server;
          srv.closeAllConnections();
          await new Promise<void>((resolve) => srv.close(() => resolve()));
        }
        await Promise.allSettled(drivers.map((d) => d.stop()));
        for (const d of config.devices) tags.markDevice(d.id, bad("SCADA stopped"));
        if (simService) await simService.stop();
        metrics.stop();
      })();
      return stopping;
    },
  };
}
