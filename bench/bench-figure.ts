/** One figure of `npm run bench`: our figure beside a raw-library baseline measured in the same run. */
export interface BenchFigure {
  readonly name: string;
  readonly unit: string;
  readonly value: number;
  readonly baseline: number | null;
  /** value / baseline (or baseline / value for "lower is better" figures, so > 1 is always better). */
  readonly ratio: number | null;
  /** The goal, as text, e.g. ">= 0.9x baseline". */
  readonly goal: string;
  readonly pass: boolean | null;
  readonly detail?: Record<string, unknown>;
}

/** Every bench/*.bench.ts exports `run(): Promise<BenchFigure[]>`. */
export type BenchRun = () => Promise<BenchFigure[]>;
