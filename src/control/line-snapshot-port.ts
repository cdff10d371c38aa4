/**
 * Where the line service keeps the line's persisted snapshot (implemented on disk by
 * src/stores/line-snapshot-store.ts). Defined here so control depends on no store.
 */
export interface LineSnapshotPort {
  /** Where the snapshot is kept (for log messages). */
  readonly file: string;
  /** The last snapshot saved; reason "none" when there is none yet. */
  load(): { ok: true; snapshot: unknown } | { ok: false; reason: string };
  /** Stores the snapshot durably, or throws having left the previous one in place. */
  save(snapshot: unknown): void;
}
