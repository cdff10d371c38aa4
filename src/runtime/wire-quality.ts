/**
 * Wiring of the roll record: the roll store (in `<data>/scada.db`), the roll service that builds the
 * per-metre records from the tag table (its listener runs after the interlocks, the alarms and the
 * historian), and the roll catalog people reach through the API. The adapters here turn the line, interlock,
 * alarm and recipe services into the roll service's narrow ports.
 */
import type { ScadaConfig } from "../config/config-loader.js";
import type { AlarmService } from "../control/alarm-service.js";
import type { InterlockService } from "../control/interlock-service.js";
import type { LineService } from "../control/line-service.js";
import { RollCatalog } from "../control/roll-catalog.js";
import { RollService } from "../control/roll-service.js";
import type { Clock } from "../core/clock.js";
import { component } from "../core/component.js";
import type { Logger } from "../core/logger.js";
import { segmentPoint } from "../historian/historian-measurements.js";
import type { HistorianService } from "../historian/historian-service.js";
import type { InterlockDef } from "../interlocks/interlock-schema.js";
import { trackingGeometryOf } from "../config/tracking-config.js";
import type { RecipeCatalog } from "../recipes/recipe-catalog.js";
import type { RecipeService } from "../recipes/recipe-service.js";
import { pdfAvailable, printPdf } from "../stores/report-pdf-printer.js";
import { SqliteRollStore } from "../stores/roll-store.js";
import type { TagTable } from "../tags/tag-table.js";

/** An interlock whose cause is only "signal not Good" or "heartbeat stale" (IL-08): its trips say nothing about the product. */
function isDataCause(cause: InterlockDef["cause"]): boolean {
  const c = cause as unknown as Record<string, unknown>;
  if ("notGood" in c || "heartbeatStale" in c) return true;
  const list = (c.any ?? c.all) as InterlockDef["cause"][] | undefined;
  return Array.isArray(list) && list.length > 0 && list.every(isDataCause);
}

const hourOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) + Number(hhmm.slice(3, 5)) / 60;

export interface QualityWiring {
  readonly tags: TagTable;
  readonly line: LineService;
  readonly interlocks: InterlockService;
  readonly alarms: AlarmService;
  readonly recipes: RecipeService;
  readonly catalog: RecipeCatalog;
  readonly historian: HistorianService | null;
  readonly dataDir: string;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** The roll record, or null when the line's config has no place for it (the reason is logged). */
export function wireQuality(config: ScadaConfig, w: QualityWiring) {
  const tracking = trackingGeometryOf(config);
  if (!("geometry" in tracking)) {
    w.logger.warn({ reason: "off" in tracking ? tracking.off : tracking.problems }, "no roll record");
    return null;
  }
  const { geometry } = tracking;
  const store = SqliteRollStore.open(w.dataDir);
  const alarmDefs = new Map((config.alarms?.alarms ?? []).map((a) => [a.id, a]));
  const versionOf = (alloy: string, version: number | null) => {
    if (version === null) {
      const file = w.catalog.get(alloy);
      return file?.recipe ? { recipe: file.recipe, signatures: [], submittedBy: null } : null;
    }
    const v = w.catalog.version(alloy, version);
    if (!v) return null;
    const signed = v.history.filter((h) => h.signature !== null);
    return { recipe: v.recipe, signatures: signed.map((h) => h.signature!), submittedBy: v.history.find((h) => h.to === "in-review")?.by ?? null };
  };
  const service = new RollService({
    lineId: config.line.id,
    geometry,
    store,
    tags: w.tags,
    line: { onTransition: (l) => w.line.onTransition(l), stopReasonCode: () => w.line.status().stopReason?.code ?? null },
    interlocks: { status: () => w.interlocks.status() },
    dataTrips: config.interlocks.interlocks.filter((il) => isDataCause(il.cause)).map((il) => il.id),
    alarms: {
      activeCritical: () =>
        (w.alarms.list() as { alarms: { id: string; priority: string; conditionActive: boolean }[] }).alarms.filter((a) => a.priority === "critical" && a.conditionActive).map((a) => a.id),
    },
    recipes: {
      current: () => {
        const s = w.recipes.status();
        const recipe = w.recipes.loadedRecipe();
        return s.alloy !== null && recipe ? { ref: { alloy: s.alloy, version: s.version, hash: s.hash, trial: s.trial }, recipe } : null;
      },
      approval: (alloy, version) => {
        const approved = w.catalog.version(alloy, version)?.history.find((h) => h.to === "approved" && h.signature !== null);
        return approved ? { by: approved.by, at: approved.at } : null;
      },
      lotPattern: (alloy) => {
        const name = alloy ?? w.recipes.status().alloy;
        const recipe = name ? w.catalog.get(name)?.recipe : undefined;
        return name && recipe ? { alloy: name, pattern: recipe.precursor.lotIdPattern } : null;
      },
    },
    ...(w.historian ? { sink: (records) => records.forEach((r) => w.historian!.write(segmentPoint(r, config.line.id))) } : {}),
    clock: w.clock,
    logger: w.logger,
  });
  const rolls = new RollCatalog({
    store,
    service,
    recipes: { version: versionOf },
    alarmsDuring: (from, to) =>
      w.alarms
        .recentEvents()
        .filter((e) => e.at >= from && e.at <= to && e.to === "unack-active" && e.from !== "unack-active")
        .map((e) => ({ at: e.at, id: e.alarmId, priority: e.priority, message: e.message || alarmDefs.get(e.alarmId)?.message || e.alarmId, state: e.to })),
    printPdf: pdfAvailable() ? (html) => printPdf(html) : null,
    line: { id: config.line.id, name: config.line.name },
    segmentLengthM: geometry.segmentLengthM,
    labSampleSpanM: config.tracking.labSampleSpanM,
    oee: {
      designSpeedMpm: config.oee.designSpeedMpm,
      shifts: config.oee.shifts.map((s) => ({ name: s.name, startHour: hourOf(s.start) })),
      timeZoneOffsetMinutes: config.oee.timeZoneOffsetMinutes,
    },
    clock: w.clock,
  });
  // After the interlocks, the alarms and the historian; the socket gateway subscribes last.
  w.tags.onChange((c) => service.onTagChange(c), "rolls");
  const rollComponent = component(
    "rolls",
    () => service.start(),
    () => {
      service.stop();
      store.close();
    },
  );
  return { rolls, rollService: service, rollComponent };
}
