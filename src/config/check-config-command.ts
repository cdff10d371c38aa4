import { formatProblem, loadConfig } from "./config-loader.js";

/** Where `check-config` prints: `log` for the verdict on a valid config, `error` for problems. */
export interface CheckConfigOutput {
  log(s: string): void;
  error(s: string): void;
}

/**
 * `htr-scada check-config [DIR]`: validates a plc-config directory. Prints a one-line summary and returns 0
 * when it is valid; otherwise prints every problem as `file:path: message`, then a count, and returns 1.
 * The return value is the process exit code.
 */
export function runCheckConfig(dir: string, out: CheckConfigOutput): number {
  const result = loadConfig(dir);
  if (result.ok) {
    const { tags, devices, stations } = result.config;
    out.log(`config OK: ${tags.length} tags, ${devices.length} devices, ${stations.length} stations (${dir})`);
    return 0;
  }
  for (const problem of result.problems) out.error(formatProblem(problem));
  out.error(`${result.problems.length} problem(s) in ${dir}`);
  return 1;
}
