import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { canonicalJson } from "../../../src/audit/audit-record.js";
import type { Role } from "../../../src/auth/permissions.js";
import { diffRecipes } from "../../../src/recipes/recipe-diff.js";
import { type RecipeAction, decideTransition, loadableIn } from "../../../src/recipes/recipe-lifecycle.js";
import type { Recipe } from "../../../src/recipes/recipe-schema.js";
import type { TransitionResult } from "../../../src/recipes/recipe-version-port.js";
import { RecipeStore } from "../../../src/stores/recipe-store.js";
import { SqliteRecipeVersionStore, recipeHash } from "../../../src/stores/recipe-version-store.js";
import { SCADA_DB_FILE, SqliteUserStore } from "../../../src/stores/user-store.js";

const T0 = Date.UTC(2026, 2, 2, 8, 0, 0);
const files = new RecipeStore("plc-config");
const recipeOf = (alloy: string): Recipe => structuredClone(files.get(alloy)!.recipe!);
const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");
const fileSha = (alloy: string): string => sha256(readFileSync(join("plc-config", "recipes", `${alloy}.yaml`), "utf8"));
const seedFile = (alloy: string) => ({ alloy, recipe: recipeOf(alloy), fileSha256: fileSha(alloy) });

const ENGINEER = { user: "ed", role: "engineer" as Role };
const ENGINEER2 = { user: "eva", role: "engineer" as Role };
const QA = { user: "quinn", role: "qa" as Role };
const ADMIN = { user: "ada", role: "admin" as Role };

