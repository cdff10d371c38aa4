import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** `htr-scada check-config [DIR]` as an operator runs it: the real entry point, in a child process. */
const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const brokenRoot = join(root, "test/fixtures/config-broken");

/** The test's environment, without a SCADA_CONFIG_DIR that would change the default directory. */
const inheritedEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== "SCADA_CONFIG_DIR"));

function checkConfig(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const child = spawnSync(process.execPath, ["--import=tsx", "src/main.ts", "check-config", ...args], {
    cwd: root,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...inheritedEnv, ...env },
  });
  return { status: child.status, stdout: child.stdout, stderr: child.stderr };
}

function lines(text: string): string[] {
  return text.split("\n").filter((l) => l !== "");
}

function expectedLines(name: string, dir: string): string[] {
  return lines(readFileSync(join(brokenRoot, name, "expected.txt"), "utf8")).map((l) => l.split("<DIR>").join(dir));
}

describe("htr-scada check-config (CLI)", function () {
  this.timeout(120_000);

  it("exits 0 and says OK for plc-config", () => {
    const dir = join(root, "plc-config");
    const r = checkConfig([dir]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^config OK: \\d+ tags, 2 devices, 4 stations, 13 interlocks, 52 alarms, 8 recipes \\(${dir.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}\\)$`, "m"));
    assert.equal(r.stderr, "");
  });

  for (const name of ["several-problems", "unknown-station"]) {
    it(`exits 1 and prints every problem of ${name} on stderr`, () => {
      const dir = join(brokenRoot, name);
      const r = checkConfig([dir]);
      assert.equal(r.status, 1, r.stderr);
      const expected = expectedLines(name, dir);
      assert.deepEqual(lines(r.stderr), [...expected, `${expected.length} problem(s) in ${dir}`]);
      assert.doesNotMatch(r.stdout, /config OK/);
    });
  }

  it("takes the directory from SCADA_CONFIG_DIR when none is given", () => {
    const dir = join(brokenRoot, "units-mismatch");
    const r = checkConfig([], { SCADA_CONFIG_DIR: dir });
    assert.equal(r.status, 1, r.stderr);
    assert.deepEqual(lines(r.stderr), [...expectedLines("units-mismatch", dir), `1 problem(s) in ${dir}`]);
  });
});
