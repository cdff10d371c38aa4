/** One thing wrong with the configuration, printed as `file:path: message`. */
export interface ConfigProblem {
  readonly file: string;
  readonly path: string;
  readonly message: string;
}
