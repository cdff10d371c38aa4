// A web process's requests waiting for the line's answer, with deadlines on a manual scheduler.
import assert from "node:assert/strict";
import { PendingAnswers, type RuntimeAnswer } from "../../../src/server/pending-answers.js";
import { ManualSocketScheduler } from "./manual-socket-scheduler.js";

/** Whether the promise has settled yet, and with what (after the microtasks queued so far). */
async function peek<T>(p: Promise<T>): Promise<{ settled: boolean; value?: T }> {
  const none = Symbol("pending");
  const v = await Promise.race([p, Promise.resolve(none)]);
  return v === none ? { settled: false } : { settled: true, value: v as T };
}

describe("PendingAnswers (manual scheduler)", () => {
  let scheduler: ManualSocketScheduler;
  let pending: PendingAnswers;
  const answer: RuntimeAnswer = { runtime: "boot-1", body: { ok: true, result: 42 } };

  beforeEach(() => {
    scheduler = new ManualSocketScheduler();
    pending = new PendingAnswers(scheduler);
  });

  it("open gives distinct ids and one deadline each; size tracks", () => {
    const ids = [pending.open(100), pending.open(100), pending.open(100)].map((r) => r.id);
    assert.equal(new Set(ids).size, 3);
    assert.equal(pending.size, 3);
    assert.equal(scheduler.pending(), 3);
  });

  it("settle resolves with the answer, cancels the deadline and returns true; again or unknown: false", async () => {
    const { id, answer: p } = pending.open(100);
    assert.equal((await peek(p)).settled, false);
    assert.equal(pending.settle(id, answer), true);
    assert.equal(pending.size, 0);
    assert.equal(scheduler.pending(), 0, "the deadline is cancelled");
    assert.equal(await p, answer);
    assert.equal(pending.settle(id, { runtime: "boot-1", body: "late" }), false);
    assert.equal(pending.settle("no-such-id", answer), false);
  });

  it("the deadline resolves undefined, not a moment before; a late answer is then ignored", async () => {
    const { id, answer: p } = pending.open(100);
    const other = pending.open(500);
    scheduler.advance(99);
    assert.equal((await peek(p)).settled, false);
    scheduler.advance(1);
    assert.deepEqual(await peek(p), { settled: true, value: undefined });
    assert.equal(pending.size, 1, "only the one due");
    assert.equal(pending.settle(id, answer), false);
    assert.equal(pending.settle(other.id, answer), true);
    assert.equal(await other.answer, answer);
  });

  it("close resolves every waiting one with undefined and leaves no timer", async () => {
    const a = pending.open(100);
    const b = pending.open(200);
    pending.close();
    assert.deepEqual(await Promise.all([a.answer, b.answer]), [undefined, undefined]);
    assert.equal(pending.size, 0);
    assert.equal(scheduler.pending(), 0);
    assert.equal(pending.settle(a.id, answer), false);
  });
});
