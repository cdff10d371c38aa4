/**
 * A part of the running system with a lifecycle. The composition root lists its components in start order;
 * `startAll` starts them one after the other and `stopAll` stops the started ones in reverse — so what was
 * started last (the HTTP server) stops first, and what must see everything (the historian, the audit
 * journal) stops last.
 */
import type { Logger } from "./logger.js";

export interface Component {
  readonly name: string;
  start(): void | Promise<void>;
  stop(): void | Promise<void>;
}

/** A component from two functions (a timer, a group of drivers: parts that are not a service of their own). */
export function component(name: string, start: () => unknown, stop: () => unknown = () => undefined): Component {
  return {
    name,
    start: async () => void (await start()),
    stop: async () => void (await stop()),
  };
}

export class Components {
  private started: Component[] = [];

  constructor(
    private readonly list: readonly Component[],
    private readonly logger: Logger,
  ) {}

  /**
   * Starts each in order. When one fails, the ones already started are stopped (reverse order) and the
   * error is rethrown, naming the component: nothing is left half-started.
   */
  async startAll(): Promise<void> {
    for (const c of this.list) {
      try {
        await c.start();
      } catch (err) {
        await this.stopAll();
        throw err;
      }
      this.started.push(c);
    }
  }

  /** Stops the started components in reverse order; one that fails is logged and the others still stop. */
  async stopAll(): Promise<void> {
    const started = this.started;
    this.started = [];
    for (const c of started.reverse()) {
      try {
        await c.stop();
      } catch (err) {
        this.logger.error({ err: String(err), component: c.name }, `${c.name} did not stop cleanly`);
      }
    }
  }

  /** The names, in start order (docs, logs, tests). */
  names(): string[] {
    return this.list.map((c) => c.name);
  }
}
