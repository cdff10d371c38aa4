/**
 * One thing wrong with a file an engineer wrote (the configuration, a recipe) or with what it would do to the
 * PLC, printed as `file:path: message`: `line.yaml:stations[0].id: required field missing`,
 * `recipes/BiSb.yaml:htr.peakTempK: must be <= 2000 (found 2400)`. For a read-back, `file` is the device and
 * `path` the tag: `htr-plc:htr.peak_sp: read back 1300, recipe 1340`.
 */
export interface Problem {
  readonly file: string;
  readonly path: string;
  readonly message: string;
}

export function formatProblem(p: Problem): string {
  return `${p.file}:${p.path}: ${p.message}`;
}
