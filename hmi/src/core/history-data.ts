/** `GET /api/history` answer. */
export interface HistoryResult {
  readonly source: string;
  readonly bucketMs: number;
  readonly fromMs: number;
  readonly toMs: number;
  readonly series: readonly { readonly tag: string; readonly points: readonly { readonly t: number; readonly value: number | null; readonly min?: number | null; readonly max?: number | null; readonly quality?: number }[] }[];
}

/**
 * Aligns the series on the union of their time stamps (uPlot's data layout: x in seconds, then one array per
 * series). A series has `undefined` where only another series has a point (uPlot draws across those) and
 * `null` where the historian said "no value" (uPlot leaves a gap): a slow or change-only tag beside a fast
 * one stays a line instead of scattered dots.
 */
export function alignSeries(r: HistoryResult, tags: readonly string[]): (number | null | undefined)[][] {
  const xs = new Set<number>();
  for (const s of r.series) for (const p of s.points) xs.add(p.t);
  const x = [...xs].sort((a, b) => a - b);
  const index = new Map(x.map((t, i) => [t, i]));
  const out: (number | null | undefined)[][] = [x.map((t) => t / 1000)];
  for (const tag of tags) {
    const col: (number | null | undefined)[] = new Array<number | null | undefined>(x.length).fill(undefined);
    const s = r.series.find((q) => q.tag === tag);
    for (const p of s?.points ?? []) col[index.get(p.t)!] = typeof p.value === "number" ? p.value : null;
    out.push(col);
  }
  return out;
}
