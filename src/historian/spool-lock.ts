import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The `LOCK` file of a spool directory: the pid of the process using it. */

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Takes the spool in `dir` for this process; throws when another live process holds it. */
export function lockSpool(dir: string): void {
  const file = join(dir, "LOCK");
  if (existsSync(file)) {
    const pid = Number(readFileSync(file, "utf8").trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
      throw new Error(`spool ${dir} is in use by process ${pid}`);
    }
  }
  writeFileSync(file, `${process.pid}\n`);
}

export function unlockSpool(dir: string): void {
  rmSync(join(dir, "LOCK"), { force: true });
}
