/**
 * What the roll service needs of the rest of the line (kept narrow: control does not import adapters). The
 * wiring (src/runtime/wire-quality.ts) adapts the line, interlock, alarm and recipe services to these.
 */
import type { Recipe } from "../recipes/recipe-schema.js";
import type { RecipeRef, SegmentRecord } from "../quality/segment-record.js";
import type { StateTransition } from "./state-transition.js";

export interface RollLine {
  onTransition(listener: (t: StateTransition) => void): () => void;
  /** The line's stop reason code now (null when none). */
  stopReasonCode(): string | null;
}

export interface RollInterlocks {
  /**
   * Latched trips (bypassed ones excluded), the bypassed ids, the first-out, and the trips since the last full
   * reset (`viaNotGood`: tripped because an input was not Good, not because the cause was seen).
   */
  status(): {
    readonly tripped: readonly string[];
    readonly bypassed: readonly string[];
    readonly firstOut: { readonly interlock: string } | null;
    readonly trips: readonly { readonly interlock: string; readonly viaNotGood: boolean }[];
  };
}

export interface RollAlarms {
  /** Ids of the critical alarms whose condition is active now. */
  activeCritical(): readonly string[];
}

export interface RollRecipes {
  /** The recipe loaded and verified in the PLC now, with its version (null: none). */
  current(): { readonly ref: RecipeRef; readonly recipe: Recipe } | null;
  /** Who approved that version, with the signature's time (null: a trial, a file-only recipe, not approved). */
  approval(alloy: string, version: number): { readonly by: string; readonly at: number } | null;
  /** The lot-number pattern of the recipe a start would run (the loaded one, or `alloy`). */
  lotPattern(alloy: string | undefined): { readonly alloy: string; readonly pattern: string } | null;
}

/** Where closed segment records go besides the roll store (the historian's `segment` measurement). */
export type SegmentSink = (records: readonly SegmentRecord[]) => void;
