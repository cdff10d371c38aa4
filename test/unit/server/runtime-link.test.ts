// A web process's view of the line's process, from one alive answer (or none) to the next.
import assert from "node:assert/strict";
import { initialRuntimeLink, nextRuntimeLink, type RuntimeLink } from "../../../src/server/runtime-link.js";

/** The links and reconnect decisions along a run of alive answers (null: none in time). */
function run(answers: readonly (string | null)[]): { link: RuntimeLink; reconnectAll: boolean }[] {
  let link = initialRuntimeLink;
  return answers.map((a) => {
    const next = nextRuntimeLink(link, a);
    link = next.link;
    return next;
  });
}

describe("nextRuntimeLink", () => {
  it("starts unreachable with no boot", () => {
    assert.deepEqual(initialRuntimeLink, { boot: null, reachable: false });
  });

  it("the first answer: reachable, reconnect all; the same boot again: no reconnect", () => {
    const [first, again] = run(["boot-1", "boot-1"]);
    assert.deepEqual(first, { link: { boot: "boot-1", reachable: true }, reconnectAll: true });
    assert.deepEqual(again, { link: { boot: "boot-1", reachable: true }, reconnectAll: false });
  });

  it("no answer: unreachable, no reconnect, the boot kept; the next answer (same boot) reconnects all", () => {
    const [, silent, stillSilent, back, steady] = run(["boot-1", null, null, "boot-1", "boot-1"]);
    assert.deepEqual(silent, { link: { boot: "boot-1", reachable: false }, reconnectAll: false });
    assert.deepEqual(stillSilent, { link: { boot: "boot-1", reachable: false }, reconnectAll: false });
    assert.deepEqual(back, { link: { boot: "boot-1", reachable: true }, reconnectAll: true });
    assert.equal(steady!.reconnectAll, false);
  });

  it("no answer before the first one: nothing to reconnect yet, the boot still none", () => {
    const [silent, first] = run([null, "boot-1"]);
    assert.deepEqual(silent, { link: { boot: null, reachable: false }, reconnectAll: false });
    assert.equal(first!.reconnectAll, true);
  });

  it("another boot id (the line restarted between two alives): reconnect all", () => {
    const [, restarted, steady] = run(["boot-1", "boot-2", "boot-2"]);
    assert.deepEqual(restarted, { link: { boot: "boot-2", reachable: true }, reconnectAll: true });
    assert.equal(steady!.reconnectAll, false);
  });

  it("an alive sent before any answer and left unanswered after a later one was answered: nothing changes (the start's reader was not up)", () => {
    const start = initialRuntimeLink;
    const first = nextRuntimeLink(start, "boot-1", start);
    assert.equal(first.reconnectAll, true);
    const late = nextRuntimeLink(first.link, null, start);
    assert.deepEqual(late, { link: { boot: "boot-1", reachable: true }, reconnectAll: false });
  });

  it("an alive sent after the first answer and left unanswered: unreachable (a real gap), even if answered ones were sent later", () => {
    const reached: RuntimeLink = { boot: "boot-1", reachable: true };
    assert.deepEqual(nextRuntimeLink(reached, null, reached), { link: { boot: "boot-1", reachable: false }, reconnectAll: false });
    // … and the next answer after it reconnects all.
    assert.equal(nextRuntimeLink({ boot: "boot-1", reachable: false }, "boot-1").reconnectAll, true);
  });

  it("does not change the link it is given", () => {
    const link: RuntimeLink = { boot: "boot-1", reachable: true };
    nextRuntimeLink(link, "boot-2");
    nextRuntimeLink(link, null);
    assert.deepEqual(link, { boot: "boot-1", reachable: true });
  });
});
