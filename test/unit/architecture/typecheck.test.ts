import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";

describe("typecheck", function () {
  this.timeout(120_000);
  it("tsc --noEmit passes on src, test, bench and scripts (strict)", () => {
    const tsc = resolve("node_modules", "typescript", "bin", "tsc");
    const r = spawnSync(process.execPath, [tsc, "--noEmit", "-p", "tsconfig.json"], { encoding: "utf8" });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  });
});
