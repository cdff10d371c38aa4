import { type ChildProcess, spawn } from "node:child_process";
import { waitFor } from "./wait-for.js";

export interface Child {
  readonly proc: ChildProcess;
  /** stdout and stderr as they came, interleaved. */
  output(): string;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (null when ended by a signal) once the process has exited. */
  readonly exited: Promise<number | null>;
  /** Waits until the output contains `text` (or matches it); throws with the output if the process exits first. */
  waitForOutput(text: string | RegExp, timeoutMs: number): Promise<void>;
  /**
   * Sends `signal` (default SIGKILL) if still running; resolves when gone (SIGKILL after `graceMs`, default
   * 15 s, if it hangs).
   */
  kill(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly stdin?: "pipe" | "ignore";
  /** How messages name the process (default: the command line). */
  readonly name?: string;
}

/** Runs `command args` as a child process with its output collected; stop it in `after` / `finally` with `kill()`. */
export function spawnChild(command: string, args: readonly string[], opts: SpawnOptions = {}): Child {
  const proc = spawn(command, args, { env: opts.env ?? process.env, stdio: [opts.stdin ?? "pipe", "pipe", "pipe"] });
  let out = "";
  let stdout = "";
  let stderr = "";
  proc.stdout!.on("data", (d: Buffer) => {
    out += d.toString();
    stdout += d.toString();
  });
  proc.stderr!.on("data", (d: Buffer) => {
    out += d.toString();
    stderr += d.toString();
  });
  let spawnError: Error | undefined;
  const exited = new Promise<number | null>((resolve) => {
    proc.once("exit", (code) => resolve(code));
    proc.once("error", (err) => {
      spawnError = err;
      out += `\n${err.message}\n`;
      resolve(null);
    });
  });
  const gone = () => spawnError !== undefined || proc.exitCode !== null || proc.signalCode !== null;
  const name = opts.name ?? [command, ...args].join(" ").slice(0, 200);
  const seen = (text: string | RegExp) => (typeof text === "string" ? out.includes(text) : text.test(out));
  return {
    proc,
    output: () => out,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    waitForOutput: async (text, timeoutMs) => {
      await waitFor(`'${String(text)}' in the output of ${name}`, timeoutMs, () => seen(text) || gone(), { everyMs: 50, observe: () => out.slice(-3000) });
      if (!seen(text)) throw new Error(`${name} exited (${proc.exitCode ?? proc.signalCode}):\n${out.slice(-3000)}`);
    },
    kill: (signal = "SIGKILL", graceMs = 15_000) =>
      new Promise<void>((resolve) => {
        if (gone()) return resolve();
        const hard = signal === "SIGKILL" ? undefined : setTimeout(() => proc.kill("SIGKILL"), graceMs);
        proc.once("exit", () => {
          if (hard) clearTimeout(hard);
          resolve();
        });
        proc.kill(signal);
      }),
  };
}

/** Runs a TypeScript file or `--input-type=module -e` code through tsx in a child Node: `spawnTsx(["script.mts"])`. */
export function spawnTsx(args: readonly string[], opts: SpawnOptions = {}): Child {
  return spawnChild(process.execPath, ["--import=tsx", ...args], opts);
}

/** Runs `htr-scada <args>` (through tsx) as a real child process with the given environment. */
export function spawnScada(args: string[], env: Record<string, string>): Child {
  return spawnTsx(["src/main.ts", ...args], { env: { ...process.env, LOG_LEVEL: "info", ...env }, name: `htr-scada ${args.join(" ")}` });
}
