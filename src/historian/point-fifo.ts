/** Points per chunk of a PointFifo (32 KiB of references: young-generation objects, never copied to grow). */
const CHUNK = 4096;

/**
 * First in, first out, in fixed-size chunks (pure): `push` and `shift` are O(1) and never copy the queue —
 * a single array that grows (and is sliced to drop its consumed front) copies its whole backing store
 * again and again under a steady load; chunks are filled, drained and dropped, one spare kept for reuse.
 * A taken slot is cleared at once, so the fifo holds no reference to a point it has handed out.
 */
export class PointFifo<T> {
  private readonly chunks: (T | undefined)[][] = [];
  /** Next slot to take in chunks[0]. */
  private headPos = 0;
  /** Next free slot in the last chunk (CHUNK: full, or no chunk). */
  private tailPos = CHUNK;
  private size = 0;
  private spare: (T | undefined)[] | null = null;

  get length(): number {
    return this.size;
  }

  push(item: T): void {
    if (this.tailPos === CHUNK) {
      const chunk = this.spare ?? new Array<T | undefined>(CHUNK);
      this.spare = null;
      this.chunks.push(chunk);
      this.tailPos = 0;
    }
    this.chunks[this.chunks.length - 1]![this.tailPos++] = item;
    this.size += 1;
  }

  /** The oldest item, taken off; undefined when empty. */
  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const chunk = this.chunks[0]!;
    const item = chunk[this.headPos];
    chunk[this.headPos++] = undefined;
    this.size -= 1;
    if (this.size === 0) {
      // empty: keep one chunk (the last), start it over; the others (none, or drained ones) go
      const last = this.chunks[this.chunks.length - 1]!;
      this.chunks.length = 0;
      this.chunks.push(last);
      this.headPos = 0;
      this.tailPos = 0;
    } else if (this.headPos === CHUNK) {
      this.spare = this.chunks.shift()!;
      this.headPos = 0;
    }
    return item;
  }
}
