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
import { VirtualPlantComponent } from "./sim/virtual-plant-component.js";
import { RecipeStore } from "./stores/recipe-store.js";

/** How often tag staleness is checked. */
const STALENESS_CHECK_MS = 50;

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
  const sim = options.sim
    ? new VirtualPlantComponent({ config, dataDir, logger, startPurged: options.simPurged ?? false, ...(options.simSeed === undefined ? {} : { seed: options.simSeed }) })
    : null;
  const { app, operations, http } = wireHttp(
    { ...control, historian, audit, auth, sim, clock, logger },
    { port: options.port, host: options.host, ...(options.gatewayTickMs === undefined ? {} : { gatewayTickMs: options.gatewayTickMs }) },
  );

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
        () => Promise.all(drivers.map((d) => d.start())),
        async () => {
          await Promise.allSettled(drivers.map((d) => d.stop()));
          // The historian, stopped after this, takes the final Bad values and flushes them.
          for (const d of config.devices) tags.markDevice(d.id, bad("SCADA stopped"));
        },
      ),
      line,
      interlocks,
      alarms,
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
    alarms,
    operations,
    auth,
    historian,
    audit,
    sim: () => sim?.running(),
    async start() {
      await components.startAll();
      return { url: http.url(), generatedAdminPassword: firstRun?.created ? firstRun.generatedPassword : null };
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
      stopping ??= components.stopAll();
      return stopping;
    },
  };
}
