/** Curves of [x, y] points, each on its own x values. */
export type Curve = readonly (readonly [number, number])[];

/**
 * Curves on one shared x axis, as uPlot takes them: `[xs, ys₁, ys₂ …]`, the x values of every curve merged in
 * order, null where a curve has no point (drawn across with spanGaps). Points with a non-finite value are left out.
 */
export function alignCurves(curves: readonly Curve[]): [number[], ...(number | null)[][]] {
  const xs = [...new Set(curves.flatMap((c) => c.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)).map(([x]) => x)))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const ys = curves.map((c) => {
    const col: (number | null)[] = new Array<number | null>(xs.length).fill(null);
    for (const [x, y] of c) if (Number.isFinite(x) && Number.isFinite(y)) col[index.get(x)!] = y;
    return col;
  });
  return [xs, ...ys];
}

/** How many points of a column carry a value. */
export function pointCount(col: readonly (number | null)[]): number {
  return col.reduce<number>((n, v) => (typeof v === "number" ? n + 1 : n), 0);
}
