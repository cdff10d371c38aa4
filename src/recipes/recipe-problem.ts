/**
 * One thing wrong with a recipe (or with what it would do to the PLC), printed as `file:path: message` like
 * the configuration's problems: `recipes/BiSb.yaml:htr.peakTempK: must be <= 2000 (found 2400)`.
 * For a read-back, `file` is the device and `path` the tag: `htr-plc:htr.peak_sp: read back 1300, recipe 1340`.
 */
export interface RecipeProblem {
  readonly file: string;
  readonly path: string;
  readonly message: string;
}

export function formatRecipeProblem(p: RecipeProblem): string {
  return `${p.file}:${p.path}: ${p.message}`;
}
