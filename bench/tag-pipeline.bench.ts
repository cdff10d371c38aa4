/**
 * The tag pipeline downstream of the drivers, as the runtime wires it: tag table → alarm evaluator (every
 * change) → history policy → historian point → writer queue. 10 000 tags, 2 000 analog alarms (H and L on
 * every tenth tag), every change stored (default history settings). Every other round drives the values
 * over the H limits, so 1 000 alarms activate or clear each round (a worst-case flood). The writer is not
 * started: its queue is the end of the synchronous path (I/O happens later, off this path). Interlocks are
 * measured on their own (interlock-latency.bench.ts). Baseline: the same updates into a bare Map with a listener call.
 * Goal (ARCHITECTURE.md): ≥ 200 000 changes/s on one core.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AlarmEvaluator } from "../src/alarms/alarm-evaluator.js";
import { alarmsFileSchema } from "../src/alarms/alarm-schema.js";
import { ManualClock } from "../src/core/clock.js";
import { GOOD, type TagUpdate } from "../src/core/tag-value.js";
import { DiskSpool } from "../src/historian/disk-spool.js";
import { tagSamplePoint } from "../src/historian/historian-measurements.js";
import { HistorianWriter } from "../src/historian/historian-writer.js";
import { TagHistoryPolicy } from "../src/historian/tag-history-policy.js";
import { TagTable } from "../src/tags/tag-table.js";
import type { TagConfig } from "../src/tags/tag-schema.js";
import type { BenchFigure } from "./bench-figure.js";

const TAGS = 10_000;
const ROUNDS = 30;

export async function run(): Promise<BenchFigure[]> {
  const tags: TagConfig[] = Array.from({ length: TAGS }, (_, i) => ({
    name: `s${i % 10}.t${i}`,
    description: "",
    station: `s${i % 10}`,
    device: `d${i % 4}`,
    type: "float64" as const,
    quantity: "temperature" as const,
    units: "K",
    range: { min: 0, max: 1e9 },
    updateMs: 100,
    writable: false,
  }));
  const alarmDefs = alarmsFileSchema.parse({
    settings: {},
    alarms: tags
      .filter((_, i) => i % 10 === 0)
      .flatMap((t) => [
        { id: `A${t.name.replace(/[^a-z0-9]/gi, "")}-H`.toUpperCase(), kind: "analog", tag: t.name, station: t.station, level: "H", limit: 5e8, deadband: 1, priority: "high", message: "high" },
        { id: `A${t.name.replace(/[^a-z0-9]/gi, "")}-L`.toUpperCase(), kind: "analog", tag: t.name, station: t.station, level: "L", limit: 10, deadband: 1, priority: "low", message: "low" },
      ]),
  });
  const clock = new ManualClock(1);
  const batches: TagUpdate[][] = [];
  for (let r = 0; r < ROUNDS; r++) batches.push(tags.map((t, i) => ({ name: t.name, value: (r % 2 === 0 ? 6e8 : 100) + i, quality: GOOD, sourceTs: r + 1, serverTs: r + 1 })));
  const total = TAGS * ROUNDS;

  // Baseline: Map.set + listener per update.
  const map = new Map<string, TagUpdate>();
  let seenRaw = 0;
  const t0 = process.hrtime.bigint();
  for (const b of batches) for (const u of b) {
    map.set(u.name, u);
    seenRaw++;
  }
  const rawS = Number(process.hrtime.bigint() - t0) / 1e9;

  const dir = mkdtempSync(join(tmpdir(), "bench-pipeline-"));
  const spool = await DiskSpool.open({ dir, maxBytes: 1 << 20 });
  const writer = new HistorianWriter({ influx: { host: "127.0.0.1", port: 1, database: "bench" }, spool, maxQueuePoints: 10 * total, hardQueuePoints: 20 * total });
  try {
    const table = new TagTable(tags, clock);
    const alarms = new AlarmEvaluator(alarmDefs);
    const policy = new TagHistoryPolicy(tags);
    let alarmEvents = 0;
    table.onChange((c) => {
      alarmEvents += alarms.apply({ type: "tag", name: c.name, value: c.current.value, quality: c.current.quality, sourceTs: c.current.sourceTs }, c.current.serverTs).length;
      for (const s of policy.offer(c.name, c.current, c.current.serverTs)) writer.write(tagSamplePoint(s, "bench"));
    });
    const t1 = process.hrtime.bigint();
    for (const b of batches) table.onUpdates(b);
    const ourS = Number(process.hrtime.bigint() - t1) / 1e9;
    const queued = writer.status().queuedPoints;
    if (queued !== total || seenRaw !== total) throw new Error(`lost changes: queued ${queued}, raw ${seenRaw}, expected ${total}`);
    const ours = total / ourS;
    const raw = total / rawS;
    return [
      {
        name: "tag pipeline changes/s (table + alarms + history queue, 10 000 tags, 2 000 alarms)",
        unit: "changes/s",
        value: Math.round(ours),
        baseline: Math.round(raw),
        ratio: Number((ours / raw).toFixed(3)),
        goal: ">= 200000 changes/s on one core",
        pass: ours >= 200_000,
        detail: { tags: TAGS, alarms: alarmDefs.alarms.length, changes: total, pointsQueued: queued, alarmEvents, baselineIs: "Map.set + counter per update" },
      },
    ];
  } finally {
    await writer.stop().catch(() => undefined);
    await spool.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}
