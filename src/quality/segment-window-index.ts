/**
 * The open segments of a roll, in index order, and which of them are in each window: the segments in a
 * window are contiguous (position falls with index), so each window bit keeps the first and last position
 * in the list. Rebuilt after every move, O(open segments × window bits); reading a window is O(1). Pure.
 */
import type { SegmentAccumulator } from "./segment-accumulator.js";

/** Window bits (AT_… / MIDDLE_IN_…) in use. */
const BITS = 7;

export class SegmentWindowIndex {
  /** Open segments: consecutive indices, oldest (downstream) first. */
  readonly open: SegmentAccumulator[] = [];
  private readonly lo = new Int32Array(BITS);
  private readonly hi = new Int32Array(BITS).fill(-1);

  /** Position in `open` of the first segment in the window `bit` (with last(bit) < first(bit): none). */
  first(bit: number): number {
    return this.lo[31 - Math.clz32(bit)]!;
  }

  last(bit: number): number {
    return this.hi[31 - Math.clz32(bit)]!;
  }

  /** Re-reads every open segment's mask. */
  rebuild(): void {
    this.lo.fill(0);
    this.hi.fill(-1);
    for (let k = 0; k < this.open.length; k++) {
      const mask = this.open[k]!.mask;
      for (let b = 0; b < BITS; b++) {
        if ((mask & (1 << b)) === 0) continue;
        if (this.hi[b]! < this.lo[b]!) this.lo[b] = k;
        this.hi[b] = k;
      }
    }
  }
}
