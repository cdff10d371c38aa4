import assert from "node:assert/strict";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import type { Runtime } from "../../src/runtime/runtime-options.js";
import type { LineJson, RecipeListEntryJson, RecipeVersionJson } from "../../src/server/socket-contract.js";
import { type ApiClient, TEST_ADMIN_PASSWORD, adminClient, newUserClient } from "../helpers/api-client.js";
import { HMI_ARTIFACTS as ARTIFACTS, type TestBrowser, ensureHmiBuilt, hmiGo, hmiLogIn, hmiLogOut, launchChromium } from "../helpers/hmi-browser.js";
import { type TestConfig, realConfigOnFreePorts } from "../helpers/test-config.js";
import { testRuntime, waitForTagsGood } from "../helpers/test-runtime.js";
import { waitFor } from "../helpers/wait-for.js";

const PASSWORDS = { engineer1: "Quartz-Ladder-2290", engineer2: "Copper-Meadow-7731", qa1: "Birch-Signal-5120", operator1: "Kiln-Orange-4417", viewer1: "Meadow-Signal-8053" };
const PEAK = "field-htr.peakTempK";

/**
 * Recipes on the HMI in Chromium against a real runtime on the virtual plant: an engineer writes BiSb v2
 * (peak 1340 → 1360 K, with a reason) and sees its predicted pulse ≈ 20 K above the approved v1's; a save
 * on a stale revision is refused naming who changed it; he submits it (signed) and has no Approve button, and
 * the API refuses his approval; QA approves it (signed); an operator loads it and the read-back is verified;
 * the diff v1 ↔ v2 is exactly the peak; a draft loaded in Maintenance shows TRIAL in the header.
 * Screenshots in test-artifacts/hmi/recipes-*.png.
 */
