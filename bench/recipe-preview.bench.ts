// Recipe preview time: previewRecipe of the shipped BiSb recipe (one 15 s pulse: ramp 3 s, hold 7 s, cool
// 5 s, simulated at the PLC's 10 ms scan with the virtual plant's thermal model and profile control), p50
// and p99 over RUNS runs, goal ≤ 50 ms each.
// Baseline: the bare model stepped the same number of scans — simulateProfile on the same run (previewRunOf)
// with a no-op per-scan callback (thermal model + PLC profile control, no recording, no analysis, no curve) —
// measured interleaved with the previews, so the ratio shows what recording and analysis cost.
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { simulateProfile } from "../src/process/profile-simulation.js";
import { il02LimitK, previewRecipe, previewRunOf } from "../src/recipes/recipe-preview.js";
import { RecipeStore } from "../src/stores/recipe-store.js";
import type { BenchFigure } from "./bench-figure.js";
import { round, summary } from "./bench-support.js";

/** Measured runs of each (BENCH_PREVIEW_RUNS overrides), after WARMUP unmeasured ones. */
const RUNS = Number(process.env.BENCH_PREVIEW_RUNS ?? 200);
const WARMUP = 20;
const GOAL_MS = 50;

export async function run(): Promise<BenchFigure[]> {
  const configDir = join(dirname(fileURLToPath(import.meta.url)), "..", "plc-config");
  const recipe = new RecipeStore(configDir).get("BiSb")?.recipe;
  if (recipe === undefined) throw new Error("plc-config/recipes/BiSb.yaml is not a valid recipe");
  const bare = previewRunOf(recipe, il02LimitK(recipe));
  const noop = (): void => {};

  const ours: number[] = [];
  const baseline: number[] = [];
  let scans = 0;
  let points = 0;
  let sink = 0;
  for (let i = 0; i < WARMUP + RUNS; i++) {
    const t0 = performance.now();
    const p = previewRecipe(recipe);
    const t1 = performance.now();
    const outcome = simulateProfile(bare, noop);
    const t2 = performance.now();
    sink += p.peakK + outcome.scans;
    if (i < WARMUP) continue;
    ours.push(t1 - t0);
    baseline.push(t2 - t1);
    scans = outcome.scans;
    points = p.curve.length;
    if (!p.submittable) throw new Error(`BiSb previews as not submittable: ${JSON.stringify(p.reasons)}`);
  }
  if (!Number.isFinite(sink)) throw new Error("no result");
  const o = summary(ours);
  const b = summary(baseline);
  const detail = {
    runs: RUNS,
    warmup: WARMUP,
    scans,
    simulatedS: round(scans / 100, 2),
    curvePoints: points,
    meanMs: round(o.mean, 3),
    maxMs: round(o.max, 3),
    baselineIs: "simulateProfile of the same run (thermal model + PLC profile control, same scans) with a no-op per-scan callback: no recording, analysis or curve",
  };
  const figure = (key: "p50" | "p99"): BenchFigure => ({
    name: `recipe preview ${key} (BiSb, one 15 s pulse at the 10 ms PLC scan)`,
    unit: "ms",
    value: round(o[key], 3),
    baseline: round(b[key], 3),
    ratio: round(b[key] / o[key], 3),
    goal: `<= ${GOAL_MS} ms per preview`,
    pass: o[key] <= GOAL_MS,
    detail,
  });
  return [figure("p50"), figure("p99")];
}
