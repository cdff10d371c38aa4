/**
 * Per-metre web tracking for ONE roll: follows each segment of the roll (0.10 m by default) from the feed
 * window to the rinse exit, gathers what the signals said while it was in each measuring window, and closes
 * its record (judged by segment-rules) when its upstream end leaves the rinse. Pure: time and travel come in
 * as arguments, fed in time order; no clock, no I/O.
 *
 * Coordinates: a roll begins at travel W0; roll metre m is at path position p = htr.fromM + (W − W0) − m, so
 * metre 0 is the web at the HTR entry when the roll began. Segment i covers roll metres [i·L, (i+1)·L).
 *
 * Signals change only on change (deadbands): the tracker carries each one's last value forward, and a
 * segment entering a window starts with the current value of that window's signals (one sample). So a new
 * or restored tracker knows nothing until it is told: feed it the current value of every SEGMENT_SIGNALS
 * tag (and the context) right after construction or restore.
 *
 * Continuous mode: the one pyrometer sees the web at a steady temperature, so no heating rate is recorded
 * (maxHeatingKps null) and the cooling rate is estimated as (peak − quench exit temperature) / the time the
 * segment's middle took from htr.toM to quench.toM.
 *
 * Cost: sample() O(segments in that signal's window) (≈ 3–12), context() O(segments in the HTR and quench
 * windows), travel() O(segments on the line between the feed window and the rinse exit) (≈ 30); no
 * allocation per sample (a trip or alarm id is copied when it first appears; the record at close).
 */
import { ScadaError } from "../core/errors.js";
import type { TagValue } from "../core/tag-value.js";
import { SegmentAccumulator, type TrackedRecipe } from "./segment-accumulator.js";
import type { SegmentRecord } from "./segment-record.js";
import {
  AT_FEED,
  AT_HTR,
  AT_HTR_TO_QUENCH,
  AT_QUENCH,
  AT_RINSE,
  MIDDLE_IN_HTR,
  MIDDLE_IN_QUENCH,
  signalRoleOf,
} from "./segment-signals.js";
import { ALIGN_TOLERANCE_M, SegmentSignalFeed, overlapM } from "./segment-signal-feed.js";
import { SegmentWindowIndex } from "./segment-window-index.js";
import { type TrackingGeometry, type TrackingStation, type TrackingWindow, geometryProblems } from "./tracking-geometry.js";

export { RATE_WINDOW_MS } from "./rate-window.js";
export { SEGMENT_SIGNALS } from "./segment-signals.js";
export type { TrackedRecipe } from "./segment-accumulator.js";
export { ALIGN_TOLERANCE_M, BAND_STEP_CAP_S, DEFAULT_SAFE_WEB_TEMP_K, MOVING_SPEED_MPM } from "./segment-signal-feed.js";

/**
 * One travel step longer than this (or than a segment, if segments are shorter) means the SCADA was not looking
 * while the web moved (RECORD-GAP), m. Between two readings the segments are placed by linear interpolation, so a
 * shorter step only blurs a window edge by less than a segment; a longer one could carry a whole segment across
 * an edge unseen. At the pulse index speed (0.1 m/s) it is 1 s without an encoder reading, at the continuous
 * design speed 2.3 s: by then the line PLC's values are already late (STALENESS_FLOOR_MS). A busy host whose
 * readings come 0.5 s apart does not lose the record (it did with 0.05 m: every segment of a loaded CI run).
 */
export const MAX_TRAVEL_STEP_M = 0.1;
/** Geometric slack: a touch shorter than this is no overlap, m. */
const EPS_M = 1e-6;

/** What is in force now. */
export interface TrackerContext {
  readonly recipe: TrackedRecipe | null;
  /** Every latched interlock trip. */
  readonly trips: readonly string[];
  /** Latched trips about data, not the process (e.g. IL-08): recorded as trips, judged unverified (they may also be in `trips`). */
  readonly dataTrips: readonly string[];
  readonly bypasses: readonly string[];
  readonly criticalAlarms: readonly string[];
}

