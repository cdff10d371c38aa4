/**
 * The roll record in operation: rolls begin with the line's start (or an explicit new roll) and end when
 * the line reaches its target (Completing, then Complete) or at the next new roll; every 0.10 m of web gets its quality record as it leaves the rinse.
 *
 * Off the trip path: the tag table's listener only queues the few signals the record uses (a Set lookup and
 * a push); a timer drains the queue every DRAIN_MS in time order into the odometer (encoder → web travel)
 * and the trackers of the rolls still in the line (the open one and an ended one whose tail is still
 * passing), then writes the closed records to the roll store and the historian in one batch. The trackers'
 * state is saved every SAVE_MS and at stop, so a restart continues the roll without losing or doubling a
 * segment (what passed while the SCADA was away is unverified).
 */
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { TagValue } from "../core/tag-value.js";
import type { Roll } from "../quality/roll-record.js";
import type { RollStorePort } from "../quality/roll-store-port.js";
import type { SegmentRecord } from "../quality/segment-record.js";
import { segmentTargets } from "../quality/segment-targets.js";
import { SEGMENT_SIGNALS } from "../quality/segment-signals.js";
import { SegmentTracker, type TrackerSnapshot } from "../quality/segment-tracker.js";
import type { TrackingGeometry } from "../quality/tracking-geometry.js";
import { WebOdometer } from "../quality/web-odometer.js";
import type { TagChange } from "../tags/tag-table.js";
import type { RollAlarms, RollInterlocks, RollLine, RollRecipes, SegmentSink } from "./roll-ports.js";
import type { StateTransition } from "./state-transition.js";

/** How often queued samples become segment records, ms. */
export const DRAIN_MS = 100;
/** How often the trackers' state is saved, ms. */
const SAVE_MS = 1000;
const ENCODER_TAG = "feed.encoder_pos";

export interface RollServiceDeps {
  readonly lineId: string;
  readonly geometry: TrackingGeometry;
  readonly store: RollStorePort;
  /** Current values: a new or restored tracker starts from them (signals with a deadband may not change for long). */
  readonly tags: { get(name: string): { readonly value: TagValue } | undefined };
  readonly line: RollLine;
  readonly interlocks: RollInterlocks;
  /** Interlocks whose trip means "data not Good" (IL-08): the segments they touch are unverified, not failed. */
  readonly dataTrips: readonly string[];
  readonly alarms: RollAlarms;
  readonly recipes: RollRecipes;
  readonly sink?: SegmentSink;
  readonly clock: Clock;
  readonly logger: Logger;
}

interface Sample {
  readonly t: number;
  readonly name: string;
  readonly value: TagValue;
}

interface SavedState {
  readonly odometer: ReturnType<WebOdometer["snapshot"]>;
  readonly trackers: readonly TrackerSnapshot[];
}

export type RollRefusal = { readonly ok: false; readonly code: "SCADA_ERR_ROLL_LOT_INVALID" | "SCADA_ERR_ROLL_LOT_CONFLICT"; readonly message: string };

export class RollService {
  readonly name = "rolls";
  private readonly log: Logger;
  private readonly signalTags: ReadonlySet<string>;
  private readonly dataTrips: ReadonlySet<string>;
  private odometer = new WebOdometer();
  private trackers: SegmentTracker[] = [];
  private queue: Sample[] = [];
  private lastT = 0;
  private timer: NodeJS.Timeout | undefined;
  private lastSave = 0;
  private started = false;
  private unsubscribe: (() => void) | undefined;
  /** The lot and user of the start command on its way (a roll begins when the line goes Starting). */
  private pendingStart: { lot: string | null; by: string } | null = null;
  private recipeKey = "";
  private written = 0;
  private failedWrites = 0;

  constructor(private readonly deps: RollServiceDeps) {
    this.log = deps.logger.child({ module: "rolls" });
    this.signalTags = new Set<string>([ENCODER_TAG, ...Object.values(SEGMENT_SIGNALS)]);
    this.dataTrips = new Set(deps.dataTrips);
  }

  start(): void {
    this.restore();
    this.unsubscribe = this.deps.line.onTransition((t) => this.onTransition(t));
    this.timer = setInterval(() => this.drain(), DRAIN_MS);
    this.started = true;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.unsubscribe?.();
    if (this.started) {
      this.drain();
      this.save();
    }
    this.started = false;
  }

  /** The tag table's listener: queue what the record uses (cheap; the work happens in drain). */
  onTagChange(c: TagChange): void {
    if (!this.started || !this.signalTags.has(c.name)) return;
    this.queue.push({ t: c.current.sourceTs, name: c.name, value: c.current });
  }

