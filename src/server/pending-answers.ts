import type { Cancel, SocketScheduler } from "./socket-scheduler.js";

/** What the line's process answered to one request: its boot id and the body. */
export interface RuntimeAnswer {
  readonly runtime: string;
  readonly body: unknown;
}

/**
 * A web process's requests to the line's process still waiting for their `scada:answer`: each resolves
 * with the answer, or with undefined when its deadline passes first (or on close). Ids are this process's
 * own counter; an answer to an id not waiting (late, or not ours) is ignored.
 */
export class PendingAnswers {
  private next = 0;
  private readonly waiting = new Map<string, { resolve: (a: RuntimeAnswer | undefined) => void; cancel: Cancel }>();

  constructor(private readonly scheduler: Pick<SocketScheduler, "after">) {}

  get size(): number {
    return this.waiting.size;
  }

  /** A new request id and the promise of its answer. */
  open(timeoutMs: number): { id: string; answer: Promise<RuntimeAnswer | undefined> } {
    const id = String(++this.next);
    const answer = new Promise<RuntimeAnswer | undefined>((resolve) => {
      const cancel = this.scheduler.after(timeoutMs, () => this.settle(id, undefined));
      this.waiting.set(id, { resolve, cancel });
    });
    return { id, answer };
  }

  /** The answer to `id` came (or, with undefined, will not); false when nothing waited for it. */
  settle(id: string, answer: RuntimeAnswer | undefined): boolean {
    const w = this.waiting.get(id);
    if (!w) return false;
    this.waiting.delete(id);
    w.cancel();
    w.resolve(answer);
    return true;
  }

  /** Every waiting request resolves with undefined. */
  close(): void {
    for (const id of [...this.waiting.keys()]) this.settle(id, undefined);
  }
}