export interface TrackerOptions {
  readonly rollId: string;
  readonly geometry: TrackingGeometry;
  /** Web travel when the roll began, m. */
  readonly originTravelM: number;
  /** First segment index to track (the ones before it are taken as closed); default 0. */
  readonly firstIndex?: number;
}

/** What survives a restart, JSON-able. */
export interface TrackerSnapshot {
  readonly rollId: string;
  readonly originTravelM: number;
  /** Index of the next segment to close. */
  readonly nextIndex: number;
  readonly endedLengthM: number | null;
  readonly lastTravelM: number;
}

const NO_CONTEXT: TrackerContext = Object.freeze({ recipe: null, trips: [], dataTrips: [], bypasses: [], criticalAlarms: [] });
const STATION_BITS: readonly (readonly [TrackingStation, number])[] = [
  ["feed", AT_FEED],
  ["htr", AT_HTR],
  ["quench", AT_QUENCH],
  ["rinse", AT_RINSE],
];
const CONTEXT_BITS: readonly number[] = [AT_HTR, AT_QUENCH];

export class SegmentTracker {
  /** The roll it tracks. */
  readonly rollId: string;
  private readonly g: TrackingGeometry;
  private readonly L: number;
  /** A travel step longer than this is a RECORD-GAP, m. */
  private readonly maxStepM: number;
  private readonly origin: number;
  private nextClose: number;
  private nextOpen: number;
  /** Segments nextClose, nextClose + 1, … that have reached the feed window, and which are in each window. */
  private readonly windows = new SegmentWindowIndex();
  private readonly open = this.windows.open;
  private readonly feed: SegmentSignalFeed;
  private endedLength: number | null = null;
  private travelM: number;
  private lastT: number | null = null;
  private started = false;
  private readonly pending: SegmentRecord[] = [];
  /** Restored: segments up to this index lost what they had gathered. */
  private gapThrough = -1;
  private gapWhy = "";
  private ctx: TrackerContext = NO_CONTEXT;

  constructor(o: TrackerOptions) {
    const problems = geometryProblems(o.geometry);
    if (problems.length > 0) throw new ScadaError("SCADA_ERR_CONFIG_INVALID", `segment tracking geometry: ${problems.join("; ")}`, problems);
    this.rollId = o.rollId;
    this.g = o.geometry;
    this.L = o.geometry.segmentLengthM;
    this.maxStepM = Math.min(MAX_TRAVEL_STEP_M, this.L);
    this.origin = o.originTravelM;
    this.travelM = o.originTravelM;
    this.nextClose = this.nextOpen = o.firstIndex ?? 0;
    this.feed = new SegmentSignalFeed(this.windows, o.geometry.windows.htr);
  }

  /** The web has travelled to `travelM` (non-decreasing; a step back is ignored): the records closed now, in index order. */
  travel(t: number, travelM: number): SegmentRecord[] {
    this.begin(t);
    const out = this.pending.splice(0);
    if (!(travelM > this.travelM)) {
      this.lastT = t;
      this.feed.travelled(this.travelM - this.origin);
      return out;
    }
    const prevD = this.travelM - this.origin;
    const prevT = this.lastT ?? t;
    const step = travelM - this.travelM;
    this.travelM = travelM;
    if (step > this.maxStepM) this.markJump(prevD, travelM - this.origin, step);
    out.push(...this.refresh(t, prevT, prevD));
    this.feed.travelled(travelM - this.origin);
    this.lastT = t;
    return out;
  }

  /** A sample of a tag (one of SEGMENT_SIGNALS; others are ignored). */
  sample(t: number, tag: string, v: TagValue): void {
    const role = signalRoleOf(tag);
    if (role === undefined) return;
    this.begin(t);
    this.feed.sample(t, role, v, this.travelM - this.origin);
  }

  /** What is in force now: trips, data trips and bypasses go to the segments in the HTR window, critical alarms to those in the HTR or quench. */
  context(t: number, ctx: TrackerContext): void {
    this.begin(t);
    this.ctx = ctx;
    for (const bit of CONTEXT_BITS) {
      for (let k = this.windows.first(bit); k <= this.windows.last(bit); k++) {
        const a = this.open[k]!;
        if ((a.mask & bit) === 0) continue;
        if (bit === AT_HTR) a.inForce(ctx.trips, ctx.dataTrips, ctx.bypasses);
        a.alarmed(ctx.criticalAlarms);
      }
    }
    this.feed.setRecipe(ctx.recipe);
  }

