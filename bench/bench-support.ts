// Shared by the latency benches (not a bench itself: run.ts only loads *.bench.ts).
import type { ChildProcess } from "node:child_process";
import type { TagScalar } from "../src/core/tag-value.js";
import type { TagConfig } from "../src/tags/tag-schema.js";

/** The loaded recipe as the interlocks see it: BiSb's peak, so IL-02 trips above min(1340 + 80, 1500) = 1420 K. */
export const BENCH_RECIPE = { verified: true, params: { peakTempK: 1340 } } as const;
/** IL-02's limit with BENCH_RECIPE. */
export const IL02_LIMIT_K = 1420;
/** The web temperature of a trip: above IL-02's limit, below the PLC's own 1500 K hard trip (so only IL-02 acts). */
export const TRIP_TEMP_K = 1450;
/** The web temperature at the peak of a pulse (no trip). */
export const PEAK_TEMP_K = 1340;

/**
 * Values of a healthy line at the peak of a pulse: every interlock input Good and on its safe side
 * (e-stop chain and door OK, heater enabled and on, O₂ low, quench flows up, tensions up, rinse tank mid).
 */
const SAFE: Readonly<Record<string, TagScalar>> = {
  "htr.web_temp": PEAK_TEMP_K,
  "htr.supply_current": 300,
  "htr.o2": 10,
  "htr.door_closed": true,
  "htr.estop_ok": true,
  "htr.heater_enable": true,
  "htr.heater_on": true,
  "htr.trip_word": 0,
  "htr.trip_reset": false,
  // The PLCs' watchdogs see the SCADA (IL-12 / IL-13): a bench that is not about them keeps them healthy.
  "htr-plc.scada_heartbeat_ok": true,
  "line-plc.scada_heartbeat_ok": true,
  "line-plc.trip_word": 0,
  "line-plc.first_out": 0,
  "htr.first_out": 0,
  "quench.gas_flow": 100,
  "quench.coolant_flow": 20,
  "quench.gas_on": true,
  "quench.coolant_on": true,
  "feed.web_tension": 100,
  "rinse.rewind_tension": 100,
  "rinse.tank_level": 50,
  "feed.drives_run": true,
  "feed.drives_running": true,
  "rinse.pump_on": true,
  "rinse.pump_running": true,
};

/**
 * Random values a running line may show without any interlock acting: [lo, hi] per interlock input,
 * the engineering range elsewhere.
 */
const SAFE_BANDS: Readonly<Record<string, readonly [number, number]>> = {
  "htr.web_temp": [1300, 1400],
  "htr.supply_current": [250, 350],
  "htr.o2": [1, 40],
  "quench.gas_flow": [80, 120],
  "quench.coolant_flow": [15, 25],
  "feed.web_tension": [80, 120],
  "rinse.rewind_tension": [80, 120],
  "rinse.tank_level": [40, 60],
};

/** Tags that keep their value in a random stream: booleans, counters, the trip word, the PLC's own flags. */
export function changesRandomly(t: TagConfig): boolean {
  if (t.type === "bool") return false;
  // Every PLC's trip word and first-out (a random line-plc.trip_word sets its bit 0 and trips IL-13), heartbeats.
  if (/\.(trip_word|first_out|heartbeat|scada_heartbeat)$/.test(t.name)) return false;
  return !["htr.mode", "htr.profile_phase"].includes(t.name);
}

export function safeValue(t: TagConfig): TagScalar {
  const v = SAFE[t.name];
  if (v !== undefined) return v;
  if (t.type === "bool") return false;
  const lo = t.range?.min ?? 0;
  const hi = t.range?.max ?? 1000;
  const mid = (lo + hi) / 2;
  return t.type === "float32" || t.type === "float64" ? mid : Math.round(mid);
}

