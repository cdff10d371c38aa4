import type { HistorianPoint } from "./historian-point.js";
import { LineBuffer } from "./line-buffer.js";
import { LineEncoder } from "./line-encoder.js";
import { PointFifo } from "./point-fifo.js";
import type { SpoolBatch } from "./spool-record.js";

/** An encoded batch with the time range of its points. */
export interface LineBatch extends SpoolBatch {
  readonly minTimeMs: number;
  readonly maxTimeMs: number;
  /** The UTF-8 line protocol as sent (`lines` is its text, decoded only when asked for). */
  readonly body: Buffer;
}

/** Points encoded per event-loop turn (≈ 0.5 ms). */
const ENCODE_CHUNK = 1000;
/** First body buffer size; later ones start at the size the last batch needed (+ 1/8). */
const MIN_BODY_BYTES = 64 * 1024;
const MAX_BODY_HINT = 64 * 1024 * 1024;

/**
 * The historian writer's in-memory queue of points and its encoder to line protocol: `push` is O(1);
 * `encodeBatch` takes up to `batchSize` points off the front, in order, yielding to the event loop every
 * ENCODE_CHUNK points. Time stamps are microseconds; a later point of the same series in the same
 * millisecond gets +1 µs (SeriesTimestamper), so no two points merge. Lines are encoded by LineEncoder
 * (series keys cached) straight into the batch's body (a LineBuffer), newline-separated.
 */
export class PointQueue {
  private readonly queue = new PointFifo<HistorianPoint>();
  private encoding = 0;
  private readonly encoder: LineEncoder;
  private bodyHint = MIN_BODY_BYTES;

  constructor(
    private readonly batchSize: number,
    maxSeries: number,
    /** Told of points that cannot be written (no writable field, or not a point at all). */
    private readonly reject: (points: number, reason: string) => void,
  ) {
    this.encoder = new LineEncoder(maxSeries);
  }

  /** Points queued, not yet taken by `encodeBatch`. */
  get length(): number {
    return this.queue.length;
  }

  /** Points taken off the queue by an `encodeBatch` still running. */
  get encodingPoints(): number {
    return this.encoding;
  }

  push(point: HistorianPoint): void {
    this.queue.push(point);
  }

  /** Takes up to batchSize points off the queue and encodes them (µs stamps assigned here, in queue order). */
  async encodeBatch(): Promise<LineBatch> {
    const out = new LineBuffer(this.bodyHint);
    let points = 0;
    let invalid = 0;
    let min = Infinity;
    let max = -Infinity;
    let taken = 0;
    for (;;) {
      const n = Math.min(this.queue.length, ENCODE_CHUNK, this.batchSize - taken);
      for (let i = 0; i < n; i++) {
        const p = this.queue.shift()!;
        const at = out.pos;
        let ok = false;
        try {
          ok = this.encoder.encodeInto(p, out, points > 0);
        } catch {
          // not a point at all (the type system was bypassed): counted with the others below
          out.truncate(at);
        }
        if (!ok) {
          invalid += 1;
          continue;
        }
        points += 1;
        if (p.timeMs < min) min = p.timeMs;
        if (p.timeMs > max) max = p.timeMs;
      }
      taken += n;
      this.encoding += n;
      if (taken >= this.batchSize || this.queue.length === 0) break;
      await new Promise<void>((r) => setImmediate(r)); // keep the event loop responsive
    }
    this.encoding -= taken;
    if (invalid > 0) this.reject(invalid, "point without a writable field (no field, only NaN/Infinity, or not a point)");
    if (points > 0) this.bodyHint = Math.max(MIN_BODY_BYTES, Math.min(MAX_BODY_HINT, out.pos + (out.pos >>> 3)));
    return lineBatch(out.bytes(), points, min, max);
  }
}

/** A LineBatch whose `lines` text is decoded from `body` on demand (the write path only needs the bytes). */
export function lineBatch(body: Buffer, points: number, minTimeMs: number, maxTimeMs: number): LineBatch {
  let text: string | undefined;
  return {
    get lines(): string {
      return (text ??= body.toString("utf8"));
    },
    body,
    points,
    minTimeMs,
    maxTimeMs,
  };
}
