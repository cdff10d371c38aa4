import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import type { RecipePreviewJson } from "../../../src/server/socket-contract.js";
import { alignCurves, pointCount } from "../../../hmi/src/core/align-curves.js";
import { loadedRecipeOf, loadedRecipeText } from "../../../hmi/src/core/loaded-recipe.js";
import { PAPER_PROFILE, paperProfileCurve } from "../../../hmi/src/core/paper-profile.js";
import { PREVIEW_FIGURES, figureDelta, figureText } from "../../../hmi/src/core/preview-figures.js";
import { stateLabel, versionActions, writersOf } from "../../../hmi/src/core/recipe-actions.js";
import {
  type JsonSchemaNode,
  parseFieldInput,
  problemsByField,
  rangeText,
  recipeFieldDefs,
  unitsOfDescription,
  unitsOfName,
  valueAt,
  withValue,
} from "../../../hmi/src/core/recipe-fields.js";
import { parseRecipeRoute, recipeHash } from "../../../hmi/src/core/recipe-route.js";

const SCHEMA = JSON.parse(readFileSync("plc-config/schema/recipe.schema.json", "utf8")) as JsonSchemaNode;
const BISB = parse(readFileSync("plc-config/recipes/BiSb.yaml", "utf8")) as Record<string, unknown>;

const user = (name: string, permissions: string[]) => ({ user: name, can: (p: string) => permissions.includes(p) });
const ENGINEER = user("eng", ["recipes:read", "recipes:edit", "recipes:load"]);
const QA = user("qa1", ["recipes:read", "recipes:approve"]);
const OPERATOR = user("op", ["recipes:read", "recipes:load"]);