/** A random value the tag may take on a healthy line (within its range; interlock inputs on the safe side). */
export function randomSafeValue(t: TagConfig, rnd: () => number): number {
  const band = SAFE_BANDS[t.name];
  const lo = band?.[0] ?? t.range?.min ?? 0;
  const hi = band?.[1] ?? t.range?.max ?? 1000;
  const v = lo + (hi - lo) * rnd();
  return t.type === "float32" || t.type === "float64" ? v : Math.round(v);
}

/** A small deterministic PRNG (mulberry32), so every run drives the same stream. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Nearest-rank percentile of an ascending-sorted array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p * sorted.length) / 100 - 1e-9);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function summary(samples: readonly number[]): { n: number; p50: number; p99: number; p999: number; max: number; mean: number } {
  const s = [...samples].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / Math.max(1, s.length);
  return { n: s.length, p50: percentile(s, 50), p99: percentile(s, 99), p999: percentile(s, 99.9), max: s[s.length - 1] ?? NaN, mean };
}

export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `check` every `everyMs` until true; throws after `timeoutMs` naming `what`. */
export async function until(what: string, timeoutMs: number, check: () => boolean, everyMs = 2): Promise<void> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** What hmi/src/pages/overview-page.ts subscribes to (MIMIC_TAGS): bench HMI clients share the overview page's group. */
export const OVERVIEW_TAGS: readonly string[] = [
  "feed.web_speed", "feed.web_tension", "feed.hopper_level", "feed.doser_rate", "feed.areal_loading", "feed.drives_running",
  "htr.web_temp", "htr.o2", "htr.ar_flow", "htr.supply_power", "htr.profile_phase", "htr.pulse_count",
  "quench.gas_flow", "quench.coolant_flow", "quench.exit_web_temp",
  "rinse.water_flow", "rinse.conductivity", "rinse.tank_level", "rinse.dryer_temp", "rinse.dryer_on", "rinse.rewind_tension", "rinse.roll_length",
];

// ── The interlock-latency setup (interlock-latency and segment-tracking's part (b) measure the same path) ──

/** Tags in the table: the real ones plus synthetic ones up to this many. */
export const TOTAL_TAGS = 10_000;
/** Trips measured (per configuration; BENCH_TRIPS overrides), after WARMUP_TRIPS unmeasured ones. */
export const TRIPS = Number(process.env.BENCH_TRIPS ?? 10_000);
export const WARMUP_TRIPS = 300;
/** Changes per batch handed to the table (one driver delivery), the trip's crossing at a random place in it. */
export const BATCH = 100;
/** Non-tripping batches between two trips. */
export const BATCHES_BETWEEN_TRIPS = 10;
/** Simulated time per batch, ms: the ManualClock moves by it (heartbeats, interlock ticks). */
export const BATCH_MS = 1;
export const HEARTBEAT_EVERY_MS = 100;
export const TICK_EVERY_MS = 50;
/** Trips slower than this are checked against the GC entries of the same moment. */
export const SLOW_MS = 0.25;
/** The tag whose crossing trips IL-02, and the write the trip issues. */
export const TRIP_TAG = "htr.web_temp";
export const TRIP_WRITE_TAG = "htr.heater_enable";

/** `n` synthetic float tags on four devices (the table's size without interlock inputs). */
export function syntheticTags(n: number): TagConfig[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `syn.s${i % 25}.t${i}`,
    description: "",
    device: `syn-${i % 4}`,
    type: "float64" as const,
    quantity: "temperature" as const,
    units: "K",
    range: { min: 0, max: 1000 },
    updateMs: 100,
    writable: false,
  }));
}

/** Ends a forked load-generator child: asks it over IPC (`exitMessage`) to leave, SIGKILL after 5 s. */
export async function stopChild(proc: ChildProcess, exitMessage: object): Promise<void> {
  if (proc.exitCode !== null) return;
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  if (proc.connected) proc.send(exitMessage);
  await Promise.race([exited, sleep(5000)]);
  if (proc.exitCode === null) proc.kill("SIGKILL");
}