  /**
   * Before a start command: checks the lot against the recipe's pattern and keeps it for the roll the start
   * begins. A lot given while a roll is open must be that roll's lot (a new lot is a new roll).
   */
  prepareStart(lot: string | undefined, alloy: string | undefined, by: string): { ok: true } | RollRefusal {
    const open = this.deps.store.currentRoll();
    if (lot !== undefined) {
      const p = this.deps.recipes.lotPattern(alloy);
      if (p && !new RegExp(p.pattern, "u").test(lot)) {
        return { ok: false, code: "SCADA_ERR_ROLL_LOT_INVALID", message: `lot '${lot}' does not match recipe ${p.alloy}'s lot pattern ${p.pattern}` };
      }
      if (open && open.lot !== null && open.lot !== lot) {
        return { ok: false, code: "SCADA_ERR_ROLL_LOT_CONFLICT", message: `roll ${open.id} is open with lot ${open.lot}: start a new roll (POST /api/rolls) to change the lot` };
      }
    }
    this.pendingStart = { lot: lot ?? null, by };
    return { ok: true };
  }

  /** The start was refused after prepareStart: forget its lot. */
  cancelStart(): void {
    this.pendingStart = null;
  }

  /** Ends the open roll (if any) and begins a new one here and now. */
  newRoll(lot: string | null, by: string): Roll {
    this.drain();
    const at = this.deps.clock.now();
    this.endOpenRoll(at);
    return this.beginRoll(lot, by, at);
  }

  current(): Roll | null {
    return this.deps.store.currentRoll();
  }

  /** Live figures for the HMI: metres made, segments still in the line, where the roll's metres are now. */
  live(): { rollId: string; lengthM: number; open: number; inZone: { fromM: number; toM: number } } | null {
    const t = this.openTracker();
    if (!t) return null;
    const len = t.lengthM();
    const zone = this.deps.geometry.windows.htr;
    return { rollId: t.rollId, lengthM: len, open: t.openCount(), inZone: { fromM: Math.max(0, len - (zone.toM - zone.fromM)), toM: len } };
  }

  stats(): { written: number; failedWrites: number; queued: number; trackers: number } {
    return { written: this.written, failedWrites: this.failedWrites, queued: this.queue.length, trackers: this.trackers.length };
  }

  /** Applies the queued samples in time order; writes what closed. */
  drain(): void {
    const batch = this.queue;
    this.queue = [];
    const closed: SegmentRecord[] = [];
    const ctx = this.trackers.length > 0 ? this.context() : null;
    for (const s of batch) {
      const t = Math.max(this.lastT, s.t);
      this.lastT = t;
      if (s.name === ENCODER_TAG) {
        if (typeof s.value.value !== "number" || s.value.quality.status === "Bad") continue;
        const { travelM } = this.odometer.update(t, s.value.value);
        for (const tr of this.trackers) closed.push(...tr.travel(t, travelM));
      } else {
        for (const tr of this.trackers) tr.sample(t, s.name, s.value);
      }
    }
    if (ctx) for (const tr of this.trackers) tr.context(this.lastT, ctx);
    this.trackRecipeChange();
    this.write(closed);
    this.trackers = this.trackers.filter((tr) => !tr.done() || tr === this.openTracker());
    if (this.deps.clock.now() - this.lastSave >= SAVE_MS) this.save();
  }

  private context() {
    const il = this.deps.interlocks.status();
    const current = this.deps.recipes.current();
    // A trip that says "data not Good" (IL-08, or any trip taken because its input was not Good) makes the
    // segments unverified; one whose cause was seen fails them.
    const viaNotGood = new Set(il.trips.filter((t) => t.viaNotGood).map((t) => t.interlock));
    const isData = (id: string) => this.dataTrips.has(id) || viaNotGood.has(id);
    // In the order they latched, so a segment's first trip is the first-out.
    const latched = [...new Set([...il.trips.map((t) => t.interlock), ...il.tripped])].filter((id) => il.tripped.includes(id));
    return {
      recipe: current ? { ref: current.ref, targets: segmentTargets(current.recipe) } : null,
      trips: latched.filter((id) => !isData(id)),
      dataTrips: latched.filter(isData),
      bypasses: il.bypassed,
      criticalAlarms: this.deps.alarms.activeCritical(),
    };
  }

  private write(all: readonly SegmentRecord[]): void {
    if (all.length === 0) return;
    // After a hard stop between a write and the tracker's save, a restored tracker closes some segments
    // again: the store has them already (segments are contiguous from 0), so they are not written twice.
    const recorded = new Map<string, number>();
    const closed = all.filter((r) => {
      if (!recorded.has(r.rollId)) recorded.set(r.rollId, this.deps.store.getRoll(r.rollId)?.segmentsRecorded ?? 0);
      return r.index >= recorded.get(r.rollId)!;
    });
    if (closed.length === 0) return;
    try {
      this.deps.store.appendSegments(closed);
      this.written += closed.length;
    } catch (err) {
      this.failedWrites += closed.length;
      this.log.error({ err, first: closed[0]?.index, count: closed.length }, "segment records not written");
      return;
    }
    // What closed is saved at once: a restart continues after it.
    this.save();
    this.deps.sink?.(closed);
  }

