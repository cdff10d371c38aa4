/**
 * The precursor feed of the virtual plant (pure): powder hopper, screw doser, the loading gauge, and the
 * loading the web carries from the doser to the rinse (a ring of web segments).
 */
import type { FaultFlags } from "./plant-faults.js";
import { type LinePlcMemory, PLANT, type PlantPhysics } from "./plant-state.js";
import { lag } from "../process/process-math.js";
import type { Transport } from "./web-transport.js";

/** The precursor feed's design figures. */
export const FEED = {
  /** Powder hopper capacity, g (100 % level). */
  hopperCapacityG: 5000,
  doserTauS: 0.5,
  /** Below this speed the loading gauge shows 0 (web stopped), m/min. */
  loadingMinSpeedMpm: 0.01,
  /** Loading gauge full scale, mg/cm² (feed.areal_loading range). */
  loadingGaugeMaxMgCm2: 50,
} as const;

/** 1 g/m² is 0.1 mg/cm². */
export const MG_CM2_PER_G_M2 = 0.1;

/** Ring slot of the web segment at web coordinate u (u = encoder position − path position; may be < 0). */
function ringSlot(u: number): number {
  const seg = Math.floor(u / PLANT.loadingSegmentM);
  return ((seg % PLANT.loadingSegments) + PLANT.loadingSegments) % PLANT.loadingSegments;
}

/**
 * Writes the loading at the doser into the web segments that passed it during the step. The ring is longer
 * than the doser → rinse distance, so a segment is read at the rinse before the doser overwrites its slot;
 * web that was already past the doser when the plant started reads 0 (its slots were never written).
 */
function depositLoading(ring: readonly number[], pos0: number, pos1: number, loading: number): readonly number[] {
  if (pos1 <= pos0) return ring;
  const first = Math.floor((pos0 - PLANT.doserPositionM) / PLANT.loadingSegmentM);
  const last = Math.floor((pos1 - PLANT.doserPositionM) / PLANT.loadingSegmentM);
  const out = ring.slice();
  for (let seg = first; seg <= last; seg++) out[ringSlot(seg * PLANT.loadingSegmentM + PLANT.loadingSegmentM / 2)] = loading;
  return out;
}

/** Loading of the web segment at the rinse entry, mg/cm². */
export function loadingAtRinse(ring: readonly number[], pos: number): number {
  return ring[ringSlot(pos - PLANT.rinseEntryPositionM)] ?? 0;
}

export type Feed = Pick<PlantPhysics, "hopperLevelPct" | "doserRateGpm" | "arealLoadingMgCm2" | "loadingRing">;

/** Feed after dtS: hopper and screw doser, loading on the web. */
export function stepFeed(p: PlantPhysics, line: LinePlcMemory, faults: FaultFlags, tr: Transport, dtS: number): Feed {
  const hopperEmpty = faults["hopper-empty"];
  const doserTarget = line.doserRunning && !hopperEmpty && p.hopperLevelPct > 0 ? line.doserRateSpGpm : 0;
  const doserRateGpm = lag(p.doserRateGpm, doserTarget, FEED.doserTauS, dtS);
  const hopperLevelPct = hopperEmpty
    ? 0
    : Math.max(0, p.hopperLevelPct - ((doserRateGpm * (dtS / 60)) / FEED.hopperCapacityG) * 100);
  const arealLoadingMgCm2 =
    tr.speedMpm >= FEED.loadingMinSpeedMpm
      ? Math.min(FEED.loadingGaugeMaxMgCm2, (MG_CM2_PER_G_M2 * doserRateGpm) / (tr.speedMpm * PLANT.webWidthM))
      : 0;
  const loadingRing = depositLoading(p.loadingRing, p.encoderPosM, tr.posM, arealLoadingMgCm2);
  return { hopperLevelPct, doserRateGpm, arealLoadingMgCm2, loadingRing };
}
