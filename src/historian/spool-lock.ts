import { join } from "node:path";
import { releasePidLock, takePidLock } from "../stores/pid-lock.js";

/** The `LOCK` file of a spool directory: the pid of the process using it. */
export const SPOOL_LOCK_FILE = "LOCK";

/** Takes the spool in `dir` for this process; throws when another live process holds it. */
export function lockSpool(dir: string): void {
  takePidLock(join(dir, SPOOL_LOCK_FILE), `spool ${dir}`);
}

export function unlockSpool(dir: string): void {
  releasePidLock(join(dir, SPOOL_LOCK_FILE));
}
