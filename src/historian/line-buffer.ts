/**
 * A growable byte buffer for one line-protocol body (pure): the writer's encoder puts bytes, ASCII text and
 * digits straight into it, so a batch is built without a string per line and without encoding text to
 * UTF-8 a second time. `bytes()` is a view of what was written (no copy).
 */
/** "000" … "999". */
const DIGITS3: readonly string[] = Array.from({ length: 1000 }, (_, i) => String(i + 1000).slice(1));

export class LineBuffer {
  private buf: Buffer;
  /** Bytes written. */
  pos = 0;

  constructor(initialBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(Math.max(64, initialBytes));
  }

  /** Room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.pos + n, 2 * this.buf.length));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }

  /** Back to `pos` (drops what was written after it). */
  truncate(pos: number): void {
    this.pos = pos;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  bytesOf(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** Text whose characters are all below U+0080 (numbers, `true` / `false`): one byte each. */
  ascii(s: string): void {
    const n = s.length;
    this.ensure(n);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) buf[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /** Any text, as UTF-8. */
  utf8(s: string): void {
    this.ensure(3 * s.length); // a UTF-16 unit takes at most 3 UTF-8 bytes
    this.pos += this.buf.write(s, this.pos, "utf8");
  }

  /** A non-negative integer below 2^53, in decimal (what String() writes for it). */
  digits(n: number): void {
    let len = 1;
    for (let x = n; x >= 10; x = Math.floor(x / 10)) len++;
    this.ensure(len);
    const buf = this.buf;
    let p = this.pos + len;
    this.pos = p;
    let x = n;
    do {
      const q = Math.floor(x / 10);
      buf[--p] = 48 + (x - q * 10);
      x = q;
    } while (x > 0);
  }

  /** Six decimal digits of `n` (0 ≤ n < 10^6, an integer), zero-padded on the left. */
  sixDigits(n: number): void {
    this.ensure(6);
    const buf = this.buf;
    const p = this.pos;
    const hi = Math.floor(n / 1000);
    const lo = n - hi * 1000;
    let d = DIGITS3[hi]!;
    buf[p] = d.charCodeAt(0);
    buf[p + 1] = d.charCodeAt(1);
    buf[p + 2] = d.charCodeAt(2);
    d = DIGITS3[lo]!;
    buf[p + 3] = d.charCodeAt(0);
    buf[p + 4] = d.charCodeAt(1);
    buf[p + 5] = d.charCodeAt(2);
    this.pos = p + 6;
  }

  /** What was written: a view of the buffer, not a copy (the next writes must go to a new LineBuffer). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}
