import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManualClock } from "../../../src/core/clock.js";
import { createLogger } from "../../../src/core/logger.js";
import { GOOD, type TagValue } from "../../../src/core/tag-value.js";
import { RollService, type RollServiceDeps } from "../../../src/control/roll-service.js";
import type { StateTransition } from "../../../src/control/state-transition.js";
import type { Recipe } from "../../../src/recipes/recipe-schema.js";
import { DEFAULT_TRACKING } from "../../../src/quality/tracking-geometry.js";
import { RecipeStore } from "../../../src/stores/recipe-store.js";
import { SqliteRollStore } from "../../../src/stores/roll-store.js";
import type { TagChange } from "../../../src/tags/tag-table.js";

const T0 = Date.UTC(2026, 11, 2, 8, 0, 0);
const recipe = new RecipeStore("plc-config").get("BiSb")!.recipe as Recipe;

/** The few tags a segment needs, at steady good values (a run in continuous-like motion, heater on). */
const STEADY: Record<string, number | boolean> = {
  "htr.web_temp": 1340, "htr.o2": 5, "htr.ar_flow": 30, "htr.heater_on": true, "htr.profile_phase": 4,
  "quench.gas_flow": 150, "quench.coolant_flow": 20, "quench.exit_web_temp": 320, "rinse.conductivity": 10,
  "feed.areal_loading": 3, "feed.web_speed": 2.57,
};

/**
 * The roll service on a real SQLite roll store with the line, interlocks, alarms and recipes as fakes, and an
 * injected clock: rolls begin at Starting with the start's lot and end at Completing; a restart (a second
 * service on the same store) continues the roll; a segment closed again after a hard stop is not written twice.
 */
describe("control: roll service", () => {
  let dir: string;
  let store: SqliteRollStore;
  let clock: ManualClock;
  let transitions: ((t: StateTransition) => void)[];
  const values = new Map<string, TagValue>();

  const deps = (): RollServiceDeps => ({
    lineId: "htr-line-1",
    geometry: DEFAULT_TRACKING,
    store,
    tags: { get: (name) => (values.has(name) ? { value: values.get(name)! } : undefined) },
    line: { onTransition: (l) => (transitions.push(l), () => undefined), stopReasonCode: () => null },
    interlocks: { status: () => ({ tripped: [], bypassed: [], firstOut: null, trips: [] }) },
    dataTrips: ["IL-08"],
    alarms: { activeCritical: () => [] },
    recipes: {
      current: () => ({ ref: { alloy: "BiSb", version: 1, hash: "h1", trial: false }, recipe: { ...recipe, htr: { ...recipe.htr, mode: "continuous", minCoolingRateKps: 50 } } }),
      approval: () => ({ by: "quinn", at: T0 - 1000 }),
      lotPattern: () => ({ alloy: "BiSb", pattern: recipe.precursor.lotIdPattern }),
    },
    clock,
    logger: createLogger("silent"),
  });
  const change = (svc: RollService, name: string, value: number | boolean): void => {
    const v: TagValue = { value, quality: GOOD, sourceTs: clock.now(), serverTs: clock.now() };
    values.set(name, v);
    svc.onTagChange({ name, current: v, previous: v } as unknown as TagChange);
  };
  const transition = (to: string) => transitions.forEach((l) => l({ scope: "line", from: null, to, detail: "", at: clock.now() }));
  /** Moves the web `metres` at 2.57 m/min in 100 ms steps with the steady signals. */
  const move = (svc: RollService, fromM: number, metres: number): number => {
    let pos = fromM;
    const step = (2.57 / 60) * 0.1;
    for (let d = 0; d < metres; d += step) {
      clock.advance(100);
      pos += step;
      change(svc, "feed.encoder_pos", Math.round(pos * 1000) / 1000);
      change(svc, "htr.web_temp", 1340 + (d % 0.01));
      svc.drain();
    }
    return pos;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "roll-service-"));
    store = SqliteRollStore.open(dir);
    clock = new ManualClock(T0);
    transitions = [];
    values.clear();
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses a lot off the recipe's pattern; a start's lot goes with the roll that Starting begins", () => {
    const svc = new RollService(deps());
    svc.start();
    try {
      const bad = svc.prepareStart("99000001", "BiSb", "op1");
      assert.equal(bad.ok, false);
      assert.match(!bad.ok ? bad.message : "", /lot '99000001' does not match recipe BiSb's lot pattern/);
      assert.deepEqual(svc.prepareStart("11000042", "BiSb", "op1"), { ok: true });
      transition("Starting");
      const roll = store.currentRoll()!;
      assert.deepEqual([roll.lot, roll.startedBy, roll.recipes[0]?.version, roll.recipes[0]?.approvedBy], ["11000042", "op1", 1, "quinn"]);
      const conflict = svc.prepareStart("11000043", "BiSb", "op1");
      assert.equal(conflict.ok, false, "another lot on the open roll is refused");
    } finally {
      svc.stop();
    }
  });

  it("records segments as they leave the rinse, ends the roll at Completing, and a restart continues without doubling", () => {
    for (const [k, v] of Object.entries(STEADY)) values.set(k, { value: v, quality: GOOD, sourceTs: T0, serverTs: T0 });
    const first = new RollService(deps());
    first.start();
    change(first, "feed.encoder_pos", 0);
    first.drain();
    first.prepareStart("11000042", "BiSb", "op1");
    transition("Starting");
    let pos = move(first, 0, 4.0);
    const id = store.currentRoll()!.id;
    const before = store.getRoll(id)!.segmentsRecorded;
    assert.ok(before >= 3, `${before} segments recorded after 4 m (the record closes 2.5 m after the zone)`);
    assert.ok([...store.segments(id)].every((s) => s.verdict === "pass"), JSON.stringify([...store.segments(id)].map((s) => s.reasons)));
    // A hard stop: the saved tracker state is from before the last writes (as after a kill between them).
    const stale = store.loadTrackerState()!;
    pos = move(first, pos, 0.5);
    const mid = store.getRoll(id)!.segmentsRecorded;
    first.stop();
    store.saveTrackerState(stale);

    transitions = [];
    const second = new RollService(deps());
    second.start();
    try {
      assert.equal(store.currentRoll()?.id, id, "the roll continues");
      pos = move(second, pos, 1.5);
      const segs = [...store.segments(id)];
      assert.deepEqual(segs.map((s) => s.index), segs.map((_, i) => i), "each index once, in order");
      assert.ok(segs.length > mid, "recording goes on after the restart");
      assert.equal(second.stats().failedWrites, 0, "the segments the restored tracker closed again were not written again (nor refused)");
      assert.ok(segs.slice(mid).some((s) => s.reasons.some((r) => r.rule === "RECORD-GAP")), "what was in the line at the restart is unverified");
      transition("Completing");
      assert.equal(store.getRoll(id)!.state, "ended");
      assert.equal(store.currentRoll(), null);
    } finally {
      second.stop();
    }
  });
});
