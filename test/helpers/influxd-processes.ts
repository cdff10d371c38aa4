import { readFileSync, readdirSync } from "node:fs";

/**
 * The live `influxd` processes whose command line names `dir` (a test's own data directory), found in /proc.
 * A zombie (exited, not yet reaped by whoever inherited it) has an empty command line and is not counted.
 */
export function influxdPidsUsing(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
    } catch {
      continue; // gone meanwhile
    }
    if (argv.some((a) => /(^|\/)influxd$/.test(a)) && argv.some((a) => a.includes(dir))) pids.push(Number(entry));
  }
  return pids;
}

/** SIGKILLs every influxd naming `dir` (test cleanup: whatever went wrong, none is left behind); returns their pids. */
export function killInfluxdsUsing(dir: string): number[] {
  const pids = influxdPidsUsing(dir);
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* gone meanwhile */
    }
  }
  return pids;
}
