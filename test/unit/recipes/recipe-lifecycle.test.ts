import assert from "node:assert/strict";
import { ROLES } from "../../../src/auth/permissions.js";
import { UNIT_MODES } from "../../../src/control/packml-states.js";
import {
  RECIPE_ACTIONS,
  RECIPE_LIFECYCLE,
  RECIPE_VERSION_STATES,
  type RecipeVersionState,
  decideTransition,
  isStateEdge,
  loadableIn,
} from "../../../src/recipes/recipe-lifecycle.js";

/**
 * Every state × action × role, written out by hand (not derived from the table): the actor is never the
 * version's author and gives a reason. Cells: the state the version moves to (D draft, R in review,
 * A approved, X rejected, O obsolete), `.` refused not-permitted, `s` refused wrong-state.
 */
const EXPECTED = `
                        V O E Q A
  draft      edit       . . D . D
  draft      submit     . . R . R
  draft      approve    . . . s s
  draft      reject     . . . s s
  draft      obsolete   . . . s s
  in-review  edit       . . s . s
  in-review  submit     . . s . s
  in-review  approve    . . . A A
  in-review  reject     . . . X X
  in-review  obsolete   . . . s s
  approved   edit       . . s . s
  approved   submit     . . s . s
  approved   approve    . . . s s
  approved   reject     . . . s s
  approved   obsolete   . . . O O
  superseded edit       . . s . s
  superseded submit     . . s . s
  superseded approve    . . . s s
  superseded reject     . . . s s
  superseded obsolete   . . . s s
  obsolete   edit       . . s . s
  obsolete   submit     . . s . s
  obsolete   approve    . . . s s
  obsolete   reject     . . . s s
  obsolete   obsolete   . . . s s
  rejected   edit       . . s . s
  rejected   submit     . . s . s
  rejected   approve    . . . s s
  rejected   reject     . . . s s
  rejected   obsolete   . . . s s
`;

const COLUMNS = ["viewer", "operator", "engineer", "qa", "admin"] as const;
const TO: Record<string, RecipeVersionState> = { D: "draft", R: "in-review", A: "approved", X: "rejected", O: "obsolete" };
const MEANING: Record<string, string | null> = { edit: null, submit: "authored", approve: "reviewed and approved", reject: "rejected", obsolete: "withdrawn" };

