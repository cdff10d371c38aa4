/**
 * The composition root: the one place that builds the object graph from a validated config, and the order
 * in which its parts start (and, in reverse, stop). Wiring only — the parts are built in src/runtime/:
 * the historian, the audit trail and auth, the control plane (tags, drivers, interlocks, line, alarms, with
 * the tag listeners in their order: interlocks first), and what people reach (operations, HTTP, socket).
 */
import { mkdirSync } from "node:fs";
import type { ScadaConfig } from "./config/config-loader.js";
import { systemClock } from "./core/clock.js";
import { Components, component } from "./core/component.js";
import { createLogger } from "./core/logger.js";
import { bad } from "./core/tag-value.js";
import type { Runtime, RuntimeOptions } from "./runtime/runtime-options.js";
import { wireAudit } from "./runtime/wire-audit.js";
import { wireControl } from "./runtime/wire-control.js";
import { recordHistory, wireHistorian } from "./runtime/wire-historian.js";
import { wireHttp } from "./runtime/wire-http.js";
import { wireQuality } from "./runtime/wire-quality.js";
import { wireNorthbound } from "./runtime/wire-northbound.js";
import { DeviceStatusService } from "./drivers/device-status-service.js";
import { VirtualPlantComponent } from "./sim/virtual-plant-component.js";
import { RecipeStore } from "./stores/recipe-store.js";

/** How often tag staleness is checked. */
const STALENESS_CHECK_MS = 50;
/** How long the drivers' start gives each PLC link to come up before the next driver starts (see the drivers component). */
const DRIVER_SETTLE_MS = 3000;

export function createRuntime(config: ScadaConfig, options: RuntimeOptions): Runtime {
  const logger = options.logger ?? createLogger();
  const clock = options.clock ?? systemClock;
  const { dataDir } = options;
  mkdirSync(dataDir, { recursive: true });

  const historian = wireHistorian(config, options, clock, logger);
  const recipeStore = new RecipeStore(config.dir);
  const { audit, supervisor, auth, stores } = wireAudit(config, { dataDir, historian, recipes: () => recipeStore.list().length, clock, logger, ...(options.auth ? { auth: options.auth } : {}) });
  const control = wireControl(config, {
    dataDir,
    recipeStore,
    clock,
    logger,
    watch: { historian: () => historian?.status() ?? null, auth: () => ({ lockedUsers: auth.lockedUsers().length }), audit: () => ({ faults: supervisor.faults() }) },
  });
  const { tags, drivers, line, interlocks, alarms } = control;
  if (historian) recordHistory(historian, config.line.id, control);
  const quality = wireQuality(config, { ...control, historian, dataDir, clock, logger });
  const sim = options.sim
    ? new VirtualPlantComponent({ config, dataDir, logger, startPurged: options.simPurged ?? false, thread: options.simThread ?? false, ...(options.simSeed === undefined ? {} : { seed: options.simSeed }) })
    : null;
  const devices = new DeviceStatusService({ devices: config.devices, drivers, dataDir, clock, logger });
  const { app, operations, http } = wireHttp(
    { ...control, ...(quality ? { rolls: quality.rolls } : {}), historian, audit, auth, sim, devices, clock, logger },
    {
      port: options.port,
      host: options.host,
      ...(options.gatewayTickMs === undefined ? {} : { gatewayTickMs: options.gatewayTickMs }),
      ...(options.redisUrl ? { fanout: { redisUrl: options.redisUrl, lineId: config.line.id } } : {}),
    },
  );

  // After the trip path, the alarms and the historian: the edge node is the tag table's last listener.
  const northbound = wireNorthbound(config, options.northbound ?? { env: {} }, { tags, line, interlocks, alarms, rolls: quality?.rollService ?? null, dataDir, clock, logger, operations, users: auth, audit });

  let firstRun: Awaited<ReturnType<typeof auth.start>> | undefined;
  let stalenessTimer: NodeJS.Timeout | undefined;
  // Start order; stop is the reverse.
  const components = new Components(
    [
      stores,
      control.recipeVersions,
      component("metrics", () => undefined, () => control.metrics.stop()),
      // First: a weak SCADA_ADMIN_PASSWORD stops the start before anything runs.
      component("auth", async () => (firstRun = await auth.start(options.adminPassword)), () => auth.stop()),
      ...(sim ? [sim] : []),
      // The historian before the drivers: it records from the first value on (or spools it).
      ...(historian ? [historian] : []),
      supervisor,
      component(
        "drivers",
        // One after the other, in config order, each given DRIVER_SETTLE_MS to connect before the next starts:
        // a connect is heavy work on both ends (an OPC UA client making its certificate on a first start, the
        // session and its monitored items), and done while another PLC's data already flows, it made that
        // PLC's values late enough to trip IL-08 at boot (the virtual plant serves both PLCs from one process).
        async () => {
          for (const d of drivers) {
            await d.start();
            await pollUntil(() => d.health().state === "OK", DRIVER_SETTLE_MS, 20);
          }
        },
        async () => {
          await Promise.allSettled(drivers.map((d) => d.stop()));
          // The historian, stopped after this, takes the final Bad values and flushes them.
          for (const d of config.devices) tags.markDevice(d.id, bad("SCADA stopped"));
        },
      ),
      // Right after the drivers: the PLCs' watchdogs see this SCADA from the first connection; stopped before them.
      control.scadaHeartbeat,
      line,
      interlocks,
      alarms,
      ...(quality ? [quality.rollComponent] : []),
      // Stopped before the line and the drivers: a clean stop's NDEATH goes out while the values are still real.
      ...(northbound ? [northbound] : []),
      component("staleness", () => (stalenessTimer = setInterval(() => tags.checkStaleness(), STALENESS_CHECK_MS)), () => clearInterval(stalenessTimer)),
      http,
    ],
    logger,
  );
  let stopping: Promise<void> | undefined;

  return {
    config,
    tags,
    drivers,
    app,
    line,
    interlocks,
    recipes: control.recipes,
    rolls: quality?.rollService ?? null,
    alarms,
    operations,
    auth,
    historian,
    northbound,
    audit,
    sim: () => sim?.running(),
    async start() {
      await components.startAll();
      return { url: http.url(), generatedAdminPassword: firstRun?.created ? firstRun.generatedPassword : null };
    },
    async waitForDevices(timeoutMs: number) {
      // Ready means startable: every link OK and no PLC still settling after its first data.
      const ready = () => drivers.every((d) => d.health().state === "OK") && interlocks.waitingFor().length === 0;
      return (await pollUntil(() => ready() || stopping !== undefined, timeoutMs, 50)) && ready();
    },
    stop() {
      stopping ??= components.stopAll();
      return stopping;
    },
  };
}

/** Polls `done` every `everyMs` until it holds (true) or `timeoutMs` has passed (false). */
async function pollUntil(done: () => boolean, timeoutMs: number, everyMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return true;
}