  /** The roll ended at the current travel: no segment beyond it; its tail keeps closing as the web moves on. */
  end(t: number): void {
    this.begin(t);
    if (this.endedLength !== null) return;
    const len = Math.max(0, this.travelM - this.origin);
    this.endedLength = len;
    const n = this.segmentCount();
    while (this.open.length > 0 && this.open[this.open.length - 1]!.index >= n) this.open.pop();
    this.nextOpen = Math.max(this.nextClose, Math.min(this.nextOpen, n));
    const last = this.open[this.open.length - 1];
    if (last !== undefined && last.toM > len) last.toM = len;
    this.pending.push(...this.refresh(t, this.lastT ?? t, len));
  }

  /** Metres made: through the HTR entry (fixed once ended). */
  lengthM(): number {
    return this.endedLength ?? Math.max(0, this.travelM - this.origin);
  }

  /** Ended, and every segment closed. */
  done(): boolean {
    return this.endedLength !== null && this.nextClose >= this.segmentCount() && this.pending.length === 0;
  }

  /** Segments on the line (from the feed window to the rinse exit), not yet closed. */
  openCount(): number {
    return this.open.length;
  }

  /** Index of the next segment to close. */
  nextIndex(): number {
    return this.nextClose;
  }

  snapshot(): TrackerSnapshot {
    return { rollId: this.rollId, originTravelM: this.origin, nextIndex: this.nextClose, endedLengthM: this.endedLength, lastTravelM: this.travelM };
  }

  /**
   * Continues a roll after a restart, numbering from the snapshot's next index. Every segment that had reached
   * the feed window by the snapshot lost what it gathered: RECORD-GAP (those between windows too, since
   * they had been measured upstream).
   */
  static restore(s: TrackerSnapshot, geometry: TrackingGeometry): SegmentTracker {
    const tracker = new SegmentTracker({ rollId: s.rollId, geometry, originTravelM: s.originTravelM, firstIndex: s.nextIndex });
    tracker.travelM = Math.max(s.originTravelM, s.lastTravelM);
    tracker.endedLength = s.endedLengthM;
    const { htr, feed } = geometry.windows;
    const reach = (htr.fromM + (tracker.travelM - s.originTravelM) - feed.fromM - EPS_M) / geometry.segmentLengthM;
    tracker.gapThrough = Math.min(Math.ceil(reach) - 1, tracker.segmentCount() - 1);
    tracker.gapWhy = "the SCADA restarted while the segment was on the line: what it recorded before the restart is lost";
    return tracker;
  }

  private segmentCount(): number {
    if (this.endedLength === null) return Number.POSITIVE_INFINITY;
    return this.endedLength <= EPS_M ? 0 : Math.ceil((this.endedLength - EPS_M) / this.L);
  }

  private begin(t: number): void {
    if (this.started) return;
    this.started = true;
    this.lastT ??= t;
    const d = this.travelM - this.origin;
    this.pending.push(...this.refresh(t, t, d));
  }

  /** Places every segment at the current travel (entering, leaving windows), closes those out of the rinse. */
  private refresh(t: number, prevT: number, prevD: number): SegmentRecord[] {
    const d = this.travelM - this.origin;
    this.activate(d);
    for (const a of this.open) this.place(a, t, prevT, prevD, d);
    const closed: SegmentRecord[] = [];
    const { htr, rinse } = this.g.windows;
    while (this.open.length > 0 && htr.fromM + d - this.open[0]!.toM >= rinse.toM - EPS_M) {
      const a = this.open.shift()!;
      const conductivity = (a.seen & AT_RINSE) !== 0 ? this.feed.good("conductivity") : null;
      closed.push(a.toRecord(this.rollId, t, conductivity));
      this.nextClose++;
    }
    this.windows.rebuild();
    return closed;
  }

