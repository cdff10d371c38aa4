/**
 * Wiring of the historian: the service (InfluxDB at INFLUX_URL, else a managed local influxd, else the disk
 * spool only; none with `historian: "off"`), and what it records once the control plane exists — every tag
 * change by its tag's history policy (the tag table's listener after the interlocks and alarms), line and
 * station transitions, interlock events, alarm events and recipe loads (version, hash, TRIAL).
 */
import type { ScadaConfig } from "../config/config-loader.js";
import type { AlarmService } from "../control/alarm-service.js";
import type { InterlockService } from "../control/interlock-service.js";
import type { LineService } from "../control/line-service.js";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import { alarmEventPoint, interlockEventPoint, recipeLoadPoint, stateTransitionPoint } from "../historian/historian-measurements.js";
import { HistorianService } from "../historian/historian-service.js";
import type { RecipeService } from "../recipes/recipe-service.js";
import type { TagTable } from "../tags/tag-table.js";
import type { RuntimeOptions } from "./runtime-options.js";

export function wireHistorian(config: ScadaConfig, options: RuntimeOptions, clock: Clock, logger: Logger): HistorianService | null {
  if (options.historian === "off") return null;
  return new HistorianService({
    tags: config.tags,
    line: config.line.id,
    dataDir: options.dataDir,
    ...(options.influxUrl ? { influxUrl: options.influxUrl } : {}),
    ...(options.influxPort ? { managedPort: options.influxPort } : {}),
    ...options.historianTuning,
    clock,
    logger,
  });
}

/** Subscribes the historian to what it records. */
export function recordHistory(
  historian: HistorianService,
  lineId: string,
  c: { readonly tags: TagTable; readonly line: LineService; readonly interlocks: InterlockService; readonly alarms: AlarmService; readonly recipes: RecipeService },
): void {
  c.tags.onChange((change) => historian.onTagChange(change), "historian");
  c.line.onTransition((t) => historian.write(stateTransitionPoint(t, lineId)));
  c.interlocks.onEvent((e) => historian.write(interlockEventPoint(e, lineId)));
  c.alarms.onEvent((e) => historian.write(alarmEventPoint(e, lineId)));
  c.recipes.onEvent((e) => {
    const p = recipeLoadPoint(e, lineId);
    if (p) historian.write(p);
  });
}
