/**
 * The per-metre quality record: what one segment of web (0.10 m by default) saw on its way through the line,
 * and its verdict against the recipe in effect when it was in the HTR zone. Pure types, shared by the
 * tracker that builds the records, the roll store, the report and the API.
 */
import type { QualityStatus } from "../core/tag-value.js";

export const SEGMENT_VERDICTS = ["pass", "fail", "unverified", "trial"] as const;
/**
 * pass: every rule met, every signal Good · fail: at least one named rule broken · unverified: a signal it
 * needs was not Good, or data is missing (never pass) · trial: made with an unapproved version (Maintenance).
 * Precedence: fail > unverified > trial > pass.
 */
export type SegmentVerdict = (typeof SEGMENT_VERDICTS)[number];

/** One reason behind a verdict: a named rule (e.g. "HTR-PEAK-LOW", "IL-07", "SIGNAL-NOT-GOOD") and its words. */
export interface SegmentReason {
  readonly rule: string;
  /** Plain words with the figures, e.g. "peak 1290.4 K is below 1325 K (1340 − 15 K)". */
  readonly message: string;
  /** fail: the product is known bad · unverified: it cannot be known (no pass). */
  readonly kind: "fail" | "unverified";
}

/** The recipe (version) a segment was made with. */
export interface RecipeRef {
  readonly alloy: string;
  readonly version: number | null;
  readonly hash: string | null;
  /** Loaded as a trial of an unapproved version (Maintenance mode). */
  readonly trial: boolean;
}

/** How one signal looked while the segment was where it is measured. */
export interface SignalUse {
  /** Samples taken into the record (the value carried in at window entry counts as one). */
  readonly samples: number;
  /** The worst quality seen. */
  readonly worst: QualityStatus;
  /** Why it was not Good (the first reason seen), else "". */
  readonly reason: string;
}

/** When the segment was in a station's measuring window (epoch ms); null if it never was while recorded. */
export interface StationPassage {
  readonly enteredAt: number | null;
  readonly leftAt: number | null;
}

export interface SegmentRecord {
  readonly rollId: string;
  /** 0, 1, 2 … from the roll's start. */
  readonly index: number;
  /** Roll metres (metre 0 is the first web that entered the HTR zone after the roll began). */
  readonly fromM: number;
  readonly toM: number;
  readonly verdict: SegmentVerdict;
  readonly reasons: readonly SegmentReason[];
  /** Per station id (feed, htr, quench, rinse). */
  readonly passages: Readonly<Record<string, StationPassage>>;
  // HTR
  readonly peakK: number | null;
  /** Time the web temperature was within the recipe's peak ± tolerance while the segment's middle was in the zone, s. */
  readonly timeInBandS: number | null;
  readonly maxHeatingKps: number | null;
  readonly maxCoolingKps: number | null;
  /** Highest O₂ while the heater was on and the segment in the zone, ppm (null: the heater never was on). */
  readonly o2MaxPpm: number | null;
  readonly arMinLpm: number | null;
  /** Pulse mode: pulses that started with the segment wholly in the zone / only partly in it. */
  readonly pulses: number;
  readonly partialPulses: number;
  // quench
  readonly quenchGasMinLpm: number | null;
  readonly coolantMinLpm: number | null;
  readonly exitTempK: number | null;
  // rinse
  /** Effluent conductivity when the segment left the rinse, µS/cm. */
  readonly exitConductivityUsCm: number | null;
  // feed
  /** Mean areal loading while the segment passed the doser moving, mg/cm² (null: not observed). */
  readonly arealLoadingMgCm2: number | null;
  readonly recipe: RecipeRef | null;
  /** Interlocks bypassed while the segment was in the HTR zone. */
  readonly bypasses: readonly string[];
  /** Interlock trips latched while the segment was in the HTR zone. */
  readonly trips: readonly string[];
  /** Critical alarms active while the segment was in the HTR zone or the quench. */
  readonly criticalAlarms: readonly string[];
  /** Every signal used, by tag name. */
  readonly signals: Readonly<Record<string, SignalUse>>;
  /** When the record was closed (the segment left the rinse), epoch ms. */
  readonly closedAt: number;
}
