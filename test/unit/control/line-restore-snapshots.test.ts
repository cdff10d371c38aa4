import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createActor } from "xstate";
import type { TagBatchWriter, TagWrite, WriteOutcome } from "../../../src/core/tag-io.js";
import { restoreSafely } from "../../../src/control/line-restore.js";
import { createLineMachine } from "../../../src/control/line.machine.js";
import { createSequencerMachine } from "../../../src/control/sequencer.machine.js";

// Snapshots persisted by the line service before issue 9 (see test/fixtures/line-snapshots/README.md) must
// restore after it: safely (per the table in line-restore.ts), keeping what an operator relies on.

const dir = resolve(dirname(fileURLToPath(import.meta.url)), "../../fixtures/line-snapshots");

const FIXTURES: Readonly<Record<string, { readonly was: string; readonly comesBack: "Stopped" | "Aborted"; readonly mode: string }>> = {
  "stopped-first-start": { was: "Stopped", comesBack: "Stopped", mode: "Maintenance" },
  idle: { was: "Idle", comesBack: "Stopped", mode: "Maintenance" },
  "execute-mid-run": { was: "Execute", comesBack: "Stopped", mode: "Maintenance" },
  held: { was: "Held", comesBack: "Stopped", mode: "Maintenance" },
  complete: { was: "Complete", comesBack: "Stopped", mode: "Maintenance" },
  "aborted-trip": { was: "Aborted", comesBack: "Stopped", mode: "Manual" },
};

interface PersistedLine {
  readonly value: unknown;
  readonly context: Record<string, unknown> & { readonly timeInStateMs: Record<string, number> };
}

function load(name: string): PersistedLine {
  return JSON.parse(readFileSync(resolve(dir, `${name}.json`), "utf8")) as PersistedLine;
}

class RecordingIO implements TagBatchWriter {
  readonly writes: TagWrite[] = [];
  writeTags(writes: readonly TagWrite[]): Promise<WriteOutcome> {
    this.writes.push(...writes);
    return Promise.resolve({ ok: true, failures: [] });
  }
}

const NOW = 1_733_200_000_000;

describe("line snapshots persisted before issue 9 restore after it", () => {
  it("every fixture on disk is covered", () => {
    const files = readdirSync(dir).filter((f) => f.endsWith(".json")).map((f) => f.replace(/\.json$/, ""));
    assert.deepEqual(files.sort(), Object.keys(FIXTURES).sort());
  });

  for (const [name, expected] of Object.entries(FIXTURES)) {
    it(`${name}: ${expected.was} comes back ${expected.comesBack}, stop reason restart, counts / time in state / mode / last command kept`, () => {
      const persisted = load(name);
      assert.equal(persisted.value, expected.was, "the fixture is what its name says");
      assert.ok(Object.values(persisted.context.timeInStateMs).some((ms) => ms > 0), "the fixture has time in state");

      const io = new RecordingIO();
      const actor = createActor(createLineMachine(createSequencerMachine(io)), { input: restoreSafely(persisted, NOW) });
      const errors: unknown[] = [];
      actor.subscribe({ error: (e) => errors.push(e) });
      actor.start();
      try {
        const snap = actor.getSnapshot();
        assert.equal(snap.value, expected.comesBack);
        assert.equal(snap.context.stopReason?.code, "restart");
        assert.equal(snap.context.stopReason?.at, NOW);
        assert.match(snap.context.stopReason?.message ?? "", new RegExp(`^restart: line was ${expected.was}`));
        assert.deepEqual(snap.context.counts, persisted.context.counts);
        assert.deepEqual(snap.context.timeInStateMs, persisted.context.timeInStateMs);
        assert.equal(snap.context.mode, expected.mode);
        assert.equal(snap.context.mode, persisted.context.mode);
        assert.deepEqual(snap.context.lastCommand, persisted.context.lastCommand);
        assert.notEqual(snap.context.lastCommand, null);
        assert.deepEqual(snap.context.params, persisted.context.params);
        assert.equal(snap.context.permissives.ok, false, "permissives must be reported again");
        // A fresh sequencer at rest: nothing written, nothing resumed.
        assert.deepEqual(snap.children.sequencer?.getSnapshot().value, { monitor: {}, sequence: "idle" });
        assert.deepEqual(io.writes, []);
        assert.deepEqual(errors, []);
      } finally {
        actor.stop();
      }
    });
  }

  it("the running ones kept non-trivial counts", () => {
    assert.deepEqual(load("execute-mid-run").context.counts, { metresProcessed: 13.75, metresRejected: 0.75 });
    assert.deepEqual(restoreSafely(load("complete"), NOW).restored?.counts, { metresProcessed: 36.25, metresRejected: 0.75 });
    assert.equal(restoreSafely(load("aborted-trip"), NOW).restored?.lastCommand?.by, "carol");
  });
});
