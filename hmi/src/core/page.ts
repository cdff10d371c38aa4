import type { ChangeKind, PlantState } from "./plant-state.js";
import type { LiveConnection } from "./live-connection.js";

/** One display: its element, the tags it shows, and how it follows the plant state. */
export interface Page {
  readonly el: HTMLElement;
  /** Tags to subscribe to while the page is shown. */
  readonly tags: readonly string[];
  update(kinds: ReadonlySet<ChangeKind>): void;
  dispose?(): void;
}

export interface PageContext {
  readonly state: PlantState;
  readonly live: LiveConnection;
  navigate(hash: string): void;
}

/** A piece of a display that follows the state. */
export interface Widget {
  readonly el: Element;
  update(): void;
}
