// Loaded before every test run (.mocharc.json "require"): keep every stray file inside the project.
import { mkdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";

const base = resolve(".tmp", `test-${process.pid}`);
for (const [key, sub] of [["TMPDIR", "tmp"], ["XDG_CONFIG_HOME", "config"], ["XDG_CACHE_HOME", "cache"]] as const) {
  const dir = join(base, sub);
  mkdirSync(dir, { recursive: true });
  process.env[key] = dir;
}
process.env.LOG_LEVEL ??= "silent";

export const mochaHooks = {
  afterAll(): void {
    rmSync(base, { recursive: true, force: true });
  },
};
