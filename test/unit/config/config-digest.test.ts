import assert from "node:assert/strict";
import { execSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { configDigest } from "../../../src/config/config-digest.js";

describe("config digest (for the config.load audit record)", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "digest-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const shell = (d: string) => execSync("find . -type f -printf '%P\\0' | LC_ALL=C sort -z | xargs -0 -r sha256sum | sha256sum", { cwd: d, encoding: "utf8", shell: "/bin/bash" }).split(" ")[0];

  it("is what the documented shell recipe gives, for plc-config and for odd names", () => {
    cpSync(resolve("plc-config"), join(dir, "cfg"), { recursive: true });
    const d = configDigest(join(dir, "cfg"));
    assert.equal(d.sha256, shell(join(dir, "cfg")));
    assert.ok(d.files > 5);
    mkdirSync(join(dir, "odd", "B sub"), { recursive: true });
    writeFileSync(join(dir, "odd", "a.yaml"), "a: 1\n");
    writeFileSync(join(dir, "odd", "B sub", "é.yaml"), "b: 2\n");
    writeFileSync(join(dir, "odd", ".hidden"), "h\n");
    assert.deepEqual(configDigest(join(dir, "odd")), { sha256: shell(join(dir, "odd")), files: 3 });
  });

  it("changes when any file changes", () => {
    writeFileSync(join(dir, "line.yaml"), "line: {id: htr-1}\n");
    const before = configDigest(dir).sha256;
    writeFileSync(join(dir, "line.yaml"), "line: {id: htr-2}\n");
    assert.notEqual(configDigest(dir).sha256, before);
  });
});
