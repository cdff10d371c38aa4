type Task = () => Promise<void>;

/**
 * One transaction in flight at a time. Two lanes: writes ("high") run before queued reads ("normal").
 * `clear()` rejects everything still waiting.
 */
export class TransactionQueue {
  private readonly high: { task: Task; reject: (e: Error) => void }[] = [];
  private readonly normal: { task: Task; reject: (e: Error) => void }[] = [];
  private running = false;

  run<T>(priority: "high" | "normal", fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const task: Task = () => fn().then(resolve, reject);
      (priority === "high" ? this.high : this.normal).push({ task, reject });
      this.pump();
    });
  }

  clear(reason: Error): void {
    for (const lane of [this.high, this.normal]) for (const item of lane.splice(0)) item.reject(reason);
  }

  private pump(): void {
    if (this.running) return;
    const next = this.high.shift() ?? this.normal.shift();
    if (next === undefined) return;
    this.running = true;
    void next.task().finally(() => {
      this.running = false;
      this.pump();
    });
  }
}
