import { mulberry32 } from "../../src/sim/sensor-noise.js";

/**
 * A reproducible random order for a test campaign: the seed comes from the environment variable `envName`
 * (to repeat a run) or is drawn now, and is printed, so every run can be repeated exactly.
 */
export function campaignSeed(envName: string): number {
  const fromEnv = process.env[envName];
  if (fromEnv !== undefined && fromEnv !== "") {
    const n = Number(fromEnv);
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new Error(`${envName}=${fromEnv}: a seed is an integer 0..4294967295`);
    return n;
  }
  return Math.floor(Math.random() * 0x100000000);
}

/** A seeded generator of uniforms in [0, 1) (mulberry32, the virtual plant's own). */
export function seededUniform(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    const [u, next] = mulberry32(state);
    state = next;
    return u;
  };
}

/** Fisher–Yates with a seeded generator: the same seed gives the same order. */
export function shuffled<T>(items: readonly T[], next: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
