/**
 * The signals' side of segment tracking: carries each signal's last value forward (values change only on
 * change), applies each sample to the open segments in its window — counted into the signals used, and into
 * the figures when Good and its condition holds — and keeps the zone's state that gates them (heater on,
 * hot, web moving, the pulse phase, the web-temperature rate). Pure; O(segments in the window) per sample,
 * no allocation.
 */
import type { TagValue } from "../core/tag-value.js";
import { RateWindow } from "./rate-window.js";
import type { SegmentAccumulator, TrackedRecipe } from "./segment-accumulator.js";
import { AT_HTR, MIDDLE_IN_HTR, ROLE_WINDOW, SIGNAL_ROLES, type SignalRole } from "./segment-signals.js";
import type { SegmentWindowIndex } from "./segment-window-index.js";
import type { TrackingWindow } from "./tracking-geometry.js";

/**
 * A pulse's position waits this long for the encoder at most, ms. In pulse mode the web stands still while it
 * heats, but the two PLCs answer on their own links: the heater's phase can arrive before the encoder's last
 * reading of the index that just ended. The pulse is placed at the first encoder reading after its start, or
 * after this long without one (the web was already standing; by then a moving web would have been read: the
 * line PLC's values are late after 500 ms, STALENESS_FLOOR_MS).
 */
export const PULSE_POSITION_WAIT_MS = 1000;
/** A segment is wholly in the zone for a pulse when no more than this of it is outside, m. */
export const ALIGN_TOLERANCE_M = 0.005;
/** Longest step between two web-temperature samples counted into the time in band, s. */
export const BAND_STEP_CAP_S = 0.2;
/** Loading counts only while the web moves faster than this, m/min. */
export const MOVING_SPEED_MPM = 0.01;
/** The web temperature above which the zone is hot when no recipe is in force, K. */
export const DEFAULT_SAFE_WEB_TEMP_K = 373;
/**
 * An Uncertain spell shorter than this (a poll answered late: "no update for 206 ms, expected every 100 ms")
 * does not make a segment unverified — its reason is kept in the record; a longer one does, Bad at once.
 */
export const UNCERTAIN_GRACE_MS = 1000;

/** The value if Good, numeric and finite, else null. */
export function goodNumber(v: TagValue | undefined): number | null {
  return v !== undefined && v.quality.status === "Good" && typeof v.value === "number" && Number.isFinite(v.value) ? v.value : null;
}

/** Length of web path [pu, pd] inside [fromM, toM], m (negative: apart). */
export function overlapM(pd: number, pu: number, fromM: number, toM: number): number {
  return Math.min(pd, toM) - Math.max(pu, fromM);
}

export class SegmentSignalFeed {
  private readonly current = {} as Record<SignalRole, TagValue | undefined>;
  /** When each signal's current Uncertain spell began, and whether its last sample was within the grace. */
  private readonly uncertainSince: Partial<Record<SignalRole, number>> = {};
  private readonly brief: Partial<Record<SignalRole, boolean>> = {};
  private readonly escalated: Partial<Record<SignalRole, boolean>> = {};
  private recipe: TrackedRecipe | null = null;
  private prevWebT: number | null = null;
  /** The value the previous web-temperature sample carried (null: it was not Good). */
  private prevWebGood: number | null = null;
  private lastGoodWebTemp: number | null = null;
  private lastPhase: number | null = null;
  /** A pulse started at this time whose position waits for the encoder (PULSE_POSITION_WAIT_MS). */
  private pulseStartedAt: number | null = null;
  private heaterOn = false;
  private hot = false;
  private moving = false;
  private readonly rate = new RateWindow();

  constructor(
    private readonly index: SegmentWindowIndex,
    private readonly htr: TrackingWindow,
  ) {
    for (const role of SIGNAL_ROLES) this.current[role] = undefined;
  }

  /** The current value of a role if Good and numeric. */
  good(role: SignalRole): number | null {
    return goodNumber(this.current[role]);
  }

  /** The recipe in force now (its mode decides pulse counting, its safe temperature "hot"). */
  setRecipe(recipe: TrackedRecipe | null): void {
    this.recipe = recipe;
    this.updateHeat();
  }