  /** Starts tracking the segments whose downstream end has reached the feed window. */
  private activate(d: number): void {
    const { htr, feed } = this.g.windows;
    for (;;) {
      const i = this.nextOpen;
      const fromM = Number((i * this.L).toFixed(9));
      if (this.endedLength !== null && fromM >= this.endedLength - EPS_M) return;
      if (htr.fromM + d - fromM < feed.fromM - EPS_M) return;
      const fullTo = Number(((i + 1) * this.L).toFixed(9));
      const a = new SegmentAccumulator(i, fromM, this.endedLength === null ? fullTo : Math.min(fullTo, this.endedLength));
      if (i <= this.gapThrough) a.markGap(this.gapWhy);
      this.open.push(a);
      this.nextOpen++;
    }
  }

  private place(a: SegmentAccumulator, t: number, prevT: number, prevD: number, d: number): void {
    const { feed, htr, quench, rinse } = this.g.windows;
    const pd = htr.fromM + d - a.fromM;
    const pu = htr.fromM + d - a.toM;
    const pm = (pd + pu) / 2;
    // In a window when more of it than the positioning tolerance is (a pulse's alignment rule too): the encoder
    // counts whole mm and an index may stop a mm short, which must not put the next segment "in the zone".
    const tol = Math.min(ALIGN_TOLERANCE_M, (a.toM - a.fromM) / 2);
    const inside = (w: TrackingWindow): boolean => overlapM(pd, pu, w.fromM, w.toM) > tol;
    let mask = 0;
    if (inside(feed)) mask |= AT_FEED;
    if (inside(htr)) mask |= AT_HTR;
    if (inside(quench)) mask |= AT_QUENCH;
    if (inside(rinse)) mask |= AT_RINSE;
    if (overlapM(pd, pu, htr.fromM, quench.toM) > tol) mask |= AT_HTR_TO_QUENCH;
    if (pm >= htr.fromM - EPS_M && pm <= htr.toM + EPS_M) mask |= MIDDLE_IN_HTR;
    if (pm >= quench.fromM - EPS_M && pm <= quench.toM + EPS_M) mask |= MIDDLE_IN_QUENCH;
    if (a.recipe === undefined && pm >= htr.fromM - EPS_M) a.recipe = this.ctx.recipe;
    const entered = mask & ~a.mask;
    const left = a.mask & ~mask;
    a.seen |= mask;
    a.mask = mask;
    if (entered !== 0) this.enter(a, entered, t);
    if (left === 0) return;
    for (const [station, bit] of STATION_BITS) if ((left & bit) !== 0) a.leftAt[station] = t;
    const crossing = (toM: number): number => {
      const at = toM - htr.fromM + (a.fromM + a.toM) / 2;
      const frac = d > prevD ? Math.min(1, Math.max(0, (at - prevD) / (d - prevD))) : 1;
      return prevT + (t - prevT) * frac;
    };
    if ((left & MIDDLE_IN_HTR) !== 0) a.htrExitAt = crossing(htr.toM);
    if ((left & MIDDLE_IN_QUENCH) !== 0) a.quenchExitAt = crossing(quench.toM);
  }

  private enter(a: SegmentAccumulator, bits: number, t: number): void {
    for (const [station, bit] of STATION_BITS) if ((bits & bit) !== 0) a.enteredAt[station] ??= t;
    if ((bits & AT_HTR) !== 0) a.inForce(this.ctx.trips, this.ctx.dataTrips, this.ctx.bypasses);
    if ((bits & (AT_HTR | AT_QUENCH)) !== 0) a.alarmed(this.ctx.criticalAlarms);
    this.feed.seed(a, bits);
  }

  /** Segments that were inside any window during a jump of the web: not recorded while there. */
  private markJump(prevD: number, d: number, step: number): void {
    this.activate(d);
    const { htr } = this.g.windows;
    const why = `the web moved ${step.toFixed(3)} m between two readings (more than ${this.maxStepM} m): the SCADA was not recording while it passed`;
    for (const a of this.open) {
      const pdEnd = htr.fromM + d - a.fromM;
      const puStart = htr.fromM + prevD - a.toM;
      for (const w of Object.values(this.g.windows)) {
        if (overlapM(pdEnd, puStart, w.fromM, w.toM) > EPS_M) {
          a.markGap(why);
          break;
        }
      }
    }
  }
}
