/**
 * What one open segment has gathered on its way through the line — the segment tracker's working state for
 * it — and the record it becomes when it closes. Mutable and pure (no clock, no I/O); the tracker decides
 * what goes in, this keeps it: O(1) per sample, no allocation but a trip or alarm id when a new one appears
 * and the record at close.
 */
import type { QualityStatus, TagValue } from "../core/tag-value.js";
import type { RecipeRef, SegmentRecord, SignalUse, StationPassage } from "./segment-record.js";
import { judgeSegment } from "./segment-rules.js";
import type { SegmentTargets } from "./segment-targets.js";
import { NEEDED_ROLES, ROLE_WINDOW, SEGMENT_SIGNALS, SIGNAL_ROLES, type SignalRole } from "./segment-signals.js";
import { TRACKING_STATIONS, type TrackingStation } from "./tracking-geometry.js";

/** A recipe as the tracker holds it: what the record names and what the rules check. */
export interface TrackedRecipe {
  readonly ref: RecipeRef;
  readonly targets: SegmentTargets;
}

interface Use {
  samples: number;
  /** Samples that had a value (any quality). */
  valued: number;
  worst: QualityStatus;
  reason: string;
}

const RANK: Readonly<Record<QualityStatus, number>> = { Good: 0, Uncertain: 1, Bad: 2 };

const maxOf = (a: number | null, v: number): number => (a === null || v > a ? v : a);
const minOf = (a: number | null, v: number): number => (a === null || v < a ? v : a);

function addIds(into: string[], ids: readonly string[]): void {
  for (const id of ids) if (!into.includes(id)) into.push(id);
}

export class SegmentAccumulator {
  /** Where the segment is now (AT_… / MIDDLE_IN_… bits) and everywhere it has been. */
  mask = 0;
  seen = 0;
  readonly enteredAt: Record<TrackingStation, number | null> = { feed: null, htr: null, quench: null, rinse: null };
  readonly leftAt: Record<TrackingStation, number | null> = { feed: null, htr: null, quench: null, rinse: null };
  /** In force when its middle entered the zone (undefined: it has not yet). */
  recipe: TrackedRecipe | null | undefined = undefined;
  peakK: number | null = null;
  bandS = 0;
  heatingKps: number | null = null;
  coolingKps: number | null = null;
  o2MaxPpm: number | null = null;
  arMinLpm: number | null = null;
  pulses = 0;
  partialPulses = 0;
  gasMinLpm: number | null = null;
  coolantMinLpm: number | null = null;
  exitTempK: number | null = null;
  private loadingSum = 0;
  private loadingCount = 0;
  /** When its middle crossed the zone exit and the quench exit (continuous-mode cooling estimate), epoch ms. */
  htrExitAt: number | null = null;
  quenchExitAt: number | null = null;
  private readonly trips: string[] = [];
  private readonly dataTrips: string[] = [];
  private readonly bypasses: string[] = [];
  private readonly alarms: string[] = [];
  /** Why part of its passage was not recorded (null: all was). */
  gap: string | null = null;
  private readonly uses = {} as Record<SignalRole, Use>;

  constructor(
    readonly index: number,
    readonly fromM: number,
    public toM: number,
  ) {
    for (const role of SIGNAL_ROLES) this.uses[role] = { samples: 0, valued: 0, worst: "Good", reason: "" };
  }

  /**
   * Counts a sample of a role into the signals used (quality, first reason). `brief`: an Uncertain sample
   * within the grace of a short Uncertain spell (a late poll) — its reason is kept, its quality does not count.
   * The reason shown is that of the worst sample that counted (the first of them); a brief spell's reason only
   * while nothing worse was seen.
   */
  note(role: SignalRole, v: TagValue, brief = false): void {
    const use = this.uses[role];
    use.samples++;
    if (v.value !== null) use.valued++;
    if (!brief && RANK[v.quality.status] > RANK[use.worst]) {
      use.worst = v.quality.status;
      use.reason = v.quality.reason;
    } else if (v.quality.status !== "Good" && use.reason === "") use.reason = brief ? `briefly ${v.quality.status}, within the grace: ${v.quality.reason}` : v.quality.reason;
  }

  peak(v: number): void {
    this.peakK = maxOf(this.peakK, v);
  }

