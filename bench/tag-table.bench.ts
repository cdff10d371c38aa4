import { ManualClock } from "../src/core/clock.js";
import { GOOD, type TagUpdate } from "../src/core/tag-value.js";
import { TagTable } from "../src/tags/tag-table.js";
import type { TagConfig } from "../src/tags/tag-schema.js";
import type { BenchFigure } from "./bench-figure.js";

const TAGS = 10_000;
const ROUNDS = 60;

function makeTags(n: number): TagConfig[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `s${i % 10}.t${i}`,
    description: "",
    device: `d${i % 4}`,
    type: "float64" as const,
    quantity: "temperature" as const,
    units: "K",
    updateMs: 100,
    writable: false,
  }));
}

/**
 * Tag table throughput with 10 000 tags: every update is a change delivered to one listener.
 * Baseline: the same updates written into a bare Map with a listener call (the least any table can do).
 */
export async function run(): Promise<BenchFigure[]> {
  const tags = makeTags(TAGS);
  const clock = new ManualClock(1);
  const batches: TagUpdate[][] = [];
  for (let r = 0; r < ROUNDS; r++) {
    batches.push(tags.map((t, i) => ({ name: t.name, value: r * 1000 + i, quality: GOOD, sourceTs: r, serverTs: r })));
  }
  const total = TAGS * ROUNDS;

  // Baseline: Map set + listener per update.
  const map = new Map<string, TagUpdate>();
  let seenRaw = 0;
  const rawListener = (_u: TagUpdate): void => {
    seenRaw++;
  };
  const t0 = process.hrtime.bigint();
  for (const b of batches) for (const u of b) {
    map.set(u.name, u);
    rawListener(u);
  }
  const rawS = Number(process.hrtime.bigint() - t0) / 1e9;

  const table = new TagTable(tags, clock);
  let seen = 0;
  table.onChange(() => {
    seen++;
  });
  const t1 = process.hrtime.bigint();
  for (const b of batches) table.onUpdates(b);
  const ourS = Number(process.hrtime.bigint() - t1) / 1e9;
  if (seen !== total || seenRaw !== total) throw new Error(`lost changes: table ${seen}, raw ${seenRaw}, expected ${total}`);

  const ours = total / ourS;
  const raw = total / rawS;
  return [
    {
      name: "tag table changes/s (10 000 tags, one listener)",
      unit: "changes/s",
      value: Math.round(ours),
      baseline: Math.round(raw),
      ratio: Number((ours / raw).toFixed(3)),
      goal: ">= 200000 changes/s on one core",
      pass: ours >= 200_000,
      detail: { tags: TAGS, changes: total, baselineIs: "Map.set + listener call per update" },
    },
  ];
}
