import { type ChildProcess, spawn } from "node:child_process";
import { waitFor } from "./test-config.js";

export interface Child {
  readonly proc: ChildProcess;
  output(): string;
  /** Waits until the output contains `text`. */
  waitForOutput(text: string, timeoutMs: number): Promise<void>;
  /** Sends `signal` (default SIGKILL) if still running; resolves when gone (SIGKILL after 15 s if it hangs). */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Runs `htr-scada <args>` (through tsx) as a real child process with the given environment. */
export function spawnScada(args: string[], env: Record<string, string>): Child {
  const proc = spawn(process.execPath, ["--import=tsx", "src/main.ts", ...args], {
    env: { ...process.env, LOG_LEVEL: "info", ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  proc.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  proc.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  return {
    proc,
    output: () => out,
    waitForOutput: async (text, timeoutMs) => {
      await waitFor(`'${text}' in the output of htr-scada ${args.join(" ")}`, timeoutMs, () => out.includes(text) || proc.exitCode !== null, 50);
      if (!out.includes(text)) throw new Error(`htr-scada ${args.join(" ")} exited (${proc.exitCode}):\n${out.slice(-3000)}`);
    },
    kill: (signal = "SIGKILL") =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        const hard = signal === "SIGKILL" ? undefined : setTimeout(() => proc.kill("SIGKILL"), 15_000);
        proc.once("exit", () => {
          if (hard) clearTimeout(hard);
          resolve();
        });
        proc.kill(signal);
      }),
  };
}