  private onTransition(t: StateTransition): void {
    if (t.scope !== "line") return;
    const open = this.deps.store.currentRoll();
    if (t.to === "Starting" && !open) {
      const start = this.pendingStart ?? { lot: null, by: "system" };
      this.drain();
      this.beginRoll(start.lot, start.by, t.at);
    } else if ((t.to === "Completing" || t.to === "Complete") && open) {
      // The target length is reached: no more metres are made on this roll (Completing only winds down).
      this.drain();
      this.endOpenRoll(t.at);
    }
    if (t.to === "Starting") this.pendingStart = null;
    this.deps.store.appendLineState({
      at: t.at,
      state: t.to,
      from: t.from,
      stopReason: this.deps.line.stopReasonCode(),
      firstOut: this.deps.interlocks.status().firstOut?.interlock ?? null,
      rollId: this.deps.store.currentRoll()?.id ?? null,
    });
  }

  private beginRoll(lot: string | null, by: string, at: number): Roll {
    const roll = this.deps.store.createRoll({ line: this.deps.lineId, lot, startedAt: at, startedBy: by });
    this.trackers.push(this.seeded(new SegmentTracker({ rollId: roll.id, geometry: this.deps.geometry, originTravelM: this.odometer.travel() })));
    this.recipeKey = "";
    this.trackRecipeChange();
    this.save();
    this.log.info({ roll: roll.id, lot, by }, "roll started");
    return this.deps.store.getRoll(roll.id) ?? roll;
  }

  private endOpenRoll(at: number): void {
    const open = this.deps.store.currentRoll();
    const tr = this.openTracker();
    if (!open) return;
    tr?.end(at);
    const length = tr?.lengthM() ?? open.lengthM;
    this.deps.store.endRoll(open.id, at, length);
    this.save();
    this.log.info({ roll: open.id, lengthM: length }, "roll ended");
  }

  /** The tracker of the open roll (the others are ended rolls whose tail is still in the line). */
  private openTracker(): SegmentTracker | undefined {
    const open = this.deps.store.currentRoll();
    return open ? this.trackers.find((t) => t.rollId === open.id) : undefined;
  }

  /** A recipe (version) loaded while the roll is open takes effect from the metre now entering the zone. */
  private trackRecipeChange(): void {
    const tr = this.openTracker();
    if (!tr) return;
    const current = this.deps.recipes.current();
    const key = current ? JSON.stringify(current.ref) : "";
    if (key === this.recipeKey || !current) return;
    this.recipeKey = key;
    const approval = current.ref.version === null ? null : this.deps.recipes.approval(current.ref.alloy, current.ref.version);
    this.deps.store.addRecipeRange(tr.rollId, { ...current.ref, fromM: tr.lengthM(), approvedBy: approval?.by ?? null, approvedAt: approval?.at ?? null });
  }

  /** A tracker starts from the signals' current values. */
  private seeded(tr: SegmentTracker): SegmentTracker {
    const t = Math.max(this.lastT, this.deps.clock.now());
    for (const name of this.signalTags) {
      const v = this.deps.tags.get(name)?.value;
      if (v && name !== ENCODER_TAG) tr.sample(t, name, v);
    }
    return tr;
  }

  private save(): void {
    this.lastSave = this.deps.clock.now();
    const open = this.openTracker();
    if (open && !open.done()) this.deps.store.setLength(open.rollId, open.lengthM());
    const state: SavedState = { odometer: this.odometer.snapshot(), trackers: this.trackers.map((t) => t.snapshot()) };
    this.deps.store.saveTrackerState(JSON.stringify(state));
  }

  /** After a restart: the odometer and the trackers as saved; an open roll without a tracker gets a new one. */
  private restore(): void {
    const json = this.deps.store.loadTrackerState();
    if (json) {
      try {
        const saved = JSON.parse(json) as SavedState;
        this.odometer.restore(saved.odometer);
        this.trackers = saved.trackers.map((s) => this.seeded(SegmentTracker.restore(s, this.deps.geometry)));
      } catch (err) {
        this.log.error({ err }, "saved roll tracking unreadable: tracking starts afresh (the open roll's metres in the line are unverified)");
        this.trackers = [];
      }
    }
    const open = this.deps.store.currentRoll();
    if (open && !this.trackers.some((t) => t.rollId === open.id)) {
      this.trackers.push(this.seeded(new SegmentTracker({ rollId: open.id, geometry: this.deps.geometry, originTravelM: this.odometer.travel() - open.lengthM, firstIndex: open.segmentsRecorded })));
    }
    this.trackers = this.trackers.filter((t) => !t.done() || t.rollId === open?.id);
  }
}
