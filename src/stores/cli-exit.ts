import { userInfo } from "node:os";
import { ScadaError } from "../core/errors.js";

/**
 * A CLI action's outcome as an exit code: its lines printed and 0, or a catalogued refusal (a ScadaError:
 * no database, unknown user or version, bad input …) printed as `CODE: message` and 1. Anything else is a
 * bug and propagates.
 */
export async function cliExit(io: { out(s: string): void; err(s: string): void }, action: () => Promise<readonly string[]> | readonly string[]): Promise<number> {
  try {
    for (const line of await action()) io.out(line);
    return 0;
  } catch (err) {
    if (err instanceof ScadaError) {
      io.err(`${err.code}: ${err.message}`);
      return 1;
    }
    throw err;
  }
}

/** Who runs a CLI command, as audit records name them: `cli:<os user>` (`cli:unknown` without a passwd entry, as in containers). */
export function cliUser(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return "cli:unknown";
  }
}
