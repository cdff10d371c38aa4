/**
 * A pid file as a lock: the file holds the pid of the process that uses a directory (the data directory's
 * `scada.pid`, a spool's `LOCK`). A pid that is no longer alive (a process killed with SIGKILL) holds
 * nothing: the next process takes the lock over. Cost: one stat and one read per take.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";

/** The data directory's lock: the pid of the `start` running on it (a restore refuses while it lives). */
export const DATA_DIR_LOCK_FILE = "scada.pid";

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The live process (not this one) that holds `file`, or null. */
export function pidLockHolder(file: string): number | null {
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, "utf8").trim());
  return Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid) ? pid : null;
}

/** Takes `file` for this process; throws `<what> is in use by process N` when a live process holds it. */
export function takePidLock(file: string, what: string): void {
  const holder = pidLockHolder(file);
  if (holder !== null) throw Object.assign(new Error(`${what} is in use by process ${holder}`), { code: "ELOCKED", pid: holder });
  writeFileSync(file, `${process.pid}\n`);
}

/** Removes `file` if this process holds it (a lock taken over by another process is left alone). */
export function releasePidLock(file: string): void {
  if (!existsSync(file)) return;
  if (Number(readFileSync(file, "utf8").trim()) === process.pid) rmSync(file, { force: true });
}