  /** A segment has entered the windows `bits`: it starts with the current value of their signals (one sample each). */
  seed(a: SegmentAccumulator, bits: number): void {
    for (const role of SIGNAL_ROLES) {
      const v = this.current[role];
      if (v === undefined || (bits & ROLE_WINDOW[role]) === 0) continue;
      a.note(role, v, this.brief[role] === true);
      this.apply(a, role, v);
    }
  }

  /** Whether an Uncertain sample at `t` is within the grace of its spell (a Good sample ends the spell; Bad never is). */
  private withinGrace(t: number, role: SignalRole, v: TagValue): boolean {
    if (v.quality.status !== "Uncertain") {
      delete this.uncertainSince[role];
      delete this.escalated[role];
      return false;
    }
    const since = (this.uncertainSince[role] ??= t);
    return t - since < UNCERTAIN_GRACE_MS;
  }

  /**
   * Uncertain spells that have lasted the grace by `t` (seen at the next sample of any signal, or at the one
   * that ends the spell) count after all: the segments in their window take the Uncertain value into their quality.
   */
  private escalate(t: number): void {
    for (const role of Object.keys(this.uncertainSince) as SignalRole[]) {
      if (this.escalated[role] || t - this.uncertainSince[role]! < UNCERTAIN_GRACE_MS) continue;
      this.escalated[role] = true;
      this.brief[role] = false;
      const v = this.current[role];
      if (v === undefined) continue;
      const bit = ROLE_WINDOW[role];
      const { open } = this.index;
      for (let k = this.index.first(bit); k <= this.index.last(bit); k++) {
        const a = open[k]!;
        if ((a.mask & bit) !== 0) a.note(role, v, false);
      }
    }
  }

  /** A sample at `t`, with the web at travel `d` past the roll's origin (m). */
  sample(t: number, role: SignalRole, v: TagValue, d: number): void {
    this.escalate(t);
    if (this.pulseStartedAt !== null && t - this.pulseStartedAt >= PULSE_POSITION_WAIT_MS) this.placePulse(d);
    this.current[role] = v;
    const brief = (this.brief[role] = this.withinGrace(t, role, v) && !this.escalated[role]);
    if (role === "webTemp") this.webTempSample(t, v);
    const bit = ROLE_WINDOW[role];
    const { open } = this.index;
    for (let k = this.index.first(bit); k <= this.index.last(bit); k++) {
      const a = open[k]!;
      if ((a.mask & bit) === 0) continue;
      a.note(role, v, brief);
      this.apply(a, role, v);
    }
    if (role === "phase") this.phaseSample(t, v, d);
    else if (role === "speed") this.speedSample(v);
    else if (role === "webTemp" || role === "heaterOn") this.updateHeat();
  }

  /** A value into a segment's figures (the sample is already counted), if it is Good and its condition holds. */
  private apply(a: SegmentAccumulator, role: SignalRole, v: TagValue): void {
    const x = goodNumber(v);
    if (x === null) return;
    switch (role) {
      case "webTemp":
        a.peak(x);
        break;
      case "o2":
        if (this.heaterOn) a.o2(x);
        break;
      case "argon":
        if (this.hot) a.argon(x);
        break;
      case "gasFlow":
        if (this.hot) a.gas(x);
        break;
      case "coolantFlow":
        if (this.hot) a.coolant(x);
        break;
      case "exitTemp":
        a.exit(x);
        break;
      case "loading":
        if (this.moving) a.loading(x);
        break;
      default:
        break;
    }
  }

  /** A condition has just started to hold: the role's current value goes to the segments in its window. */
  private applyCurrent(role: SignalRole): void {
    const v = this.current[role];
    if (v === undefined) return;
    const bit = ROLE_WINDOW[role];
    const { open } = this.index;
    for (let k = this.index.first(bit); k <= this.index.last(bit); k++) if ((open[k]!.mask & bit) !== 0) this.apply(open[k]!, role, v);
  }

