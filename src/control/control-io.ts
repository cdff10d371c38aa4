import type { TagScalar } from "../core/tag-value.js";

/**
 * What the control machines decide on: tag name → value when the tag is Good, `undefined` when it is not
 * (fail safe: a value that is not Good is no value). Built by the control service from the tag table.
 */
export type ProcessView = Readonly<Record<string, TagScalar | undefined>>;

/**
 * The one event that carries time and process values into every machine: the service sends it on a
 * fixed period (and after relevant tag changes). Machines never read the clock; deadlines live in
 * context as epoch ms and are compared with `now` here, so a restored machine re-arms them.
 */
export interface TickEvent {
  readonly type: "TICK";
  readonly now: number;
  readonly view: ProcessView;
}
