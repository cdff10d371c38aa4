import { inspect } from "node:util";

/** How `waitFor` polls and what it reports when it gives up. */
export interface WaitForOptions {
  /**
   * Milliseconds between two checks. Default: 5 for a check that answers synchronously (a field, a map:
   * cheap, and latency tests measure with it), 20 for one that returns a promise (HTTP, a browser, a CLI).
   */
  readonly everyMs?: number;
  /** The state to show when the deadline passes ("last observed: …"): the values the check looked at. */
  readonly observe?: () => unknown;
}

/**
 * The one way tests wait: polls `check` until it answers true and returns the elapsed ms, or throws
 * `timed out after <timeoutMs> ms waiting for <what>` (with the last observed state when `observe` is given)
 * at the first check after `timeoutMs` has passed that still answers false. A check that throws ends the wait
 * with its error (a way to give up early).
 * `options` may be the poll interval alone (`waitFor(what, 5000, check, 100)`).
 */
export async function waitFor(
  what: string,
  timeoutMs: number,
  check: () => boolean | Promise<boolean>,
  options: number | WaitForOptions = {},
): Promise<number> {
  const { everyMs, observe } = typeof options === "number" ? { everyMs: options, observe: undefined } : options;
  const t0 = Date.now();
  for (;;) {
    const answer = check();
    const sync = typeof answer === "boolean";
    if (sync ? answer : await answer) return Date.now() - t0;
    const elapsed = Date.now() - t0;
    if (elapsed > timeoutMs) {
      const seen = observe ? `; last observed: ${describe(await observe())}` : "";
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${seen}`);
    }
    await new Promise((r) => setTimeout(r, everyMs ?? (sync ? 5 : 20)));
  }
}

function describe(value: unknown): string {
  return typeof value === "string" ? value : inspect(value, { depth: 4, breakLength: Infinity, maxArrayLength: 50, maxStringLength: 2000 });
}
