import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { runCheckConfig } from "../../../src/config/check-config-command.js";

describe("check-config: recipes", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "pc-"));
    cpSync(resolve("plc-config"), dir, { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const run = () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = runCheckConfig(dir, { log: (s) => out.push(s), error: (s) => err.push(s) });
    return { code, out, err };
  };

  it("counts the interlocks and recipes of the real config", () => {
    const r = run();
    assert.equal(r.code, 0, r.err.join("\n"));
    assert.match(r.out[0]!, /67 tags, 2 devices, 4 stations, 13 interlocks, 52 alarms, 8 recipes/);
  });

  it("a recipe whose setpoint exceeds an equipment limit fails with file, field and limit", () => {
    const f = join(dir, "recipes", "SnSb.yaml");
    writeFileSync(f, readFileSync(f, "utf8").replace("peakTempK: 1340", "peakTempK: 1600"));
    const r = run();
    assert.equal(r.code, 1);
    assert.ok(r.err.includes("recipes/SnSb.yaml:htr.peakTempK: htr.peak_sp 1600 K (from htr.peakTempK) exceeds equipment limit 1450 K"), r.err.join("\n"));
    assert.match(r.err[r.err.length - 1]!, /problem\(s\) in /);
    assert.equal(r.out.length, 0, "nothing claims OK");
  });
});
