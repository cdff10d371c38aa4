import type { TagConfig } from "../tags/tag-schema.js";

/** One thing wrong with the configuration, printed as `file:path: message`. */
export interface ConfigProblem {
  readonly file: string;
  readonly path: string;
  readonly message: string;
}

/** A tag as it came from a file, with where it came from (for messages). */
export interface LocatedTag {
  readonly tag: TagConfig;
  readonly file: string;
  readonly index: number;
}
