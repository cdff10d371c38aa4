/**
 * The precursor feed of the virtual plant (pure): powder hopper, screw doser, the loading gauge, and the
 * loading the web carries from the doser to the rinse (a ring of web segments).
 */
import type { FaultFlags } from "./plant-faults.js";
import { DOSER_POSITION_M, LOADING_SEGMENT_M, LOADING_SEGMENTS, type LinePlcMemory, type PlantPhysics, RINSE_ENTRY_POSITION_M, WEB_WIDTH_M } from "./plant-state.js";
import { lag } from "./process-math.js";
import type { Transport } from "./web-transport.js";

/** Powder hopper capacity, g (100 % level). */
export const HOPPER_CAPACITY_G = 5000;
const DOSER_TAU_S = 0.5;
/** Below this speed the loading gauge shows 0 (web stopped), m/min. */
const LOADING_MIN_SPEED_MPM = 0.01;
/** Loading gauge full scale, mg/cm² (feed.areal_loading range). */
const LOADING_GAUGE_MAX_MG_CM2 = 50;
/** 1 g/m² is 0.1 mg/cm². */
export const MG_CM2_PER_G_M2 = 0.1;

/** Ring slot of the web segment at web coordinate u (u = encoder position − path position; may be < 0). */
function ringSlot(u: number): number {
  const seg = Math.floor(u / LOADING_SEGMENT_M);
  return ((seg % LOADING_SEGMENTS) + LOADING_SEGMENTS) % LOADING_SEGMENTS;
}

/**
 * Writes the loading at the doser into the web segments that passed it during the step. The ring is longer
 * than the doser → rinse distance, so a segment is read at the rinse before the doser overwrites its slot;
 * web that was already past the doser when the plant started reads 0 (its slots were never written).
 */
function depositLoading(ring: readonly number[], pos0: number, pos1: number, loading: number): readonly number[] {
  if (pos1 <= pos0) return ring;
  const first = Math.floor((pos0 - DOSER_POSITION_M) / LOADING_SEGMENT_M);
  const last = Math.floor((pos1 - DOSER_POSITION_M) / LOADING_SEGMENT_M);
  const out = ring.slice();
  for (let seg = first; seg <= last; seg++) out[ringSlot(seg * LOADING_SEGMENT_M + LOADING_SEGMENT_M / 2)] = loading;
  return out;
}

/** Loading of the web segment at the rinse entry, mg/cm². */
export function loadingAtRinse(ring: readonly number[], pos: number): number {
  return ring[ringSlot(pos - RINSE_ENTRY_POSITION_M)] ?? 0;
}

export type Feed = Pick<PlantPhysics, "hopperLevelPct" | "doserRateGpm" | "arealLoadingMgCm2" | "loadingRing">;

/** Feed after dtS: hopper and screw doser, loading on the web. */
export function stepFeed(p: PlantPhysics, line: LinePlcMemory, faults: FaultFlags, tr: Transport, dtS: number): Feed {
  const hopperEmpty = faults["hopper-empty"];
  const doserTarget = line.doserRunning && !hopperEmpty && p.hopperLevelPct > 0 ? line.doserRateSpGpm : 0;
  const doserRateGpm = lag(p.doserRateGpm, doserTarget, DOSER_TAU_S, dtS);
  const hopperLevelPct = hopperEmpty
    ? 0
    : Math.max(0, p.hopperLevelPct - ((doserRateGpm * (dtS / 60)) / HOPPER_CAPACITY_G) * 100);
  const arealLoadingMgCm2 =
    tr.speedMpm >= LOADING_MIN_SPEED_MPM
      ? Math.min(LOADING_GAUGE_MAX_MG_CM2, (MG_CM2_PER_G_M2 * doserRateGpm) / (tr.speedMpm * WEB_WIDTH_M))
      : 0;
  const loadingRing = depositLoading(p.loadingRing, p.encoderPosM, tr.posM, arealLoadingMgCm2);
  return { hopperLevelPct, doserRateGpm, arealLoadingMgCm2, loadingRing };
}
