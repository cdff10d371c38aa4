import type { TagConfig } from "../tags/tag-schema.js";

/** A tag as it came from a file, with where it came from (for messages). */
export interface LocatedTag {
  readonly tag: TagConfig;
  readonly file: string;
  readonly index: number;
}
