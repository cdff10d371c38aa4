import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import type { LineSnapshotPort } from "../control/line-snapshot-port.js";

/**
 * The line's persisted snapshot on disk (JSON), written atomically (temp file, fsync, rename) so a crash
 * mid-write leaves the previous snapshot, never half of one.
 */
export class LineSnapshotStore implements LineSnapshotPort {
  constructor(readonly file: string) {}

  load(): { ok: true; snapshot: unknown } | { ok: false; reason: string } {
    if (!existsSync(this.file)) return { ok: false, reason: "none" };
    try {
      return { ok: true, snapshot: JSON.parse(readFileSync(this.file, "utf8")) as unknown };
    } catch (err) {
      return { ok: false, reason: `unreadable: ${(err as Error).message}` };
    }
  }

  save(snapshot: unknown): void {
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    const fd = openSync(tmp, "w");
    try {
      writeSync(fd, JSON.stringify(snapshot));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.file);
  }
}
