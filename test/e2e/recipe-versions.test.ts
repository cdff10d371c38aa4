import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { type Socket, io as connect } from "socket.io-client";
import type { Runtime } from "../../src/runtime/runtime-options.js";
import type { Ack, ClientToServerEvents, RecipeDiffJson, RecipeListEntryJson, RecipePreviewJson, RecipeVersionJson, ServerToClientEvents } from "../../src/server/socket-contract.js";
import { type ApiClient, TEST_ADMIN_PASSWORD, adminClient, newUserClient } from "../helpers/api-client.js";
import { type TestConfig, realConfigOnFreePorts } from "../helpers/test-config.js";
import { testRuntime, waitForTagsGood } from "../helpers/test-runtime.js";

const PASSWORD = "shift-secret-2026-x";
const sign = (meaning: string, password = PASSWORD) => ({ signature: { password, meaning } });

/**
 * Recipe versions on the running SCADA, over REST and the socket, as an engineer, a qa user and an operator
 * use them: a BiSb change 1340 → 1360 K with a reason, its preview, signed submit, the author-cannot-approve
 * rule, signed approval by qa, the diff, the load of the approved version (read back, named in /api/line),
 * the production rule, a trial in Maintenance mode, and the audit records with their signatures.
 */
describe("e2e: recipe versions, review and signed approval", function () {
  this.timeout(90_000);
  let tc: TestConfig;
  let runtime: Runtime;
  let dataDir: string;
  let admin: ApiClient;
  let engineer: ApiClient;
  let qa: ApiClient;
  let operator: ApiClient;
  let bisb1: Record<string, unknown>;

  const body = async <T>(r: Response): Promise<T> => (await r.json()) as T;
  const errorOf = async (r: Response): Promise<{ status: number; code: string; message: string }> => {
    const b = await body<{ error: { code: string; message: string } }>(r);
    return { status: r.status, code: b.error.code, message: b.error.message };
  };
  const listing = async (): Promise<RecipeListEntryJson> => (await engineer.getJson<RecipeListEntryJson[]>("/api/recipes")).find((r) => r.alloy === "BiSb")!;
  const withPeak = (recipe: Record<string, unknown>, peakTempK: number) => ({ ...recipe, htr: { ...(recipe.htr as object), peakTempK } });

  before(async () => {
    tc = await realConfigOnFreePorts();
    ({ runtime, dataDir } = testRuntime(tc));
    const { url } = await runtime.start();
    admin = await adminClient(url);
    engineer = await newUserClient(admin, "erik", "engineer", PASSWORD);
    qa = await newUserClient(admin, "quinn", "qa", PASSWORD);
    operator = await newUserClient(admin, "olga", "operator", PASSWORD);
    await waitForTagsGood(runtime, 15_000);
  });

  after(async () => {
    await runtime?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(tc.dir, { recursive: true, force: true });
  });

  it("on first start every shipped recipe is v1 Approved, imported from the configuration", async () => {
    const list = await engineer.getJson<RecipeListEntryJson[]>("/api/recipes");
    assert.ok(list.length >= 8, `recipes: ${list.map((r) => r.alloy).join(", ")}`);
    for (const r of list) {
      assert.equal(r.approved, 1, r.alloy);
      assert.equal(r.versions[0]!.state, "approved");
      assert.equal(r.versions[0]!.source, "config");
      assert.equal(r.differsFromFile, false);
    }
    const v1 = await engineer.getJson<RecipeVersionJson>("/api/recipes/BiSb/versions/1");
    assert.equal(v1.history[0]!.meaning, "imported from the configuration");
    assert.deepEqual(v1.problems, []);
    bisb1 = v1.recipe;
    assert.equal((bisb1.htr as { peakTempK: number }).peakTempK, 1340);
  });

  it("bad input is refused with a clear error and changes nothing", async () => {
    const noReason = await engineer.post("/api/recipes/BiSb/versions", { basedOn: 1, recipe: bisb1 });
    assert.equal(noReason.status, 400);
    const unknownField = await errorOf(await engineer.post("/api/recipes/BiSb/versions", { basedOn: 1, reason: "try a new field", recipe: { ...bisb1, colour: "blue" } }));
    assert.equal(unknownField.code, "SCADA_ERR_RECIPE_INVALID");
    assert.match(unknownField.message, /colour/);
    const outOfRange = await errorOf(await engineer.post("/api/recipes/BiSb/versions", { basedOn: 1, reason: "far too hot", recipe: withPeak(bisb1, 5000) }));
    assert.equal(outOfRange.code, "SCADA_ERR_RECIPE_INVALID");
    assert.match(outOfRange.message, /htr\.peakTempK/);
    const byOperator = await errorOf(await operator.post("/api/recipes/BiSb/versions", { basedOn: 1, reason: "operators do not author", recipe: bisb1 }));
    assert.equal(byOperator.code, "SCADA_ERR_AUTH_FORBIDDEN");
    assert.equal((await listing()).versions.length, 1, "nothing was created");
  });

  it("an engineer drafts 1340 → 1360 K with a reason; the preview moves; a stale save is refused naming who changed it", async () => {
    const created = await engineer.post("/api/recipes/BiSb/versions", { basedOn: 1, reason: "finer particles: 20 K hotter", recipe: withPeak(bisb1, 1360) });
    assert.equal(created.status, 201);
    assert.deepEqual(await body(created), { version: 2, state: "draft", revision: 1 });
    const saved = await engineer.put("/api/recipes/BiSb/versions/2", { revision: 1, reason: "finer particles: 20 K hotter (checked)", recipe: withPeak(bisb1, 1360) });
    assert.equal(saved.status, 200);
    const stale = await errorOf(await admin.put("/api/recipes/BiSb/versions/2", { revision: 1, reason: "an older copy", recipe: withPeak(bisb1, 1350) }));
    assert.equal(stale.status, 409);
    assert.equal(stale.code, "SCADA_ERR_RECIPE_STALE");
    assert.match(stale.message, /erik/);
    const p1 = await engineer.getJson<RecipePreviewJson>("/api/recipes/BiSb/versions/1/preview");
    const p2 = await engineer.getJson<RecipePreviewJson>("/api/recipes/BiSb/versions/2/preview");
    assert.ok(Math.abs(p1.peakK - 1340) <= 15 && Math.abs(p2.peakK - 1360) <= 15, `peaks ${p1.peakK} / ${p2.peakK}`);
    assert.ok(Math.abs(p2.peakK - p1.peakK - 20) < 3, `the preview moved by ${p2.peakK - p1.peakK} K`);
    assert.equal(p2.submittable, true, p2.reasons.join("; "));
    assert.ok(p2.curve.length > 100);
  });

  it("submit is e-signed 'authored'; a wrong password is refused and nothing changes", async () => {
    const wrong = await errorOf(await engineer.post("/api/recipes/BiSb/versions/2/submit", sign("authored", "not my password")));
    assert.equal(wrong.code, "SCADA_ERR_SIGNATURE_INVALID");
    const erik = (await admin.getJson<{ users: { name: string; failedCount: number }[] }>("/api/users")).users.find((u) => u.name === "erik");
    assert.equal(erik?.failedCount, 1, "a wrong signature password counts toward the lockout");
    const wrongMeaning = await errorOf(await engineer.post("/api/recipes/BiSb/versions/2/submit", sign("approved")));
    assert.equal(wrongMeaning.code, "SCADA_ERR_RECIPE_INVALID");
    assert.equal((await listing()).versions[1]!.state, "draft");
    const ok = await engineer.post("/api/recipes/BiSb/versions/2/submit", sign("authored"));
    assert.equal(ok.status, 200, await ok.clone().text());
    assert.equal((await listing()).versions[1]!.state, "in-review");
    const again = await errorOf(await engineer.put("/api/recipes/BiSb/versions/2", { revision: 2, reason: "too late", recipe: withPeak(bisb1, 1355) }));
    assert.equal(again.code, "SCADA_ERR_RECIPE_WRONG_STATE", "immutable once submitted");
  });

  it("the author cannot approve (REST and socket alike); the engineer has no approve permission at all", async () => {
    const byEngineer = await errorOf(await engineer.post("/api/recipes/BiSb/versions/2/approve", sign("reviewed and approved")));
    assert.equal(byEngineer.code, "SCADA_ERR_AUTH_FORBIDDEN");
    // admin may approve — but not a version he wrote himself
    const own = await admin.post("/api/recipes/BiSb/versions", { basedOn: 1, reason: "admin's own change", recipe: withPeak(bisb1, 1345) });
    assert.equal(own.status, 201);
    assert.equal((await admin.post("/api/recipes/BiSb/versions/3/submit", sign("authored", TEST_ADMIN_PASSWORD))).status, 200);
    const rest = await errorOf(await admin.post("/api/recipes/BiSb/versions/3/approve", sign("reviewed and approved", TEST_ADMIN_PASSWORD)));
    assert.equal(rest.status, 403);
    assert.equal(rest.code, "SCADA_ERR_RECIPE_AUTHOR_CANNOT_APPROVE");
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = connect(admin.url, { reconnection: false, forceNew: true, transports: ["websocket"], extraHeaders: { cookie: admin.cookie } });
    try {
      const ack = await new Promise<Ack>((resolve) =>
        socket.emit("operate", { op: "recipe.approve", input: { alloy: "BiSb", version: 3, signature: { password: TEST_ADMIN_PASSWORD, meaning: "reviewed and approved" } } }, resolve),
      );
      assert.equal(ack.ok, false);
      assert.equal(!ack.ok && ack.error.code, "SCADA_ERR_RECIPE_AUTHOR_CANNOT_APPROVE");
    } finally {
      socket.disconnect();
    }
    assert.equal((await listing()).versions[2]!.state, "in-review");
  });

  it("qa approves v2 (signed); v1 is superseded; exactly one approved; the diff v1 ↔ v2 is exactly the peak", async () => {
    const draftApprove = await errorOf(await qa.post("/api/recipes/BiSb/versions/1/approve", sign("reviewed and approved")));
    assert.equal(draftApprove.code, "SCADA_ERR_RECIPE_WRONG_STATE");
    const ok = await qa.post("/api/recipes/BiSb/versions/2/approve", sign("reviewed and approved"));
    assert.equal(ok.status, 200, await ok.clone().text());
    const l = await listing();
    assert.equal(l.approved, 2);
    assert.deepEqual(l.versions.map((v) => v.state), ["superseded", "approved", "in-review"]);
    const diff = await engineer.getJson<RecipeDiffJson[]>("/api/recipes/BiSb/diff?from=1&to=2");
    assert.deepEqual(diff, [{ path: "htr.peakTempK", units: "K", from: 1340, to: 1360, change: "changed" }]);
    const v2 = await qa.getJson<RecipeVersionJson>("/api/recipes/BiSb/versions/2");
    assert.deepEqual(v2.history.map((h) => [h.to, h.by, h.meaning, h.signature?.name ?? null]), [
      ["draft", "erik", "created", null],
      ["in-review", "erik", "authored", "erik"],
      ["approved", "quinn", "reviewed and approved", "quinn"],
    ]);
  });

  it("an operator loads BiSb: the approved v2, read back and verified; /api/line names version and hash; a superseded version is refused in Production", async () => {
    const r = await operator.post("/api/recipes/BiSb/load", {});
    assert.equal(r.status, 200, await r.clone().text());
    const line = await operator.getJson<{ mode: string; recipe: { alloy: string; version: number; hash: string; trial: boolean }; loadedRecipe: { state: string } }>("/api/line");
    assert.equal(line.mode, "Production");
    assert.equal(line.loadedRecipe.state, "verified");
    assert.deepEqual({ ...line.recipe, hash: line.recipe.hash.length }, { alloy: "BiSb", version: 2, hash: 64, trial: false });
    const v2 = await operator.getJson<RecipeVersionJson>("/api/recipes/BiSb/versions/2");
    assert.equal(v2.loads.length, 1);
    assert.equal(v2.loads[0]!.verdict, "verified");
    assert.match(v2.loads[0]!.by, /^olga\b/);
    const old = await errorOf(await operator.post("/api/recipes/BiSb/load", { version: 1 }));
    assert.equal(old.code, "SCADA_ERR_RECIPE_NOT_LOADABLE");
    const draft = await errorOf(await operator.post("/api/recipes/BiSb/load", { version: 3 }));
    assert.equal(draft.code, "SCADA_ERR_RECIPE_NOT_LOADABLE", "an In-review version is not loadable in Production");
    assert.equal((await operator.getJson<{ recipe: { version: number } }>("/api/line")).recipe.version, 2, "nothing changed");
  });

  it("in Maintenance an engineer loads the In-review v3 as a TRIAL: /api/line says so, the audit trail too", async () => {
    const byOperator = await errorOf(await operator.post("/api/line/mode", { mode: "Maintenance" }));
    assert.equal(byOperator.code, "SCADA_ERR_AUTH_FORBIDDEN");
    assert.equal((await engineer.post("/api/line/mode", { mode: "Maintenance" })).status, 200);
    const r = await engineer.post("/api/recipes/BiSb/load", { version: 3 });
    assert.equal(r.status, 200, await r.clone().text());
    const line = await engineer.getJson<{ mode: string; trial: boolean; recipe: { version: number; trial: boolean } }>("/api/line");
    assert.deepEqual([line.mode, line.trial, line.recipe.version, line.recipe.trial], ["Maintenance", true, 3, true]);
    const audit = await admin.getJson<{ records: { action: string; target: string; newValue: { trial?: boolean; version?: number } | null; result: string }[] }>("/api/audit?action=recipe.load&limit=10");
    const trialLoad = audit.records.find((x) => x.result === "ok" && x.newValue?.version === 3);
    assert.equal(trialLoad?.newValue?.trial, true);
    assert.equal((await engineer.post("/api/line/mode", { mode: "Production" })).status, 200);
  });

  it("every lifecycle step is in the audit trail with its signature, and the chain verifies", async () => {
    const audit = await admin.getJson<{ records: { action: string; target: string; result: string; user: string; signature?: { name: string; meaning: string } }[] }>("/api/audit?limit=500");
    const signed = audit.records.filter((r) => r.result === "ok" && /^recipe\.(submit|approve)$/.test(r.action)).map((r) => [r.action, r.target, r.signature?.name, r.signature?.meaning]);
    assert.deepEqual(signed.sort(), [
      ["recipe.approve", "BiSb v2", "quinn", "reviewed and approved"],
      ["recipe.submit", "BiSb v2", "erik", "authored"],
      ["recipe.submit", "BiSb v3", "admin", "authored"],
    ].sort());
    const refusedApproval = audit.records.find((r) => r.action === "recipe.approve" && r.result === "refused" && r.user === "admin");
    assert.ok(refusedApproval, "the author's refused approval is recorded");
    const verify = await admin.getJson<{ ok: boolean }>("/api/audit/verify");
    assert.equal(verify.ok, true);
  });
});
