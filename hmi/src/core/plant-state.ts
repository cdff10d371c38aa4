import type { AlarmsJson, InterlocksJson, LineJson, Quality, TagBatch } from "../../../src/server/socket-contract.js";

/** One display frame at 60 Hz, ms: a render less than this after the last one waits for the next frame. */
const FRAME_MS = 16;

/** A tag's configuration as `GET /api/tags` gives it. */
export interface TagMeta {
  readonly name: string;
  readonly description: string;
  readonly station: string | null;
  readonly units: string;
  readonly range: { readonly min: number; readonly max: number } | null;
  readonly writable: boolean;
}

export interface LiveValue {
  readonly value: number | boolean | null;
  readonly quality: Quality;
  /** Source time, epoch ms (0: never received). */
  readonly ts: number;
}

/** The part of a recipe the displays use (thermal envelope, normal bands). */
export interface RecipeDoc {
  readonly alloy: string;
  readonly description?: string;
  readonly htr: {
    readonly mode: string;
    readonly peakTempK: number;
    readonly peakToleranceK: number;
    readonly rampTimeS: number;
    readonly holdTimeS: number;
    readonly coolTimeS: number;
    readonly safeWebTempK: number;
    readonly argonFlowLpm: number;
    readonly o2PermissivePpm: number;
    readonly o2TripPpm: number;
  };
  readonly quench: { readonly gasFlowLpm: number; readonly minGasFlowLpm: number; readonly minCoolantFlowLpm: number };
  readonly feed: { readonly indexLengthM: number; readonly webTensionN: number };
  readonly rinse: { readonly waterFlowLpm: number; readonly minWaterFlowLpm: number; readonly conductivityEndpointUsCm: number; readonly dryerTempK: number };
  readonly precursor?: { readonly arealLoadingMgCm2: number; readonly arealLoadingToleranceMgCm2: number };
  readonly targetRollLengthM?: number;
}

export type ChangeKind = "tags" | "line" | "interlocks" | "alarms" | "connection" | "recipe";
type Listener = (kinds: ReadonlySet<ChangeKind>) => void;

/**
 * Everything the displays show, from REST at start and from the socket's pushes after: tag values with
 * quality, line, interlocks, alarms, the connection, the loaded recipe. Listeners are told once per
 * animation frame, with what changed.
 */
export class PlantState {
  readonly meta = new Map<string, TagMeta>();
  readonly values = new Map<string, LiveValue>();
  line: LineJson | null = null;
  interlocks: InterlocksJson | null = null;
  alarms: AlarmsJson | null = null;
  connected = false;
  /** The recipe loaded in the line (or null). */
  recipe: RecipeDoc | null = null;
  /** Why the connection is down (shown in the banner). */
  connectionDetail = "connecting";

  private readonly listeners = new Set<Listener>();
  private readonly batchListeners = new Set<(b: TagBatch) => void>();
  private pending = new Set<ChangeKind>();
  private scheduled = false;
  /** When the listeners last ran (performance.now()). */
  private lastFlushAt = -Infinity;

  onChange(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** Every tag batch as it arrives (charts that keep their own time series). */
  onBatch(l: (b: TagBatch) => void): () => void {
    this.batchListeners.add(l);
    return () => this.batchListeners.delete(l);
  }

  changed(kind: ChangeKind): void {
    this.pending.add(kind);
    if (this.scheduled) return;
    this.scheduled = true;
    const flush = () => {
      this.scheduled = false;
      this.lastFlushAt = performance.now();
      const kinds = this.pending;
      this.pending = new Set();
      for (const l of this.listeners) l(kinds);
    };
    // rAF pauses in hidden tabs; a timer keeps the state current there (a cheap, coalesced flush).
    if (typeof requestAnimationFrame !== "function" || document.visibilityState !== "visible") setTimeout(flush, 100);
    // The first change after a quiet frame is rendered at once (right after the message that brought it, so
    // the whole batch is in); changes that follow within the frame are coalesced into the next animation
    // frame. At most about two renders a frame, whatever the rate of batches.
    else if (performance.now() - this.lastFlushAt >= FRAME_MS) queueMicrotask(flush);
    else requestAnimationFrame(flush);
  }

  applyBatch(batch: TagBatch): void {
    for (const c of batch.changes) this.values.set(c.name, { value: c.value, quality: c.quality, ts: c.ts });
    for (const l of this.batchListeners) l(batch);
    this.changed("tags");
  }

  setConnected(connected: boolean, detail: string): void {
    if (this.connected === connected && this.connectionDetail === detail) return;
    this.connected = connected;
    this.connectionDetail = detail;
    this.changed("connection");
  }

  value(name: string): LiveValue | undefined {
    return this.values.get(name);
  }

  /** A number, or null when missing / not a number. */
  num(name: string): number | null {
    const v = this.values.get(name)?.value;
    return typeof v === "number" ? v : null;
  }

  /** Not to be trusted as current: connection down, or quality not Good. */
  isStale(name: string): boolean {
    const v = this.values.get(name);
    return !this.connected || v === undefined || v.quality !== "Good";
  }
}
