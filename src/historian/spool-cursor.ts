import { readFileSync, rmSync } from "node:fs";
import { rename, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * The `cursor` file of a spool directory: where the oldest unacknowledged record starts (segment sequence
 * and byte offset). Written without fsync (see the crash-safety note in disk-spool.ts).
 */
export interface SpoolCursor {
  readonly seg: number;
  readonly offset: number;
}

/** The cursor, or the start of everything when there is none. */
export function readSpoolCursor(dir: string): SpoolCursor {
  try {
    const c = JSON.parse(readFileSync(join(dir, "cursor"), "utf8")) as { seg?: unknown; offset?: unknown };
    if (typeof c.seg === "number" && typeof c.offset === "number") return { seg: c.seg, offset: c.offset };
  } catch {
    /* no cursor yet */
  }
  return { seg: 0, offset: 0 };
}

/** Replaces the cursor (write to a temporary file, then rename). */
export async function writeSpoolCursor(dir: string, cursor: SpoolCursor): Promise<void> {
  const tmp = join(dir, "cursor.tmp");
  await writeFile(tmp, JSON.stringify({ seg: cursor.seg, offset: cursor.offset }));
  await rename(tmp, join(dir, "cursor"));
}

export function removeSpoolCursorSync(dir: string): void {
  rmSync(join(dir, "cursor"), { force: true });
}

export async function removeSpoolCursor(dir: string): Promise<void> {
  await unlink(join(dir, "cursor")).catch(() => undefined);
}