describe("e2e: recipes on the HMI in Chromium", function () {
  this.timeout(300_000);
  let tc: TestConfig;
  let runtime: Runtime;
  let url: string;
  let dataDir: string;
  let browser: TestBrowser | undefined;
  let page: Page;
  let admin: ApiClient;
  let engineer: ApiClient;
  let engineer2: ApiClient;

  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `recipes-${name}.png`), fullPage: true });
  const go = (hash: string) => hmiGo(page, hash);
  const logIn = (user: keyof typeof PASSWORDS) => hmiLogIn(page, url, user, PASSWORDS[user]);
  const testId = (id: string) => page.getByTestId(id);
  const attr = async (id: string, name: string) => (await testId(id).getAttribute(name)) ?? "";
  const text = async (id: string) => ((await testId(id).textContent()) ?? "").trim();
  /** Waits for the version view of `version` in `state`, its preview drawn. */
  const versionShown = async (version: number, state: string) => {
    await waitFor(`v${version} shown as ${state}`, 15_000, async () => (await testId("version-detail").count()) === 1 && (await attr("version-detail", "data-version")) === String(version) && (await attr("version-detail", "data-state")) === state, 50);
    await waitFor("the preview drawn", 20_000, async () => /ready|error/.test(await attr("preview-chart", "data-state")), 50);
    assert.equal(await attr("preview-chart", "data-state"), "ready", `preview of v${version}: ${await text("preview-panel")}`);
  };
  /** Signs the open signature dialog: its meaning pre-filled with `meaning`. */
  const sign = async (password: string, meaning: string, reason?: string) => {
    const dialog = testId("signature-dialog");
    await dialog.waitFor();
    assert.equal(await testId("sig-meaning").inputValue(), meaning);
    if (reason) await testId("sig-reason").fill(reason);
    await testId("sig-password").fill(password);
    await testId("sig-submit").click();
    await waitFor("the dialog closed (or refused)", 15_000, async () => (await dialog.count()) === 0 || (await testId("sig-error").isVisible()), 50);
    if ((await dialog.count()) > 0) throw new Error(`signature refused: ${await text("sig-error")}`);
  };
  const actions = async () => (await attr("version-actions", "data-actions")).split(",").filter(Boolean);
  const line = () => admin.getJson<LineJson>("/api/line");

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    ensureHmiBuilt();
    tc = await realConfigOnFreePorts();
    ({ runtime, dataDir } = testRuntime(tc));
    ({ url } = await runtime.start());
    await waitForTagsGood(runtime, 20_000);
    await waitFor("safe boot outputs written", 5000, () => runtime.line.bootOutputsWritten());
    admin = await adminClient(url);
    engineer = await newUserClient(admin, "engineer1", "engineer", PASSWORDS.engineer1);
    engineer2 = await newUserClient(admin, "engineer2", "engineer", PASSWORDS.engineer2);
    await newUserClient(admin, "qa1", "qa", PASSWORDS.qa1);
    await newUserClient(admin, "operator1", "operator", PASSWORDS.operator1);
    await newUserClient(admin, "viewer1", "viewer", PASSWORDS.viewer1);
    browser = await launchChromium();
    ({ page } = browser);
  });

  after(async () => {
    await browser?.close();
    await runtime?.stop();
    for (const d of [dataDir, tc?.dir]) if (d) rmSync(d, { recursive: true, force: true });
  });

  it("engineer: BiSb listed with its approved v1; v1 read-only with its history, fields with units and ranges, and its preview beside the paper's", async () => {
    const list = await engineer.getJson<RecipeListEntryJson[]>("/api/recipes");
    assert.equal(list.find((e) => e.alloy === "BiSb")?.approved, 1, "BiSb v1 approved (imported from the file)");
    await logIn("engineer1");
    await testId("nav-recipes").click();
    await testId("recipe-row-BiSb").waitFor();
    assert.equal(await attr("recipe-row-BiSb", "data-approved"), "1");
    assert.match(await text("recipe-approved-BiSb"), /v1 APPROVED/);
    await testId("recipe-open-BiSb").click();
    await versionShown(1, "approved");
    assert.equal(await testId(PEAK).getAttribute("data-value"), "1340", "read-only: not a draft");
    assert.equal(await text("field-units-htr.peakTempK"), "K");
    assert.equal(await text("field-range-htr.peakTempK"), "300 … 3000 K");
    assert.deepEqual((await actions()).sort(), ["load-version", "new-draft"], "an engineer loads the approved version or starts a new draft from it; no approval steps");
    assert.match(await attr("preview-chart", "data-series"), /^v1:\d+;paper: 1340 K[^:]*:4$/);
    assert.ok(Number(await attr("preview-chart", "data-points")) > 50, "the predicted curve has points");
    assert.ok(Math.abs(Number(await attr("preview-peakK", "data-value")) - 1340) < 15, `v1 peaks near 1340 K (${await text("preview-peakK")})`);
    assert.ok((await testId("history-row-0").count()) === 1, "v1 has a history");
    await shot("01-v1-approved-engineer");
  });

  it("engineer: a new draft from v1 with peak 1360 K; the reason is mandatory; the preview's peak moves ≈ 20 K above the approved v1's", async () => {
    await testId("new-draft").click();
    await testId("new-draft").waitFor();
    await testId(PEAK).fill("1360");
    await testId("save-draft").click();
    await waitFor("refused without a reason", 5000, async () => /reason is mandatory/.test(await text("save-result")), 50);
    await testId("change-reason").fill("BiSb trial: 20 K hotter peak for better alloying (DoE run 14)");
    await shot("02-new-draft-editing");
    await testId("save-draft").click();
    await versionShown(2, "draft");
    assert.match(await text("version-result"), /v2 created as a draft from v1/);
    assert.equal(await testId(PEAK).inputValue(), "1360");
    const peak = Number(await attr("preview-peakK", "data-value"));
    const base = Number(await attr("preview-base-peakK", "data-value"));
    console.log(`      preview peak: v1 ${base.toFixed(1)} K → v2 ${peak.toFixed(1)} K (${await text("preview-delta-peakK")})`);
    assert.ok(Math.abs(peak - base - 20) < 5, `the peak moved by ≈ 20 K (${base} → ${peak})`);
    assert.match(await attr("preview-chart", "data-series"), /^v2:\d+;v1 \(approved\):\d+;paper/);
    assert.deepEqual((await actions()).sort(), ["diff-approved", "new-draft", "submit-version"]);
    await shot("03-v2-draft-preview");
  });

  it("a save on a stale revision is refused (409) naming who changed the draft since", async () => {
    const v2 = await engineer.getJson<RecipeVersionJson>("/api/recipes/BiSb/versions/2");
    const r = await engineer2.request("/api/recipes/BiSb/versions/2", {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ revision: v2.revision, reason: "tolerance note checked, no change", recipe: v2.recipe }),
    });
    assert.equal(r.status, 200, await r.text());
    // The page still holds the old revision.
    await testId("change-reason").fill("hold time unchanged");
    await testId("save-draft").click();
    await waitFor("the stale save refused", 10_000, async () => (await attr("save-result", "data-outcome")) === "refused", 50);
    const message = await text("save-result");
    assert.equal(await attr("save-result", "data-code"), "SCADA_ERR_RECIPE_STALE");
    assert.match(message, /engineer2/, "names who changed it");
    await shot("04-stale-save-refused");
    await testId("reload-version").click();
    await waitFor("the current revision opened", 10_000, async () => (await attr("version-detail", "data-revision")) === String(v2.revision + 1), 50);
    await versionShown(2, "draft");
  });

  it("engineer: submits v2 signed 'authored'; no Approve button for him, and the API refuses his approval", async () => {
    await testId("submit-version").click();
    await sign(PASSWORDS.engineer1, "authored");
    await versionShown(2, "in-review");
    assert.equal(await testId("approve-version").count(), 0, "no Approve button for the author");
    assert.equal(await testId("save-draft").count(), 0, "in review: immutable");
    const submitted = testId("version-history").locator('[data-to="in-review"]');
    assert.equal(await submitted.getAttribute("data-signed"), "true");
    assert.match((await submitted.textContent()) ?? "", /engineer1 — authored/);
    // He may not approve at all (engineers hold no recipes:approve); that nobody approves his own is the admin's case below.
    const r = await engineer.post("/api/recipes/BiSb/versions/2/approve", { signature: { password: PASSWORDS.engineer1, meaning: "reviewed and approved" } });
    const body = (await r.json()) as { error?: { code?: string; message?: string } };
    console.log(`      engineer1 approving his own v2: ${r.status} ${body.error?.code} — ${body.error?.message}`);
    assert.equal(r.status, 403);
    assert.match(body.error?.code ?? "", /^SCADA_ERR_(AUTH_FORBIDDEN|RECIPE_AUTHOR_CANNOT_APPROVE)$/);
    await shot("05-v2-in-review-engineer");
  });

  it("qa: approves v2 signed 'reviewed and approved'; v1 is superseded", async () => {
    await hmiLogOut(page);
    await logIn("qa1");
    await go("#/recipes/BiSb/2");
    await versionShown(2, "in-review");
    assert.deepEqual((await actions()).sort(), ["approve-version", "diff-approved", "reject-version"]);
    assert.equal(await testId("save-draft").count(), 0);
    // A wrong password: the server's refusal in the dialog, nothing changed.
    await testId("approve-version").click();
    await testId("sig-password").fill("not-my-password-1");
    await testId("sig-submit").click();
    await testId("sig-error").waitFor();
    assert.match(await text("sig-error"), /^Refused: \S/);
    console.log(`      qa1 with a wrong password: ${await text("sig-error")}`);
    await shot("06a-approve-wrong-password");
    await sign(PASSWORDS.qa1, "reviewed and approved");
    await versionShown(2, "approved");
    assert.match(await text("version-result"), /approved: signed "reviewed and approved" by qa1/);
    const approvedRow = testId("version-history").locator('[data-to="approved"]');
    assert.match((await approvedRow.textContent()) ?? "", /qa1 — reviewed and approved/);
    assert.equal(await attr("recipe-row-BiSb", "data-approved"), "2");
    assert.equal(await attr("version-row-1", "data-state"), "superseded");
    await shot("06b-v2-approved-qa");
  });

  it("operator: loads v2, the read-back is verified, /api/line and the header say v2", async () => {
    await hmiLogOut(page);
    await logIn("operator1");
    await go("#/recipes/BiSb/2");
    await versionShown(2, "approved");
    assert.deepEqual(await actions(), ["load-version"], "an operator only loads");
    await testId("load-version").click();
    await waitFor("the load answered", 30_000, async () => (await attr("version-result", "data-outcome")) !== "", 100);
    assert.equal(await attr("version-result", "data-read-back"), "verified", await text("version-result"));
    assert.match(await text("version-result"), /BiSb v2 loaded: read-back verified/);
    const loaded = await admin.getJson<{ state: string; version: number | null; alloy: string }>("/api/recipes/loaded");
    assert.deepEqual([loaded.alloy, loaded.version, loaded.state], ["BiSb", 2, "verified"]);
    const l = await line();
    assert.deepEqual([l.loadedRecipe.alloy, l.loadedRecipe["version"], l.loadedRecipe["trial"]], ["BiSb", 2, false]);
    await waitFor("the header shows BiSb v2", 10_000, async () => (await text("header-recipe-name")) === "BiSb v2", 50);
    assert.equal(await testId("trial-badge").isVisible(), false);
    await waitFor("where used: the load", 10_000, async () => (await testId("load-row-0").count()) === 1, 50);
    assert.equal(await attr("load-row-0", "data-verdict"), "verified");
    await shot("07-v2-loaded-operator");
    await go("#/overview");
    await waitFor("the overview KPI names recipe and version", 10_000, async () => /^BiSb v2 \(verified\)$/.test(await text("kpi-recipe")), 50);
  });

  it("the diff v1 ↔ v2 is exactly the peak (K, 1340 → 1360), with both curves overlaid", async () => {
    await go("#/recipes/BiSb/diff/1/2");
    await testId("diff-rows").waitFor();
    assert.equal(await attr("diff-rows", "data-count"), "1");
    const row = testId("diff-row-htr.peakTempK");
    assert.match(((await row.textContent()) ?? "").replace(/\s+/g, " "), /htr\.peakTempK\s*K\s*1340\s*→\s*1360\s*changed/);
    await waitFor("the diff chart drawn", 20_000, async () => (await attr("diff-chart", "data-state")) === "ready", 50);
    assert.match(await attr("diff-chart", "data-series"), /^v2:\d+;v1:\d+;paper/);
    await shot("08-diff-v1-v2");
  });

  it("engineer: an invalid draft (peak 1600 K) is saved with the server's problems at the field; the preview says why, and the submit is refused with the server's reason", async () => {
    await hmiLogOut(page);
    await logIn("engineer1");
    await go("#/recipes/BiSb/new/2");
    await testId("new-draft").waitFor();
    await testId(PEAK).fill("1600");
    await testId("change-reason").fill("how far can the peak go? (expected to fail)");
    await testId("save-draft").click();
    await waitFor("the invalid draft created", 15_000, async () => (await testId("version-detail").count()) === 1 && (await attr("version-detail", "data-state")) === "draft", 50);
    const v = Number(await attr("version-detail", "data-version"));
    await versionShown(v, "draft");
    assert.ok(Number(await attr("recipe-problem-count", "data-count")) > 0, "the server names problems");
    await testId("field-error-htr.peakTempK").waitFor();
    console.log(`      v${v} htr.peakTempK: ${await text("field-error-htr.peakTempK")}`);
    assert.match(await text("field-error-htr.peakTempK"), /\S/);
    assert.equal(await attr("preview-verdict", "data-submittable"), "false");
    console.log(`      preview: ${await text("preview-verdict")}`);
    await shot("09a-invalid-draft-problems");
    await testId("submit-version").click();
    await testId("sig-password").fill(PASSWORDS.engineer1);
    await testId("sig-submit").click();
    await testId("sig-error").waitFor();
    console.log(`      submit v${v}: ${await text("sig-error")}`);
    assert.match(await text("sig-error"), /^Refused: \S/);
    await shot("09b-invalid-draft-submit-refused");
    await testId("sig-cancel").click();
    assert.equal(await attr("version-detail", "data-state"), "draft");
    await hmiLogOut(page);
    await logIn("operator1");
  });

  it("a draft loaded in Maintenance mode is a TRIAL: badge in the header", async () => {
    // A new draft v3 (engineer, REST), then the line into Maintenance (admin holds line:mode).
    const created = await engineer.post("/api/recipes/BiSb/versions", { basedOn: 2, reason: "trial of a shorter hold", recipe: { ...(await engineer.getJson<RecipeVersionJson>("/api/recipes/BiSb/versions/2")).recipe } });
    const createdBody = await created.text();
    assert.equal(created.status, 201, createdBody);
    const v3 = (JSON.parse(createdBody) as { version: number }).version;
    await go(`#/recipes/BiSb/${v3}`);
    await versionShown(v3, "draft");
    assert.equal(await testId("load-trial").count(), 0, "in Production a draft does not load");
    const mode = await engineer.post("/api/line/mode", { mode: "Maintenance" });
    const modeBody = await mode.text();
    assert.equal(mode.status, 200, modeBody);
    await waitFor("the Load as TRIAL button (Maintenance)", 10_000, async () => (await testId("load-trial").count()) === 1, 50);
    await testId("load-trial").click();
    await waitFor("the trial load answered", 30_000, async () => (await attr("version-result", "data-outcome")) !== "", 100);
    assert.match(await text("version-result"), new RegExp(`BiSb v${v3} TRIAL loaded: read-back verified`));
    await waitFor("TRIAL in the header", 10_000, () => testId("trial-badge").isVisible(), 50);
    assert.equal(await text("header-recipe-name"), `BiSb v${v3}`);
    const l = await line();
    assert.deepEqual([l.mode, l.loadedRecipe["version"], l.loadedRecipe["trial"]], ["Maintenance", v3, true]);
    await shot("10-trial-in-maintenance");
  });

  it("admin (who may approve) cannot approve a version he wrote: no Approve button, and 403 SCADA_ERR_RECIPE_AUTHOR_CANNOT_APPROVE", async () => {
    const base = await admin.getJson<RecipeVersionJson>("/api/recipes/BiSb/versions/2");
    const created = await admin.post("/api/recipes/BiSb/versions", { basedOn: 2, reason: "admin's own edit", recipe: base.recipe });
    const createdBody = await created.text();
    assert.equal(created.status, 201, createdBody);
    const v = (JSON.parse(createdBody) as { version: number }).version;
    const submit = await admin.post(`/api/recipes/BiSb/versions/${v}/submit`, { signature: { password: TEST_ADMIN_PASSWORD, meaning: "authored" } });
    const submitBody = await submit.text();
    assert.equal(submit.status, 200, submitBody);
    await hmiLogOut(page);
    await hmiLogIn(page, url, "admin", TEST_ADMIN_PASSWORD);
    await go(`#/recipes/BiSb/${v}`);
    await versionShown(v, "in-review");
    const shown = await actions();
    assert.ok(!shown.includes("approve-version"), `no Approve button for its author (${shown.join(", ")})`);
    assert.ok(shown.includes("reject-version"), "he may take it back (reject)");
    const r = await admin.post(`/api/recipes/BiSb/versions/${v}/approve`, { signature: { password: TEST_ADMIN_PASSWORD, meaning: "reviewed and approved" } });
    const body = (await r.json()) as { error?: { code?: string; message?: string } };
    console.log(`      admin approving his own v${v}: ${r.status} ${body.error?.code} — ${body.error?.message}`);
    assert.equal(r.status, 403);
    assert.equal(body.error?.code, "SCADA_ERR_RECIPE_AUTHOR_CANNOT_APPROVE");
    await shot("11-own-version-admin");
  });

  it("viewer: reads versions, history and previews; no input, no button", async () => {
    await hmiLogOut(page);
    await logIn("viewer1");
    await go("#/recipes/BiSb/2");
    await versionShown(2, "approved");
    assert.deepEqual(await actions(), []);
    assert.equal(await page.locator('[data-testid="recipe-fields"] input').count(), 0, "fields read-only");
    assert.equal(await testId(PEAK).getAttribute("data-value"), "1360");
    await shot("12-viewer-read-only");
  });
});
