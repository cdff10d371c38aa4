/**
 * The invoked actor every station writes its tags through, and the wording of its failures.
 */
import { fromPromise, type PromiseSnapshot, type Snapshot } from "xstate";
import type { TagBatchWriter, TagWrite, WriteOutcome } from "../../core/tag-io.js";

export interface WriteTagsInput {
  readonly writes: readonly TagWrite[];
  /** Set when the write was in flight in a snapshot this actor was restored from. */
  readonly restored?: boolean;
}

/** A batch that only switches things off (and sets numbers) may be re-issued after a restart; one that switches anything on may not. */
export function safeToReissue(writes: readonly TagWrite[]): boolean {
  return writes.every((w) => w.value !== true);
}

export function describeWrites(writes: readonly TagWrite[]): string {
  return writes.map((w) => `${w.tag}=${String(w.value)}`).join(", ");
}

/** "rinse start write failed: rinse.pump_on: BadTimeout". */
export function writeFailureReason(what: string, outcome: WriteOutcome): string {
  return `${what} write failed: ${outcome.failures.length > 0 ? outcome.failures.join("; ") : "no reason given"}`;
}

export function writeErrorReason(what: string, error: unknown): string {
  return `${what} write failed: ${error instanceof Error ? error.message : String(error)}`;
}

/**
 * XState restarts an in-flight `fromPromise` when a snapshot is restored; this actor re-issues a restored
 * batch only when it switches nothing on (restart safety: a restored machine never re-enables the heater, the
 * drives or a pulse by itself) — otherwise it resolves as failed, which takes the station to fault.
 */
export function createWriteTagsActor(io: TagBatchWriter) {
  const logic = fromPromise<WriteOutcome, WriteTagsInput>(async ({ input }) => {
    if (input.restored === true && !safeToReissue(input.writes)) {
      return { ok: false, failures: [`not re-issued after a restart (${describeWrites(input.writes)})`] };
    }
    return io.writeTags(input.writes);
  });
  const restoreSnapshot = (persisted: Snapshot<unknown>): PromiseSnapshot<WriteOutcome, WriteTagsInput> => {
    const s = persisted as PromiseSnapshot<WriteOutcome, WriteTagsInput>;
    return s.status === "active" && s.input !== undefined ? { ...s, input: { ...s.input, restored: true } } : s;
  };
  return { ...logic, restoreSnapshot };
}

export type WriteTagsLogic = ReturnType<typeof createWriteTagsActor>;