describe("hmi: recipes display logic", () => {
  describe("fields from the recipe schema", () => {
    const defs = recipeFieldDefs(BISB, SCHEMA);
    const def = (path: string) => defs.find((d) => d.path === path)!;
    it("every leaf of the schema, in its order, optional ones included, with units and range", () => {
      assert.equal(defs[0]!.path, "alloy");
      assert.ok(def("alloy").readOnly);
      assert.deepEqual([def("htr.peakTempK").units, def("htr.peakTempK").min, def("htr.peakTempK").max, def("htr.peakTempK").kind], ["K", 300, 3000, "number"]);
      assert.equal(rangeText(def("htr.peakTempK")), "300 … 3000 K");
      assert.equal(rangeText(def("htr.rampTimeS")), "> 0 s");
      assert.equal(rangeText(def("htr.safeWebTempK")), "≥ 273 K");
      assert.equal(rangeText(def("htr.peakToleranceK")), "> 0 and ≤ 200 K");
      assert.deepEqual(def("htr.mode").options, ["pulse", "continuous"]);
      assert.equal(def("htr.mode").kind, "enum");
      assert.equal(def("precursor.arealLoadingMgCm2").units, "mg/cm²");
      assert.equal(def("rinse.conductivityEndpointUsCm").units, "µS/cm");
      assert.equal(def("product.alloyContentPct").units, "%");
      assert.equal(def("htr.minHeatingRateKps").units, "K/s");
      assert.equal(def("sequence.timeouts.purgeS").units, "s");
      assert.equal(def("sequence.timeouts.purgeS").defaultValue, 300);
      // Optional in the schema, absent from BiSb (pulse mode): still offered.
      assert.equal(def("feed.webSpeedMpm").required, false);
      assert.equal(def("feed.webSpeedMpm").units, "m/min");
      assert.equal(def("htr.peakTempK").required, true);
      assert.equal(def("product.notes").kind, "text");
      // Every number field has units, as the server's diff requires.
      assert.deepEqual(defs.filter((d) => d.kind === "number" && d.units === "").map((d) => d.path), []);
    });
    it("without a schema: the recipe's own fields, units from the names", () => {
      const own = recipeFieldDefs(BISB);
      assert.ok(own.some((d) => d.path === "htr.peakTempK" && d.units === "K" && d.kind === "number"));
      assert.ok(!own.some((d) => d.path === "feed.webSpeedMpm"));
      assert.deepEqual(
        ["peakTempK", "minCoolingRateKps", "gasFlowLpm", "o2TripPpm", "conductivityEndpointUsCm", "indexLengthM", "webTensionN", "particleSizeNm", "arealLoadingMgCm2", "webSpeedMpm", "alloyContentPct", "flowS", "mode"].map(unitsOfName),
        ["K", "K/s", "L/min", "ppm", "µS/cm", "m", "N", "nm", "mg/cm²", "m/min", "%", "s", ""],
      );
    });
    it("units from a description: the last part of the first sentence, parentheses left out", () => {
      assert.equal(unitsOfDescription("Peak web temperature, K (paper: 1340 K)."), "K");
      assert.equal(unitsOfDescription("Accepted deviation from the target areal loading, ± mg/cm²."), "mg/cm²");
      assert.equal(unitsOfDescription("Target alloy content (TGA), % by mass."), "%");
      assert.equal(unitsOfDescription("What this recipe makes, for the operator."), "");
    });
  });

  describe("editing values", () => {
    const defs = recipeFieldDefs(BISB, SCHEMA);
    const def = (path: string) => defs.find((d) => d.path === path)!;
    it("numbers parsed (a comma taken as the decimal point); out of range is a warning, not a refusal; required and not-a-number refuse", () => {
      assert.deepEqual(parseFieldInput(def("htr.peakTempK"), " 1360 "), { ok: true, value: 1360 });
      assert.deepEqual(parseFieldInput(def("htr.rampTimeS"), "2,5"), { ok: true, value: 2.5 });
      assert.deepEqual(parseFieldInput(def("htr.peakTempK"), "3100"), { ok: true, value: 3100, warning: "outside 300 … 3000 K" });
      assert.deepEqual(parseFieldInput(def("htr.rampTimeS"), "0"), { ok: true, value: 0, warning: "outside > 0 s" });
      assert.deepEqual(parseFieldInput(def("htr.peakTempK"), ""), { ok: false, error: "required" });
      assert.deepEqual(parseFieldInput(def("htr.peakTempK"), "hot"), { ok: false, error: "not a number" });
      assert.deepEqual(parseFieldInput(def("feed.webSpeedMpm"), ""), { ok: true, value: undefined });
      assert.deepEqual(parseFieldInput(def("htr.mode"), "continuous"), { ok: true, value: "continuous" });
    });
    it("values read and set by path, copies only; an optional field left empty stays out", () => {
      const r = withValue(BISB, "htr.peakTempK", 1360);
      assert.equal(valueAt(r, "htr.peakTempK"), 1360);
      assert.equal(valueAt(BISB, "htr.peakTempK"), 1340, "the original is untouched");
      assert.equal(valueAt(r, "htr.holdTimeS"), 7);
      assert.equal("webSpeedMpm" in (withValue(BISB, "feed.webSpeedMpm", undefined).feed as object), false);
      assert.equal("sequence" in withValue(BISB, "sequence.timeouts.flowS", undefined), false, "no empty section made up");
      assert.deepEqual(withValue(BISB, "sequence.timeouts.flowS", 45).sequence, { timeouts: { flowS: 45 } });
      assert.equal(valueAt(BISB, "htr.nothing.here"), undefined);
    });
    it("the server's problems go to their fields (after a file name too, longest path first); the rest are general", () => {
      const paths = recipeFieldDefs(BISB, SCHEMA).map((d) => d.path);
      const { byField, general } = problemsByField(
        ["htr.peakTempK: must be <= 1500 (equipment limit)", "recipes/BiSb.yaml:htr.peakToleranceK: too small", "htr.peakTempK: second", "the profile does not fit the zone"],
        paths,
      );
      assert.deepEqual(byField.get("htr.peakTempK"), ["must be <= 1500 (equipment limit)", "second"]);
      assert.deepEqual(byField.get("htr.peakToleranceK"), ["too small"]);
      assert.deepEqual(general, ["the profile does not fit the zone"]);
    });
  });

  describe("who sees which button", () => {
    const draft = { state: "draft" as const, author: "eng", updatedBy: "eng", history: [{ to: "draft" as const, by: "eng" }] };
    const review = { ...draft, state: "in-review" as const, history: [...draft.history, { to: "in-review" as const, by: "eng" }] };
    const approved = { ...review, state: "approved" as const };
    it("an engineer edits and submits a draft; never approves, rejects or withdraws", () => {
      assert.deepEqual(versionActions(draft, ENGINEER, "Production"), { edit: true, newDraft: true, submit: true, approve: false, reject: false, obsolete: false, load: "no" });
      const r = versionActions(review, ENGINEER, "Production");
      assert.deepEqual([r.edit, r.submit, r.approve, r.reject], [false, false, false, false]);
    });
    it("qa approves or rejects what is in review, withdraws the approved version, edits nothing, loads nothing", () => {
      assert.deepEqual(versionActions(review, QA, "Production"), { edit: false, newDraft: false, submit: false, approve: true, reject: true, obsolete: false, load: "no" });
      assert.equal(versionActions(approved, QA, "Production").obsolete, true);
      assert.equal(versionActions(draft, QA, "Production").approve, false);
    });
    it("nobody approves what they wrote, saved or submitted (an admin included), but may reject it", () => {
      const admin = user("boss", ["recipes:edit", "recipes:approve", "recipes:load"]);
      const mine = { ...review, author: "eng", updatedBy: "boss" };
      assert.deepEqual(writersOf(mine), new Set(["eng", "boss"]));
      assert.equal(versionActions(mine, admin, null).approve, false);
      assert.equal(versionActions(mine, admin, null).reject, true);
      assert.equal(versionActions(review, admin, null).approve, true);
    });
    it("loading: the approved version; a draft or one in review only in Maintenance, as a trial; never a superseded one", () => {
      assert.equal(versionActions(approved, OPERATOR, "Production").load, "yes");
      assert.equal(versionActions(draft, OPERATOR, "Production").load, "no");
      assert.equal(versionActions(draft, OPERATOR, "Maintenance").load, "trial");
      assert.equal(versionActions(review, ENGINEER, "Maintenance").load, "trial");
      assert.equal(versionActions({ ...approved, state: "superseded" }, OPERATOR, "Maintenance").load, "no");
      assert.equal(versionActions(approved, QA, "Production").load, "no", "qa holds no recipes:load");
      assert.equal(stateLabel("in-review"), "IN REVIEW");
    });
  });

  describe("preview", () => {
    it("the paper's profile: 300 K → 1340 K in 3 s, 7 s held, down to 373 K in 5 s", () => {
      assert.deepEqual(paperProfileCurve(), [[0, 300], [3, 1340], [10, 1340], [15, 373]]);
      assert.equal(PAPER_PROFILE.peakK, 1340);
    });
    it("curves on their own x values merged onto one axis, nulls where a curve has no point", () => {
      const [xs, a, b] = alignCurves([
        [[0, 300], [0.5, 400], [1, 500]],
        [[0, 300], [3, 1340]],
      ]);
      assert.deepEqual(xs, [0, 0.5, 1, 3]);
      assert.deepEqual(a, [300, 400, 500, null]);
      assert.deepEqual(b, [300, null, null, 1340]);
      assert.deepEqual([pointCount(a!), pointCount(b!)], [3, 2]);
      assert.deepEqual(alignCurves([[[0, Number.NaN], [1, 2]]]), [[1], [2]]);
    });
    it("figures as text with their units, a missing one as —, and the signed difference to another version", () => {
      const p = { peakK: 1360.4, timeToPeakS: null, overshootK: 0 } as unknown as RecipePreviewJson;
      const base = { peakK: 1340.2, timeToPeakS: 2.9, overshootK: 0 } as unknown as RecipePreviewJson;
      const f = (key: string) => PREVIEW_FIGURES.find((x) => x.key === key)!;
      assert.equal(figureText(p, f("peakK")), "1360 K");
      assert.equal(figureText(p, f("timeToPeakS")), "—");
      assert.equal(figureText(null, f("peakK")), "—");
      assert.equal(figureDelta(p, base, f("peakK")), "+20 K");
      assert.equal(figureDelta(base, p, f("peakK")), "-20 K");
      assert.equal(figureDelta(p, base, f("overshootK")), "±0 K");
      assert.equal(figureDelta(p, base, f("timeToPeakS")), "");
    });
  });

  describe("routes and the loaded recipe", () => {
    it("hash parts ↔ routes", () => {
      assert.deepEqual(parseRecipeRoute([]), { view: "list", alloy: null });
      assert.deepEqual(parseRecipeRoute(["BiSb"]), { view: "list", alloy: "BiSb" });
      assert.deepEqual(parseRecipeRoute(["BiSb", "2"]), { view: "version", alloy: "BiSb", version: 2 });
      assert.deepEqual(parseRecipeRoute(["BiSb", "new", "1"]), { view: "new", alloy: "BiSb", basedOn: 1 });
      assert.deepEqual(parseRecipeRoute(["BiSb", "diff", "1", "2"]), { view: "diff", alloy: "BiSb", from: 1, to: 2 });
      assert.deepEqual(parseRecipeRoute(["BiSb", "diff"]), { view: "diff", alloy: "BiSb", from: null, to: null });
      assert.deepEqual(parseRecipeRoute(["Bi Sb<"]), { view: "list", alloy: null });
      assert.deepEqual(parseRecipeRoute(["BiSb", "0"]), { view: "list", alloy: "BiSb" });
      for (const parts of [["BiSb", "2"], ["BiSb", "new", "1"], ["BiSb", "diff", "1", "2"]]) assert.equal(recipeHash(parseRecipeRoute(parts)), `#/recipes/${parts.join("/")}`);
      assert.equal(recipeHash({ view: "list", alloy: null }), "#/recipes");
    });
    it("the loaded recipe from /api/line: version and trial when sent, in words", () => {
      const line = (lr: Record<string, unknown>) => ({ state: "Idle", mode: "Production", loadedRecipe: { alloy: "BiSb", state: "verified", ...lr } }) as never;
      assert.deepEqual(loadedRecipeOf(line({ version: 2, hash: "ab", trial: false })), { alloy: "BiSb", version: 2, hash: "ab", trial: false, state: "verified" });
      assert.equal(loadedRecipeText(loadedRecipeOf(line({ version: 3, trial: true }))), "BiSb v3 TRIAL (verified)");
      assert.equal(loadedRecipeText(loadedRecipeOf(line({}))), "BiSb (verified)");
      assert.equal(loadedRecipeText(loadedRecipeOf(null)), "none loaded");
    });
  });
});
