/** mulberry32: one 32-bit state word, returns [uniform in [0, 1), next state]. */
export function mulberry32(state: number): [number, number] {
  const next = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(next ^ (next >>> 15), 1 | next);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return [((t ^ (t >>> 14)) >>> 0) / 4294967296, next >>> 0];
}

/** Zero-mean noise with unit σ (sum of three uniforms, rescaled) from a local copy of the generator. */
export class SensorNoise {
  constructor(public state: number) {}
  uniform(): number {
    const [u, next] = mulberry32(this.state);
    this.state = next;
    return u;
  }
  gauss(): number {
    return (this.uniform() + this.uniform() + this.uniform() - 1.5) * 2;
  }
}