describe("recipe version store (SQLite)", () => {
  let dir: string;
  let store: SqliteRecipeVersionStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "recipe-versions-"));
    store = SqliteRecipeVersionStore.open(dir);
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** decideTransition, then the store applies it signed with the decision's meaning. */
  function act(alloy: string, v: number, action: RecipeAction, actor: { user: string; role: Role }, reason: string | null, now = T0): TransitionResult | { ok: false; code: string } {
    const version = store.get(alloy, v);
    assert.ok(version, `${alloy} v${v}`);
    const d = decideTransition(version, action, actor, reason);
    if (!d.ok) return d;
    const meaning = d.meaning!;
    return store.transition({ alloy, v, to: d.to, by: actor.user, meaning, reason, signature: { name: actor.user, meaning, time: now }, now });
  }

  function draft(basedOn: number | null, author = ENGINEER.user, change: (r: Recipe) => void = () => {}, alloy = "BiSb") {
    const recipe = recipeOf(alloy);
    change(recipe);
    const made = store.createDraft({ alloy, basedOn, reason: "hotter peak for smaller particles", recipe, author, now: T0 + 1000 });
    assert.ok(made.ok, JSON.stringify(made));
    return made.version;
  }

  it("adds its tables to scada.db beside the user tables, in WAL mode, without touching PRAGMA user_version", () => {
    const users = SqliteUserStore.open(dir);
    users.close();
    const db = new Database(join(dir, SCADA_DB_FILE), { readonly: true });
    try {
      assert.equal(db.pragma("journal_mode", { simple: true }), "wal");
      assert.equal(db.pragma("user_version", { simple: true }), 1);
      const tables = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all().map((r) => r.name);
      for (const t of ["recipes", "recipe_versions", "recipe_history", "recipe_draft_edits", "recipe_loads", "store_schema_versions", "users"]) assert.ok(tables.includes(t), t);
      assert.deepEqual(db.prepare("SELECT area, version FROM store_schema_versions").all(), [{ area: "recipes", version: 1 }]);
    } finally {
      db.close();
    }
  });

  it("refuses recipe tables newer than it knows", () => {
    store.close();
    const db = new Database(join(dir, SCADA_DB_FILE));
    db.prepare("UPDATE store_schema_versions SET version = 99 WHERE area = 'recipes'").run();
    db.close();
    assert.throws(() => SqliteRecipeVersionStore.open(dir), /recipe tables are version 99, newer than this program knows \(1\)/);
    store = SqliteRecipeVersionStore.open(join(dir, "other"));
  });

  it("seeds v1 Approved from the files on first start, with the digest in the history; seeding again does nothing", () => {
    assert.deepEqual(store.seedFromFiles([seedFile("BiSb"), seedFile("Sb")], T0), ["BiSb", "Sb"]);
    const v1 = store.approved("BiSb")!;
    assert.equal(v1.version, 1);
    assert.equal(v1.state, "approved");
    assert.equal(v1.source, "config");
    assert.equal(v1.author, "system");
    assert.equal(v1.fileSha256, fileSha("BiSb"));
    assert.equal(v1.hash, sha256(canonicalJson(recipeOf("BiSb"))));
    assert.equal(v1.hash, recipeHash(v1.recipe));
    assert.deepEqual(v1.recipe, recipeOf("BiSb"));
    const [h] = store.history("BiSb", 1);
    assert.equal(h!.meaning, "imported from the configuration");
    assert.equal(h!.from, null);
    assert.equal(h!.to, "approved");
    assert.match(h!.reason!, new RegExp(`recipes/BiSb.yaml, sha256 ${fileSha("BiSb")}`));

    const changed = { ...seedFile("BiSb"), fileSha256: "f".repeat(64) };
    assert.deepEqual(store.seedFromFiles([changed, seedFile("Sb"), seedFile("CoSb")], T0 + 5000), ["CoSb"]);
    assert.equal(store.list().find((r) => r.alloy === "BiSb")!.versions.length, 1);
    assert.equal(store.history("BiSb").length, 1);
    assert.equal(store.approved("BiSb")!.fileSha256, fileSha("BiSb"));
    assert.equal(store.fileDiffers("BiSb", "f".repeat(64)), true, "the shipped file changed since it was imported");
    assert.equal(store.fileDiffers("BiSb", fileSha("BiSb")), false);
    assert.equal(store.fileDiffers("NoSuch", "f".repeat(64)), false);
  });

  it("a draft based on the approved version; the author cannot approve it; someone else approves and the old one is superseded", () => {
    store.seedFromFiles([seedFile("BiSb")], T0);
    const v2 = draft(1, ENGINEER.user, (r) => (r.htr.peakTempK = 1360));
    assert.deepEqual([v2.version, v2.state, v2.basedOn, v2.revision, v2.source], [2, "draft", 1, 1, "user"]);
    assert.ok(act("BiSb", 2, "submit", ENGINEER, null).ok);
    assert.deepEqual(act("BiSb", 2, "approve", { user: "ed", role: "admin" }, null), {
      ok: false,
      code: "author-cannot-approve",
      reason: "ed wrote or submitted this version and may not approve it: someone else must review it",
    });
    const approved = act("BiSb", 2, "approve", QA, "checked against the trial roll");
    assert.ok(approved.ok && "superseded" in approved);
    assert.equal(approved.superseded, 1);
    assert.equal(store.get("BiSb", 1)!.state, "superseded");
    assert.equal(store.approved("BiSb")!.version, 2);
    const history = store.history("BiSb").map((h) => `v${h.version} ${h.from ?? "-"}→${h.to} ${h.by} "${h.meaning}" ${h.signature ? `signed ${h.signature.name}/${h.signature.meaning}` : "unsigned"}`);
    assert.deepEqual(history, [
      'v1 -→approved system "imported from the configuration" unsigned',
      'v2 -→draft ed "created" unsigned',
      'v2 draft→in-review ed "authored" signed ed/authored',
      'v1 approved→superseded quinn "superseded" unsigned',
      'v2 in-review→approved quinn "reviewed and approved" signed quinn/reviewed and approved',
    ]);
  });

  it("whoever saved or submitted a draft counts as its author too", () => {
    const v = draft(null, "ed");
    assert.ok(store.saveDraft({ alloy: "BiSb", v: v.version, revision: 1, reason: "tension", recipe: recipeOf("BiSb"), by: "eva", now: T0 + 2000 }).ok);
    assert.ok(act("BiSb", v.version, "submit", ADMIN, null).ok);
    assert.deepEqual([...store.get("BiSb", v.version)!.contributors].sort(), ["ada", "ed", "eva"]);
    for (const user of ["ed", "eva", "ada"]) assert.equal((act("BiSb", v.version, "approve", { user, role: "admin" }, null) as { code?: string }).code, "author-cannot-approve");
    assert.ok(act("BiSb", v.version, "approve", QA, null).ok);
  });

  it("exactly one approved version per recipe, however many are approved; the database refuses a second", () => {
    store.seedFromFiles([seedFile("BiSb"), seedFile("Sb")], T0);
    for (let i = 0; i < 5; i++) {
      const v = draft(store.approved("BiSb")!.version, ENGINEER.user, (r) => (r.htr.peakTempK = 1341 + i));
      assert.ok(act("BiSb", v.version, "submit", ENGINEER, null).ok);
      assert.ok(act("BiSb", v.version, "approve", QA, null).ok);
    }
    const bisb = store.list().find((r) => r.alloy === "BiSb")!;
    assert.deepEqual(bisb.versions.map((v) => v.state), ["superseded", "superseded", "superseded", "superseded", "superseded", "approved"]);
    assert.equal(bisb.approved, 6);
    assert.equal(store.approved("Sb")!.version, 1, "another recipe's approved version is untouched");
    const v7 = draft(6);
    assert.ok(act("BiSb", v7.version, "submit", ENGINEER, null).ok);
    const db = new Database(join(dir, SCADA_DB_FILE));
    try {
      // in review → approved is a lifecycle edge, but approving beside v6 without superseding it is not.
      assert.throws(() => db.prepare("UPDATE recipe_versions SET state = 'approved' WHERE alloy = 'BiSb' AND version = 7").run(), /UNIQUE constraint failed/);
    } finally {
      db.close();
    }
  });

  it("a rejected version stays rejected: editing continues as a new draft based on it", () => {
    store.seedFromFiles([seedFile("BiSb")], T0);
    const v2 = draft(1);
    assert.ok(act("BiSb", 2, "submit", ENGINEER, null).ok);
    assert.equal((act("BiSb", 2, "reject", QA, "") as { code?: string }).code, "reason-required");
    assert.ok(act("BiSb", 2, "reject", QA, "loading tolerance too wide").ok);
    assert.equal(store.get("BiSb", 2)!.state, "rejected");
    const edit = store.saveDraft({ alloy: "BiSb", v: 2, revision: v2.revision, reason: "fix", recipe: v2.recipe, by: "ed", now: T0 + 3000 });
    assert.equal(!edit.ok && edit.code, "not-a-draft");
    const v3 = draft(2);
    assert.deepEqual([v3.version, v3.state, v3.basedOn], [3, "draft", 2]);
    assert.match(store.history("BiSb", 3)[0]!.reason!, /^based on version 2: /);
    assert.equal(store.approved("BiSb")!.version, 1, "a rejection leaves the approved version as it was");
  });

  it("a stale save is refused naming who changed the draft since, when, and its revision", () => {
    const v = draft(null);
    const save = (revision: number, by: string, peak: number) => {
      const recipe = recipeOf("BiSb");
      recipe.htr.peakTempK = peak;
      return store.saveDraft({ alloy: "BiSb", v: v.version, revision, reason: `peak ${peak}`, recipe, by, now: T0 + peak });
    };
    const first = save(1, "eva", 1350);
    assert.ok(first.ok);
    assert.deepEqual([first.version.revision, first.version.updatedBy, first.version.recipe.htr.peakTempK], [2, "eva", 1350]);
    const stale = save(1, "ed", 1355);
    assert.equal(!stale.ok && stale.code, "stale");
    assert.deepEqual(!stale.ok && "stale" in stale && stale.stale, { changedBy: "eva", changedAt: T0 + 1350, revision: 2 });
    assert.match(!stale.ok ? stale.message : "", /changed by eva since revision 1 \(now revision 2\)/);
    assert.equal(store.get("BiSb", v.version)!.recipe.htr.peakTempK, 1350);
    assert.ok(save(2, "ed", 1355).ok);
    assert.deepEqual(store.edits("BiSb", v.version).map((e) => `${e.revision} ${e.by} ${e.reason}`), ["1 ed hotter peak for smaller particles", "2 eva peak 1350", "3 ed peak 1355"]);
    assert.equal((store.saveDraft({ alloy: "BiSb", v: v.version, revision: 3, reason: " ", recipe: v.recipe, by: "ed", now: T0 }) as { code: string }).code, "reason-required");
  });

  it("immutable once submitted: no save, and the database refuses any change of content, history or loads", () => {
    const v = draft(null);
    assert.ok(act("BiSb", v.version, "submit", ENGINEER, null).ok);
    const save = store.saveDraft({ alloy: "BiSb", v: v.version, revision: 1, reason: "late fix", recipe: v.recipe, by: "ed", now: T0 });
    assert.equal(!save.ok && save.code, "not-a-draft");
    store.recordLoad({ alloy: "BiSb", version: v.version, at: T0, by: "olga", mode: "Maintenance", lineState: "Idle", verdict: "verified", trial: true, detail: null });
    const db = new Database(join(dir, SCADA_DB_FILE));
    try {
      assert.throws(() => db.prepare("UPDATE recipe_versions SET content = '{}' WHERE version = ?").run(v.version), /immutable once submitted/);
      assert.throws(() => db.prepare("UPDATE recipe_versions SET reason = 'other'").run(), /never change/);
      assert.throws(() => db.prepare("UPDATE recipe_versions SET state = 'draft'").run(), /lifecycle/);
      assert.throws(() => db.prepare("DELETE FROM recipe_versions").run(), /never deleted/);
      for (const t of ["recipe_history", "recipe_loads", "recipe_draft_edits", "recipes"]) {
        assert.throws(() => db.prepare(`DELETE FROM ${t}`).run(), /append-only/, t);
        assert.throws(() => db.prepare(`UPDATE ${t} SET at = 0`.replace("recipes SET at", "recipes SET created_at")).run(), /append-only/, t);
      }
    } finally {
      db.close();
    }
  });

  it("refuses a state change the version is no longer in (two reviewers at once), an unsigned one, and unknown versions", () => {
    const v = draft(null);
    assert.ok(act("BiSb", v.version, "submit", ENGINEER, null).ok);
    const sig = { name: "quinn", meaning: "reviewed and approved", time: T0 };
    const req = { alloy: "BiSb", v: v.version, by: "quinn", meaning: sig.meaning, reason: null, signature: sig, now: T0 };
    assert.ok(store.transition({ ...req, to: "rejected", meaning: "rejected", reason: "no" }).ok);
    const late = store.transition({ ...req, to: "approved" });
    assert.deepEqual(!late.ok && [late.code, "state" in late && late.state], ["wrong-state", "rejected"]);
    assert.equal((store.transition({ ...req, to: "superseded" }) as { code: string }).code, "wrong-state");
    assert.equal((store.transition({ ...req, to: "approved", signature: null }) as { code: string }).code, "signature-invalid");
    assert.equal((store.transition({ ...req, to: "approved", signature: { ...sig, name: "" } }) as { code: string }).code, "signature-invalid");
    assert.equal((store.transition({ ...req, v: 99, to: "approved" }) as { code: string }).code, "unknown-version");
    assert.equal((store.createDraft({ alloy: "BiSb", basedOn: 42, reason: "x", recipe: recipeOf("BiSb"), author: "ed", now: T0 }) as { code: string }).code, "unknown-version");
    assert.equal((store.createDraft({ alloy: "Sb", basedOn: null, reason: "x", recipe: recipeOf("BiSb"), author: "ed", now: T0 }) as { code: string }).code, "alloy-mismatch");
    assert.equal((store.createDraft({ alloy: "BiSb", basedOn: null, reason: "", recipe: recipeOf("BiSb"), author: "ed", now: T0 }) as { code: string }).code, "reason-required");
  });

  it("approved → obsolete (withdrawn, reason required): then no version is approved", () => {
    store.seedFromFiles([seedFile("BiSb")], T0);
    assert.equal((act("BiSb", 1, "obsolete", QA, null) as { code: string }).code, "reason-required");
    assert.equal((act("BiSb", 1, "obsolete", ENGINEER, "x") as { code: string }).code, "not-permitted");
    assert.ok(act("BiSb", 1, "obsolete", QA, "precursor supplier discontinued").ok);
    assert.equal(store.approved("BiSb"), undefined);
    assert.equal(store.list()[0]!.approved, null);
    assert.equal(store.history("BiSb", 1).at(-1)!.signature!.meaning, "withdrawn");
    assert.equal(loadableIn("Production", store.get("BiSb", 1)!.state).ok, false);
  });

  it("records where each version was used (append-only), trial flag and read-back verdict", () => {
    store.seedFromFiles([seedFile("BiSb")], T0);
    const v2 = draft(1);
    const trial = loadableIn("Maintenance", v2.state);
    assert.deepEqual([trial.ok, trial.trial], [true, true]);
    const a = store.recordLoad({ alloy: "BiSb", version: 1, at: T0 + 10, by: "olga", mode: "Production", lineState: "Idle", verdict: "verified", trial: false, detail: null });
    const b = store.recordLoad({ alloy: "BiSb", version: 2, at: T0 + 20, by: "ed", mode: "Maintenance", lineState: "Stopped", verdict: "mismatch", trial: true, detail: "htr.peak_sp differs" });
    assert.ok(b.seq > a.seq);
    assert.deepEqual(store.loads("BiSb", 2), [b]);
    assert.deepEqual(store.loads("BiSb").map((l) => [l.version, l.trial, l.verdict, l.lineState, l.mode]), [[1, false, "verified", "Idle", "Production"], [2, true, "mismatch", "Stopped", "Maintenance"]]);
    assert.throws(() => store.recordLoad({ ...a, version: 9 }), /FOREIGN KEY/);
  });

  it("close and reopen: every version, its content, its history and its loads are still there", () => {
    store.seedFromFiles([seedFile("BiSb"), seedFile("Cu2Sb")], T0);
    const v2 = draft(1, "ed", (r) => (r.rinse.dryerTempK = 400));
    act("BiSb", 2, "submit", ENGINEER, null);
    act("BiSb", 2, "approve", QA, null);
    store.recordLoad({ alloy: "BiSb", version: 2, at: T0, by: "olga", mode: "Production", lineState: "Idle", verdict: "verified", trial: false, detail: null });
    const before = { list: store.list(), v2: store.get("BiSb", 2), history: store.history("BiSb"), loads: store.loads("BiSb"), edits: store.edits("BiSb", 2) };
    store.close();
    store = SqliteRecipeVersionStore.open(dir);
    assert.deepEqual({ list: store.list(), v2: store.get("BiSb", 2), history: store.history("BiSb"), loads: store.loads("BiSb"), edits: store.edits("BiSb", 2) }, before);
    assert.equal(store.get("BiSb", 2)!.hash, v2.hash);
    assert.deepEqual(store.seedFromFiles([seedFile("BiSb"), seedFile("Cu2Sb")], T0 + 99), []);
  });

  it("diff of two stored versions, field by field with units", () => {
    store.seedFromFiles([seedFile("BiSb")], T0);
    draft(1, "ed", (r) => {
      r.htr.peakTempK = 1360;
      r.htr.argonFlowLpm = 35;
      r.rinse.conductivityEndpointUsCm = 40;
    });
    const changes = diffRecipes(store.get("BiSb", 1)!.recipe, store.get("BiSb", 2)!.recipe);
    assert.deepEqual(changes.map((c) => `${c.path}: ${c.from} → ${c.to} ${c.units}`), ["htr.peakTempK: 1340 → 1360 K", "htr.argonFlowLpm: 30 → 35 L/min", "rinse.conductivityEndpointUsCm: 50 → 40 µS/cm"]);
  });

  it("1 000 versions: list, get and diff stay fast (measured, not asserted)", function () {
    this.timeout(120_000);
    store.seedFromFiles([seedFile("BiSb")], T0);
    const base = recipeOf("BiSb");
    let t = performance.now();
    for (let i = 2; i <= 1000; i++) {
      const recipe = structuredClone(base);
      recipe.htr.peakTempK = 1300 + (i % 100);
      const made = store.createDraft({ alloy: "BiSb", basedOn: i - 1, reason: `step ${i}`, recipe, author: i % 2 ? "ed" : "eva", now: T0 + i });
      assert.ok(made.ok);
    }
    const writeMs = performance.now() - t;
    t = performance.now();
    const list = store.list();
    const listMs = performance.now() - t;
    assert.equal(list[0]!.versions.length, 1000);
    t = performance.now();
    for (let i = 1; i <= 1000; i += 10) assert.ok(store.get("BiSb", i));
    const getMs = (performance.now() - t) / 100;
    t = performance.now();
    const changes = diffRecipes(store.get("BiSb", 1)!.recipe, store.get("BiSb", 1000)!.recipe);
    const diffMs = performance.now() - t;
    assert.deepEqual(changes.map((c) => c.path), ["htr.peakTempK"]);
    console.log(`      999 drafts written in ${writeMs.toFixed(0)} ms; list ${listMs.toFixed(1)} ms; get ${getMs.toFixed(2)} ms each; get ×2 + diff ${diffMs.toFixed(2)} ms`);
  });
});
