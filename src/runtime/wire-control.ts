/**
 * Wiring of the control plane: the tag table and its drivers, the one tag router, recipes, heartbeats,
 * interlocks, the line and the alarms — and the tag table's listeners, subscribed here in the order they
 * must run: the interlocks first (the trip path), then alarms, then whoever the caller adds (historian,
 * gateway). Wiring only: every rule lives in the services and pure modules it names.
 */
import { join } from "node:path";
import type { AlarmDefs } from "../alarms/alarm-schema.js";
import { alarmSettingsSchema } from "../alarms/alarm-schema.js";
import type { ScadaConfig } from "../config/config-loader.js";
import { AlarmService } from "../control/alarm-service.js";
import { deviationTargets } from "../control/deviation-targets.js";
import { InterlockService } from "../control/interlock-service.js";
import { LineService } from "../control/line-service.js";
import type { Clock } from "../core/clock.js";
import { component } from "../core/component.js";
import { FloodGate, type Logger } from "../core/logger.js";
import { createDriver } from "../drivers/create-driver.js";
import type { DeviceDriver } from "../drivers/driver-port.js";
import { stalenessReferenceByDevice } from "../drivers/staleness-reference.js";
import { TagRouter } from "../drivers/tag-router.js";
import { scadaHeartbeatTargets } from "../control/scada-heartbeat-count.js";
import { ScadaHeartbeatWriter } from "../control/scada-heartbeat-writer.js";
import { RecipeCatalog } from "../recipes/recipe-catalog.js";
import { il02LimitRefOf } from "../recipes/recipe-preview.js";
import { RecipeService } from "../recipes/recipe-service.js";
import { createMetrics } from "../server/metrics.js";
import { LineSnapshotStore } from "../stores/line-snapshot-store.js";
import type { RecipeStore } from "../stores/recipe-store.js";
import { SqliteRecipeVersionStore } from "../stores/recipe-version-store.js";
import { FirstDataWatch } from "../tags/first-data-watch.js";
import { HeartbeatMonitor } from "../tags/heartbeat-monitor.js";
import { TagTable } from "../tags/tag-table.js";

/** What the alarms watch beyond tags, interlocks and the line (the caller's services). */
export interface AlarmWatch {
  readonly historian: () => { readonly online: boolean; readonly spoolFraction: number } | null;
  readonly auth: () => { readonly lockedUsers: number };
  readonly audit: () => { readonly faults: number };
}

/** A listener that throws is logged at most once a minute per listener, with the count of those not logged. */
const LISTENER_ERROR_LOG_MS = 60_000;

export function wireControl(config: ScadaConfig, ctx: { dataDir: string; recipeStore: RecipeStore; clock: Clock; logger: Logger; watch: AlarmWatch }) {
  const { clock, logger } = ctx;
  const listenerLog = logger.child({ module: "tags" });
  const listenerFlood = new FloodGate(LISTENER_ERROR_LOG_MS, () => clock.now());
  const tags = new TagTable(config.tags, clock, {
    deviceReferenceMs: stalenessReferenceByDevice(config.devices, config.tags),
    // The staleness check runs every 50 ms: a gap of 250 ms is the SCADA stalled, not the PLCs.
    observerStallMs: 250,
    onListenerError: (listener, err, change) => {
      const suppressed = listenerFlood.pass(listener);
      if (suppressed >= 0) listenerLog.error({ err, listener, tag: change.name, suppressed }, `tag listener '${listener}' threw`);
    },
  });
  const drivers: DeviceDriver[] = [];
  const metrics = createMetrics({ tagCounters: () => tags.counters(), drivers: () => drivers, tagListeners: () => tags.listeners() });
  for (const device of config.devices) {
    const own = config.tags.filter((t) => t.device === device.id);
    drivers.push(createDriver(device, own, { sink: tags, clock, logger, dataDir: ctx.dataDir, observer: metrics.driverObserver }));
  }
  // One router of reads and writes, tag → device → driver: recipes, the line's machines and the trip path.
  const router = new TagRouter(drivers, config.tags);
  // The SCADA's heartbeat to each PLC's watchdog (devices.yaml scadaHeartbeat; docs/plc-watchdog.md).
  const scadaHeartbeat = new ScadaHeartbeatWriter({ targets: scadaHeartbeatTargets(config.devices, config.tags), writer: router, clock, logger });
  // Recipe versions (review, signed approval) in <data>/scada.db; the shipped files seed v1 on first start.
  const versionStore = SqliteRecipeVersionStore.open(ctx.dataDir);
  const catalog = new RecipeCatalog({ files: ctx.recipeStore, versions: versionStore, line: config, preview: { il02Limit: il02LimitRefOf(config.interlocks) }, clock });
  const recipeVersions = component("recipe versions", () => catalog.seed(), () => versionStore.close());
  const recipes = new RecipeService({ store: catalog, config, io: router, clock, logger });
  const heartbeats = new HeartbeatMonitor(
    config.devices.map((d) => ({ id: d.id, heartbeatTag: d.heartbeatTag, periodMs: d.heartbeatPeriodMs })),
    // The line tick looks every 50 ms: a gap of 250 ms is the SCADA stalled, not the PLC.
    { observerStallMs: 250 },
  );
  // The quiet boot: until a device delivers its first data, its interlocks wait and its alarms are not judged.
  const firstData = new FirstDataWatch(
    config.devices.map((d) => ({ id: d.id, heartbeatTag: d.heartbeatTag, tags: config.tags.filter((t) => t.device === d.id).map((t) => t.name) })),
    clock.now(),
  );
  const interlocks = new InterlockService({
    defs: config.interlocks,
    tags,
    writer: router,
    recipe: () => (recipes.status().alloy === null ? null : { verified: recipes.isVerified(), params: recipes.interlockParams() }),
    heartbeats,
    firstData,
    clock,
    logger,
  });
  const line = new LineService({
    tags,
    io: router,
    recipes,
    recipeRules: catalog,
    interlocks,
    store: new LineSnapshotStore(join(ctx.dataDir, "line", "line-snapshot.json")),
    clock,
    logger,
  });
  // The interlocks read the line's state and send it trips and permissives.
  interlocks.attachLine(line);
  const alarmDefs: AlarmDefs = config.alarms ?? { settings: alarmSettingsSchema.parse({}), alarms: [] };
  const alarms = new AlarmService({
    defs: alarmDefs,
    tags,
    interlocks,
    line,
    devices: () => drivers.map((d) => d.health()),
    firstData,
    ...ctx.watch,
    targets: () => deviationTargets(recipes.interlockParams().peakTempK, (name) => tags.get(name)?.value),
    clock,
    logger,
  });
  // The tag table's listeners, in the order they run: the trip path first. The historian follows (runtime.ts),
  // and the socket gateway subscribes last, when the HTTP component starts.
  tags.onChange((c) => interlocks.onTagChange(c), "interlocks");
  tags.onChange((c) => alarms.onTagChange(c), "alarms");
  return { tags, drivers, metrics, recipes, catalog, recipeVersions, scadaHeartbeat, interlocks, line, alarms, alarmDefs };
}
