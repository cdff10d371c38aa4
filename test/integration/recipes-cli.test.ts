import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parse as parseYaml, stringify as toYaml } from "yaml";
import { loadConfigOrThrow } from "../../src/config/config-loader.js";
import { systemClock } from "../../src/core/clock.js";
import { RecipeCatalog } from "../../src/recipes/recipe-catalog.js";
import { RecipeStore } from "../../src/stores/recipe-store.js";
import { SqliteRecipeVersionStore } from "../../src/stores/recipe-version-store.js";
import { SqliteUserStore } from "../../src/stores/user-store.js";
import { spawnTsx } from "../helpers/child-process.js";

const CONFIG = resolve("plc-config");

/** `htr-scada recipes …` as a real child process on a data directory (real SQLite). */
async function recipesCli(args: string[], dataDir: string): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawnTsx(["src/main.ts", "recipes", ...args, "--data-dir", dataDir, "--config", CONFIG], { env: { ...process.env, LOG_LEVEL: "silent" } });
  const code = await child.exited;
  return { code, out: child.stdout(), err: child.stderr() };
}

describe("recipes CLI: list | show | diff | export | import (real SQLite, the server's database)", function () {
  this.timeout(60_000);
  let dataDir: string;

  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), "recipes-cli-"));
    // What the server's first start does: the user database, then v1 of every shipped recipe.
    SqliteUserStore.open(dataDir).close();
    const versions = SqliteRecipeVersionStore.open(dataDir);
    new RecipeCatalog({ files: new RecipeStore(CONFIG), versions, line: loadConfigOrThrow(CONFIG), clock: systemClock }).seed();
    versions.close();
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it("list shows v1 Approved of every shipped recipe", async () => {
    const r = await recipesCli(["list"], dataDir);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^ALLOY\s+VERSION\s+STATE\s+AUTHOR/m);
    assert.match(r.out, /^BiSb\s+v1\s+approved\s+system\s/m);
    assert.equal(r.out.trim().split("\n").length, 1 + 8);
  });

  it("export → edit → import makes a DRAFT v2 (never approved), diff shows exactly the change with units, show prints it", async () => {
    const file = join(dataDir, "BiSb-hotter.yaml");
    const exported = await recipesCli(["export", "BiSb", "--out", file], dataDir);
    assert.equal(exported.code, 0, exported.err);
    const recipe = parseYaml(readFileSync(file, "utf8")) as { htr: { peakTempK: number } };
    assert.equal(recipe.htr.peakTempK, 1340);
    recipe.htr.peakTempK = 1360;
    writeFileSync(file, toYaml(recipe));
    const noReason = await recipesCli(["import", file], dataDir);
    assert.notEqual(noReason.code, 0);
    assert.match(noReason.err, /--reason/);
    const imported = await recipesCli(["import", file, "--reason", "finer particles: 20 K hotter"], dataDir);
    assert.equal(imported.code, 0, imported.err);
    assert.match(imported.out, /BiSb v2 imported as a draft .* \(based on v1\)/);
    const diff = await recipesCli(["diff", "BiSb", "1", "2"], dataDir);
    assert.equal(diff.code, 0, diff.err);
    assert.equal(diff.out.trim(), "htr.peakTempK: 1340 → 1360 K");
    const show = await recipesCli(["show", "BiSb", "2"], dataDir);
    assert.match(show.out, /^# BiSb v2 — draft, by cli:/m);
    assert.match(show.out, /peakTempK: 1360/);
    const list = await recipesCli(["list"], dataDir);
    assert.match(list.out, /^BiSb\s+v2\s+draft\s+cli:/m);
    assert.match(list.out, /^BiSb\s+v1\s+approved/m, "v1 stays the approved one");
  });

  it("bad input is refused with the reason and changes nothing: an invalid file, an unknown version, no database", async () => {
    const bad = join(dataDir, "bad.yaml");
    writeFileSync(bad, "alloy: BiSb\nhtr: {peakTempK: hot}\n");
    const r = await recipesCli(["import", bad, "--reason", "a broken file"], dataDir);
    assert.equal(r.code, 1);
    assert.match(r.err, /SCADA_ERR_RECIPE_INVALID: .*htr/);
    const unknown = await recipesCli(["show", "BiSb", "9"], dataDir);
    assert.equal(unknown.code, 1);
    assert.match(unknown.err, /SCADA_ERR_RECIPE_UNKNOWN: BiSb has no version 9/);
    const empty = mkdtempSync(join(tmpdir(), "recipes-cli-empty-"));
    try {
      const none = await recipesCli(["list"], empty);
      assert.equal(none.code, 1);
      assert.match(none.err, /SCADA_ERR_USER_DB_NOT_FOUND/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
    assert.equal((await recipesCli(["list"], dataDir)).out.trim().split("\n").length, 1 + 9, "nothing more was written");
  });
});