  rate(kps: number): void {
    if (kps > 0) this.heatingKps = maxOf(this.heatingKps, kps);
    else if (kps < 0) this.coolingKps = maxOf(this.coolingKps, -kps);
  }

  o2(v: number): void {
    this.o2MaxPpm = maxOf(this.o2MaxPpm, v);
  }

  argon(v: number): void {
    this.arMinLpm = minOf(this.arMinLpm, v);
  }

  gas(v: number): void {
    this.gasMinLpm = minOf(this.gasMinLpm, v);
  }

  coolant(v: number): void {
    this.coolantMinLpm = minOf(this.coolantMinLpm, v);
  }

  exit(v: number): void {
    this.exitTempK = maxOf(this.exitTempK, v);
  }

  loading(v: number): void {
    this.loadingSum += v;
    this.loadingCount++;
  }

  inForce(trips: readonly string[], dataTrips: readonly string[], bypasses: readonly string[]): void {
    addIds(this.trips, trips);
    addIds(this.trips, dataTrips);
    addIds(this.dataTrips, dataTrips);
    addIds(this.bypasses, bypasses);
  }

  alarmed(alarms: readonly string[]): void {
    addIds(this.alarms, alarms);
  }

  markGap(why: string): void {
    this.gap ??= why;
  }

  /**
   * Continuous mode: (peak − quench exit temperature) / the time its middle took from the zone exit to the
   * quench exit, K/s — the mean rate over the cooling path (one pyrometer cannot see the web cool).
   */
  estimatedCoolingKps(): number | null {
    if (this.peakK === null || this.exitTempK === null || this.htrExitAt === null || this.quenchExitAt === null) return null;
    const dtS = (this.quenchExitAt - this.htrExitAt) / 1000;
    return dtS > 0 ? (this.peakK - this.exitTempK) / dtS : null;
  }

  /** The record it becomes, judged: closed at `closedAt`, `conductivity` the rinse effluent then (Good), µS/cm. */
  toRecord(rollId: string, closedAt: number, conductivity: number | null): SegmentRecord {
    const recipe = this.recipe ?? null;
    const targets = recipe?.targets ?? null;
    const continuous = targets?.mode === "continuous";
    const signals: Record<string, SignalUse> = {};
    for (const role of SIGNAL_ROLES) {
      const u = this.uses[role];
      if (u.samples > 0) signals[SEGMENT_SIGNALS[role]] = { samples: u.samples, worst: u.worst, reason: u.reason };
    }
    const missing = NEEDED_ROLES.filter((r) => (this.seen & ROLE_WINDOW[r]) !== 0 && this.uses[r].valued === 0).map((r) => SEGMENT_SIGNALS[r]);
    const passages: Record<string, StationPassage> = {};
    for (const s of TRACKING_STATIONS) passages[s] = { enteredAt: this.enteredAt[s], leftAt: this.leftAt[s] };
    const stats = {
      peakK: this.peakK,
      timeInBandS: targets !== null && this.peakK !== null ? this.bandS : null,
      maxHeatingKps: continuous ? null : this.heatingKps,
      maxCoolingKps: continuous ? this.estimatedCoolingKps() : this.coolingKps,
      o2MaxPpm: this.o2MaxPpm,
      arMinLpm: this.arMinLpm,
      pulses: this.pulses,
      partialPulses: this.partialPulses,
      quenchGasMinLpm: this.gasMinLpm,
      coolantMinLpm: this.coolantMinLpm,
      exitTempK: this.exitTempK,
      exitConductivityUsCm: conductivity,
      arealLoadingMgCm2: this.loadingCount > 0 ? this.loadingSum / this.loadingCount : null,
      trips: [...this.trips],
      signals,
    };
    const { verdict, reasons } = judgeSegment(stats, targets, {
      trial: recipe?.ref.trial ?? false,
      dataTrips: this.dataTrips,
      missing,
      gap: this.gap,
    });
    return {
      rollId,
      index: this.index,
      fromM: this.fromM,
      toM: this.toM,
      verdict,
      reasons,
      passages,
      ...stats,
      recipe: recipe?.ref ?? null,
      bypasses: [...this.bypasses],
      criticalAlarms: [...this.alarms],
      closedAt,
    };
  }
}
