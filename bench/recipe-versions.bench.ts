// Recipe versions with 1 000 versions stored (999 drafts of BiSb + the shipped v1s), in the real SQLite
// database: the catalog's list (every recipe with its version summaries), one version read (content, problems,
// history, loads) and a diff of two versions, each beside a raw better-sqlite3 baseline on the same file —
// the bare SELECTs of the same rows (list: the summary columns of every version; read: one row's content
// parsed; diff: two contents parsed and compared key by key), so the ratio shows what the store's mapping,
// the problems check and the diff cost. p50 over RUNS runs each, interleaved.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { loadConfigOrThrow } from "../src/config/config-loader.js";
import { systemClock } from "../src/core/clock.js";
import { RecipeCatalog } from "../src/recipes/recipe-catalog.js";
import { RecipeStore } from "../src/stores/recipe-store.js";
import { SqliteRecipeVersionStore } from "../src/stores/recipe-version-store.js";
import { SCADA_DB_FILE, SqliteUserStore } from "../src/stores/user-store.js";
import type { BenchFigure } from "./bench-figure.js";
import { round, summary } from "./bench-support.js";

const VERSIONS = 1000;
const RUNS = 50;

function flatDiff(a: unknown, b: unknown, path = "", out: string[] = []): string[] {
  if (typeof a === "object" && a !== null && typeof b === "object" && b !== null) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) flatDiff((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k, out);
  } else if (a !== b) out.push(path);
  return out;
}

export async function run(): Promise<BenchFigure[]> {
  const configDir = join(dirname(fileURLToPath(import.meta.url)), "..", "plc-config");
  const config = loadConfigOrThrow(configDir);
  const dataDir = mkdtempSync(join(tmpdir(), "bench-recipes-"));
  try {
    SqliteUserStore.open(dataDir).close();
    const versions = SqliteRecipeVersionStore.open(dataDir);
    const catalog = new RecipeCatalog({ files: new RecipeStore(configDir), versions, line: config, clock: systemClock });
    catalog.seed();
    const bisb = versions.approved("BiSb")!.recipe;
    const stored = versions.list().reduce((n, l) => n + l.versions.length, 0);
    for (let i = stored; i < VERSIONS; i++) {
      const r = versions.createDraft({ alloy: "BiSb", basedOn: 1, reason: `bench draft ${i}`, recipe: { ...bisb, htr: { ...bisb.htr, peakTempK: 1300 + (i % 80) } }, author: "bench", now: Date.now() });
      if (!r.ok) throw new Error(r.message);
    }
    const last = versions.list().find((l) => l.alloy === "BiSb")!.versions.at(-1)!.version;
    const raw = new Database(join(dataDir, SCADA_DB_FILE), { readonly: true });
    const rawList = raw.prepare("SELECT alloy, version, state, author, created_at, reason, based_on, content_hash, revision FROM recipe_versions ORDER BY alloy, version");
    const rawOne = raw.prepare<[string, number], { content: string }>("SELECT content FROM recipe_versions WHERE alloy = ? AND version = ?");
    const samples = { list: [[], []], read: [[], []], diff: [[], []] } as Record<"list" | "read" | "diff", [number[], number[]]>;
    let sink = 0;
    for (let i = 0; i < RUNS + 5; i++) {
      const v = 2 + (i % (last - 1));
      const time = (key: "list" | "read" | "diff", ours: () => number, base: () => number): void => {
        const t0 = performance.now();
        sink += ours();
        const t1 = performance.now();
        sink += base();
        const t2 = performance.now();
        if (i >= 5) {
          samples[key][0].push(t1 - t0);
          samples[key][1].push(t2 - t1);
        }
      };
      time("list", () => catalog.list().length, () => rawList.all().length);
      time("read", () => (catalog.version("BiSb", v)?.problems.length ?? 0) + 1, () => Object.keys(JSON.parse(rawOne.get("BiSb", v)!.content) as object).length);
      time(
        "diff",
        () => (catalog.diff("BiSb", 1, v) as { changes: unknown[] }).changes.length,
        () => flatDiff(JSON.parse(rawOne.get("BiSb", 1)!.content), JSON.parse(rawOne.get("BiSb", v)!.content)).length,
      );
    }
    raw.close();
    versions.close();
    if (!Number.isFinite(sink)) throw new Error("no result");
    const figure = (key: "list" | "read" | "diff", what: string, goalMs: number): BenchFigure => {
      const o = summary(samples[key][0]);
      const b = summary(samples[key][1]);
      return {
        name: `recipe versions ${what} (${VERSIONS} versions stored)`,
        unit: "ms",
        value: round(o.p50, 3),
        baseline: round(b.p50, 3),
        ratio: round(b.p50 / o.p50, 3),
        goal: `<= ${goalMs} ms (p50; an HMI click)`,
        pass: o.p50 <= goalMs,
        detail: { p99Ms: round(o.p99, 3), baselineP99Ms: round(b.p99, 3), runs: RUNS },
      };
    };
    return [figure("list", "list (every recipe and version summary)", 50), figure("read", "read one version (content, problems, history, loads)", 20), figure("diff", "diff v1 ↔ vN", 20)];
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
