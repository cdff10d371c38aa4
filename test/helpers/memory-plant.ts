import type { TagScalar } from "../../src/core/tag-value.js";
import type { TagConfig } from "../../src/tags/tag-schema.js";
import type { PlantIO, PlantValue } from "../../src/sim/plant-io.js";

/**
 * A plant side that only holds values (no physics): for protocol tests of the servers and drivers.
 * Every tag of the given config starts at a distinct, valid value; `scan()` notifies listeners.
 */
export class MemoryPlant implements PlantIO {
  readonly values = new Map<string, PlantValue>();
  private readonly writable = new Set<string>();
  private readonly listeners = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;

  constructor(tags: readonly TagConfig[]) {
    tags.forEach((t, i) => {
      this.values.set(t.name, { value: initialValue(t, i) });
      if (t.writable) this.writable.add(t.name);
    });
  }

  read(name: string): PlantValue | undefined {
    return this.values.get(name);
  }

  write(name: string, value: TagScalar): boolean {
    if (!this.writable.has(name)) return false;
    this.values.set(name, { value });
    return true;
  }

  /** Plant-side change (as the PLC program would make it), bypassing the writable check. */
  set(name: string, value: TagScalar, bad?: string): void {
    this.values.set(name, bad === undefined ? { value } : { value, bad });
  }

  onScan(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  scan(): void {
    for (const l of this.listeners) l();
  }

  /** Scan every `ms` (like the real plant's 10 ms PLC scan). */
  startScanning(ms = 10): void {
    this.stopScanning();
    this.timer = setInterval(() => this.scan(), ms);
  }

  stopScanning(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

function initialValue(t: TagConfig, i: number): TagScalar {
  if (t.type === "bool") return i % 2 === 0;
  const lo = t.range?.min ?? 0;
  const hi = t.range?.max ?? 1000;
  const v = lo + ((hi - lo) * ((i % 7) + 1)) / 10;
  return t.type === "float32" || t.type === "float64" ? Math.round(v * 100) / 100 : Math.round(v);
}
