import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : full.endsWith(".ts") ? [full] : [];
  });
}

describe("hmi: typecheck and imports", function () {
  this.timeout(120_000);
  it("tsc -p hmi passes (strict, DOM, the socket contract's types)", () => {
    const tsc = resolve("node_modules", "typescript", "bin", "tsc");
    const r = spawnSync(process.execPath, [tsc, "-p", "hmi"], { encoding: "utf8" });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  });
  it("the browser code takes only types from the server (the socket contract), never its modules", () => {
    const bad: string[] = [];
    for (const file of walk(resolve("hmi", "src"))) {
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(/^\s*import\s+(type\s+)?[^;]*?from\s+["']([^"']+)["']/gm)) {
        const [, isType, spec] = m;
        if (!spec!.includes("/src/")) continue;
        if (!isType || !spec!.endsWith("src/server/socket-contract.js")) bad.push(`${file}: ${m[0].trim()}`);
      }
    }
    assert.deepEqual(bad, []);
  });
});