describe("recipe lifecycle (pure)", () => {
  const rows = EXPECTED.split("\n").slice(2).map((l) => l.trim().split(/\s+/)).filter((c) => c.length > 1);

  it("the hand-written table covers every state × action, and the roles are the code's", () => {
    assert.deepEqual([...ROLES], [...COLUMNS]);
    const keys = rows.map(([s, a]) => `${s} ${a}`).sort();
    assert.deepEqual(keys, RECIPE_VERSION_STATES.flatMap((s) => RECIPE_ACTIONS.map((a) => `${s} ${a}`)).sort());
  });

  for (const [state, action, ...cells] of rows) {
    it(`${state} × ${action}: every role as the table says`, () => {
      const wrong: string[] = [];
      COLUMNS.forEach((role, i) => {
        const d = decideTransition({ state: state as RecipeVersionState, author: "ann" }, action as never, { user: "zoe", role }, "because");
        const cell = cells[i]!;
        const got = d.ok ? `→ ${d.to} (${d.meaning})` : d.code;
        const want = cell === "." ? "not-permitted" : cell === "s" ? "wrong-state" : `→ ${TO[cell]} (${MEANING[action!]})`;
        if (got !== want) wrong.push(`${role}: expected ${want}, got ${got}`);
        if (!d.ok) assert.ok(d.reason.length > 10, `a refusal says why: ${d.reason}`);
      });
      assert.deepEqual(wrong, []);
    });
  }

  it("the author (or whoever saved or submitted the draft) cannot approve; anyone else with recipes:approve can", () => {
    const version = { state: "in-review" as const, author: "ann", contributors: ["ann", "ed", "sam"] };
    for (const user of ["ann", "ed", "sam"]) {
      const d = decideTransition(version, "approve", { user, role: "admin" });
      assert.equal(d.ok, false);
      assert.equal(!d.ok && d.code, "author-cannot-approve", user);
      assert.match(!d.ok ? d.reason : "", new RegExp(`${user} wrote or submitted`));
    }
    assert.equal(decideTransition({ state: "in-review", author: "ann" }, "approve", { user: "ann", role: "qa" }).ok, false);
    const ok = decideTransition(version, "approve", { user: "quinn", role: "qa" });
    assert.deepEqual(ok, { ok: true, action: "approve", from: "in-review", to: "approved", meaning: "reviewed and approved", supersedes: true });
    // Taking back one's own submission is allowed.
    assert.equal(decideTransition(version, "reject", { user: "ann", role: "admin" }, "wrong loading").ok, true);
  });

  it("reject, obsolete and saving a draft need a reason; submit and approve do not", () => {
    for (const [state, action, role] of [["in-review", "reject", "qa"], ["approved", "obsolete", "qa"], ["draft", "edit", "engineer"]] as const) {
      for (const reason of [undefined, null, "", "   "]) {
        const d = decideTransition({ state, author: "ann" }, action, { user: "zoe", role }, reason);
        assert.equal(!d.ok && d.code, "reason-required", `${action} ${String(reason)}`);
      }
    }
    assert.equal(decideTransition({ state: "draft", author: "ann" }, "submit", { user: "ann", role: "engineer" }).ok, true);
    assert.equal(decideTransition({ state: "in-review", author: "ann" }, "approve", { user: "quinn", role: "qa" }).ok, true);
  });

  it("an explicit permission list decides instead of the role's row; an unknown role or action is refused", () => {
    const v = { state: "in-review" as const, author: "ann" };
    assert.equal(decideTransition(v, "approve", { user: "x", role: "viewer", permissions: ["recipes:approve"] }).ok, true);
    assert.equal(decideTransition(v, "approve", { user: "x", role: "admin", permissions: new Set() }).ok, false);
    assert.equal(decideTransition(v, "approve", { user: "x", role: "root" }).ok, false);
    const d = decideTransition(v, "delete" as never, { user: "x", role: "admin" });
    assert.equal(!d.ok && d.code, "wrong-state");
  });

  it("state edges: the table's changes and approved → superseded, nothing else", () => {
    const edges = RECIPE_VERSION_STATES.flatMap((f) => RECIPE_VERSION_STATES.filter((t) => isStateEdge(f, t)).map((t) => `${f}→${t}`));
    assert.deepEqual(edges.sort(), ["approved→obsolete", "approved→superseded", "draft→in-review", "in-review→approved", "in-review→rejected"]);
    assert.ok(RECIPE_LIFECYCLE.every((r) => r.meaning !== null || r.action === "edit"));
  });

  describe("loadableIn", () => {
    const EXPECTED_LOAD: Record<string, Record<RecipeVersionState, "yes" | "trial" | "no">> = {
      Production: { draft: "no", "in-review": "no", approved: "yes", superseded: "no", obsolete: "no", rejected: "no" },
      Maintenance: { draft: "trial", "in-review": "trial", approved: "yes", superseded: "no", obsolete: "no", rejected: "no" },
      Manual: { draft: "no", "in-review": "no", approved: "yes", superseded: "no", obsolete: "no", rejected: "no" },
    };

    it("every mode × state", () => {
      assert.deepEqual(Object.keys(EXPECTED_LOAD), [...UNIT_MODES]);
      for (const mode of UNIT_MODES) {
        for (const state of RECIPE_VERSION_STATES) {
          const v = loadableIn(mode, state);
          const got = v.ok ? (v.trial ? "trial" : "yes") : "no";
          assert.equal(got, EXPECTED_LOAD[mode]![state], `${mode} ${state}: ${v.reason}`);
          assert.equal(v.reason === "", got === "yes", `${mode} ${state}: a reason unless plainly loadable`);
        }
      }
    });

    it("says why, and an unknown mode loads nothing", () => {
      assert.match(loadableIn("Production", "draft").reason, /Production loads only the approved version/);
      assert.match(loadableIn("Maintenance", "superseded").reason, /create a draft based on this one/);
      assert.match(loadableIn("Maintenance", "in-review").reason, /trial/);
      assert.deepEqual(loadableIn("Test", "approved"), { ok: false, trial: false, reason: "unknown unit mode 'Test'" });
    });
  });
});