  /** Time in band over the step since the previous sample (at the value it carried, capped) and the rate over RATE_WINDOW_MS. */
  private webTempSample(t: number, v: TagValue): void {
    const { open } = this.index;
    const first = this.index.first(MIDDLE_IN_HTR);
    const last = this.index.last(MIDDLE_IN_HTR);
    const carried = this.prevWebGood;
    if (this.prevWebT !== null && carried !== null) {
      const dt = Math.min((t - this.prevWebT) / 1000, BAND_STEP_CAP_S);
      for (let k = first; k <= last && dt > 0; k++) {
        const a = open[k]!;
        const tg = a.recipe?.targets;
        if ((a.mask & MIDDLE_IN_HTR) !== 0 && tg !== undefined && Math.abs(carried - tg.peakK) <= tg.toleranceK) a.bandS += dt;
      }
    }
    const x = goodNumber(v);
    this.prevWebT = t;
    this.prevWebGood = x;
    if (x === null) return;
    this.lastGoodWebTemp = x;
    const rate = this.rate.push(t, x);
    if (rate === null) return;
    for (let k = first; k <= last; k++) if ((open[k]!.mask & MIDDLE_IN_HTR) !== 0) open[k]!.rate(rate);
  }

  /**
   * A pulse starts when the phase goes to 1 (ramp); it is placed (placePulse) at the next encoder reading or
   * PULSE_POSITION_WAIT_MS later. A new start while one waits places the waiting one first, where the web is.
   */
  private phaseSample(t: number, v: TagValue, d: number): void {
    const phase = goodNumber(v);
    if (phase === null) return;
    const starts = phase === 1 && this.lastPhase !== 1 && this.recipe?.targets.mode !== "continuous";
    this.lastPhase = phase;
    if (!starts) return;
    if (this.pulseStartedAt !== null) this.placePulse(d);
    this.pulseStartedAt = t;
  }

  /** The web has been read at travel `d`: a pulse waiting for its position is placed there. */
  travelled(d: number): void {
    if (this.pulseStartedAt !== null) this.placePulse(d);
  }

  /** The waiting pulse, with the web at `d`: whole for the segments wholly in the zone, partial for those partly in it. */
  private placePulse(d: number): void {
    this.pulseStartedAt = null;
    const { fromM, toM } = this.htr;
    const { open } = this.index;
    for (let k = this.index.first(AT_HTR); k <= this.index.last(AT_HTR); k++) {
      const a = open[k]!;
      if ((a.mask & AT_HTR) === 0) continue;
      const inZone = overlapM(fromM + d - a.fromM, fromM + d - a.toM, fromM, toM);
      if (inZone >= a.toM - a.fromM - ALIGN_TOLERANCE_M) a.pulses++;
      else if (inZone > ALIGN_TOLERANCE_M) a.partialPulses++;
    }
  }

  private speedSample(v: TagValue): void {
    const speed = goodNumber(v);
    if (speed === null) return;
    const moving = speed > MOVING_SPEED_MPM;
    const starts = moving && !this.moving;
    this.moving = moving;
    if (starts) this.applyCurrent("loading");
  }

  /** Heater on (its last Good value) and hot (heater on, or the web above the safe temperature): they gate O₂, argon and the quench flows. */
  private updateHeat(): void {
    const h = this.current.heaterOn;
    const known = h !== undefined && h.quality.status === "Good" && h.value !== null;
    const heaterOn = known ? h.value === true || (typeof h.value === "number" && h.value !== 0) : this.heaterOn;
    const safe = this.recipe?.targets.safeWebTempK ?? DEFAULT_SAFE_WEB_TEMP_K;
    const hot = heaterOn || (this.lastGoodWebTemp !== null && this.lastGoodWebTemp > safe);
    const heaterStarts = heaterOn && !this.heaterOn;
    const hotStarts = hot && !this.hot;
    this.heaterOn = heaterOn;
    this.hot = hot;
    if (heaterStarts) this.applyCurrent("o2");
    if (hotStarts) {
      this.applyCurrent("argon");
      this.applyCurrent("gasFlow");
      this.applyCurrent("coolantFlow");
    }
  }
}
