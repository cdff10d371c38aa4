/**
 * Wiring of the historian: the service (InfluxDB at INFLUX_URL, else a managed local influxd, else the disk
 * spool only; none with `historian: "off"`), and what it records once the control plane exists — every tag
 * change by its tag's history policy (the tag table's listener after the interlocks and alarms), line and
 * station transitions, interlock events, alarm events and recipe loads (version, hash, TRIAL) — and, while
 * it runs, the SCADA's own health every 10 s (the historian's queue, spool and counters, each PLC link's
 * state and counters: measurement `health`, historian/health-sampler.ts).
 */
import type { ScadaConfig } from "../config/config-loader.js";
import type { AlarmService } from "../control/alarm-service.js";
import type { InterlockService } from "../control/interlock-service.js";
import type { LineService } from "../control/line-service.js";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import { alarmEventPoint, interlockEventPoint, recipeLoadPoint, stateTransitionPoint } from "../historian/historian-measurements.js";
import { HealthSampler, type LinkHealthSource } from "../historian/health-sampler.js";
import { HistorianService, type HistorianServiceOptions } from "../historian/historian-service.js";
import type { RecipeService } from "../recipes/recipe-service.js";
import type { TagTable } from "../tags/tag-table.js";
import type { RuntimeOptions } from "./runtime-options.js";

/**
 * The historian service that also samples the SCADA's health while it runs: the sampler starts after the
 * historian has started (its writer exists) and stops before it stops (the last samples are flushed with
 * the rest). The PLC links it samples are given by recordHistory, once the drivers exist.
 */
export class HistorianWithHealth extends HistorianService {
  private links: readonly LinkHealthSource[] = [];
  private readonly health: HealthSampler;

  constructor(opts: HistorianServiceOptions) {
    super(opts);
    this.health = new HealthSampler({
      line: opts.line,
      historian: () => this.status(),
      links: () => this.links,
      write: (p) => this.write(p),
      clock: opts.clock,
      logger: opts.logger.child({ module: "historian" }),
    });
  }

  sampleLinks(links: readonly LinkHealthSource[]): void {
    this.links = links;
  }

  override async start(): Promise<void> {
    await super.start();
    this.health.start();
  }

  override async stop(): Promise<void> {
    this.health.stop();
    await super.stop();
  }
}

export function wireHistorian(config: ScadaConfig, options: RuntimeOptions, clock: Clock, logger: Logger): HistorianWithHealth | null {
  if (options.historian === "off") return null;
  return new HistorianWithHealth({
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
  historian: HistorianWithHealth,
  lineId: string,
  c: {
    readonly tags: TagTable;
    readonly line: LineService;
    readonly interlocks: InterlockService;
    readonly alarms: AlarmService;
    readonly recipes: RecipeService;
    readonly drivers: readonly LinkHealthSource[];
  },
): void {
  historian.sampleLinks(c.drivers);
  c.tags.onChange((change) => historian.onTagChange(change), "historian");
  c.line.onTransition((t) => historian.write(stateTransitionPoint(t, lineId)));
  c.interlocks.onEvent((e) => historian.write(interlockEventPoint(e, lineId)));
  c.alarms.onEvent((e) => historian.write(alarmEventPoint(e, lineId)));
  c.recipes.onEvent((e) => {
    const p = recipeLoadPoint(e, lineId);
    if (p) historian.write(p);
  });
}
