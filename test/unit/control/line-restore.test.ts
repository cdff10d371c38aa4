import assert from "node:assert/strict";
import { assign, createActor, createMachine, initialTransition, setup, transition, type SnapshotFrom } from "xstate";
import { restoreSafely, safeStateAfterRestart } from "../../../src/control/line-restore.js";
import type { LineEvent } from "../../../src/control/line-events.js";
import { createLineMachine } from "../../../src/control/line.machine.js";
import { PACKML_STATES, type PackmlCommand, type PackmlState } from "../../../src/control/packml-states.js";
import type { SequenceParams } from "../../../src/recipes/sequence-params.js";
import type { SequencerCommand, SequencerEvent } from "../../../src/control/sequencer-protocol.js";

const PARAMS: SequenceParams = {
  recipe: "BiSb", mode: "pulse", targetLengthM: 100, o2PermissivePpm: 50, safeWebTempK: 373, conductivityEndpoint: 50,
  minQuenchGasFlow: 100, minCoolantFlow: 5, minRinseFlow: 10, webSpeed: 2.6,
  timeouts: { flowMs: 30_000, purgeMs: 600_000, webMs: 60_000, heatMs: 10_000, coolMs: 30_000, flushMs: 120_000 },
};

/** A sequencer that records what it was told: a restored line must not tell it anything by itself. */
const recordingSequencer = setup({ types: { context: {} as { got: string[] }, events: {} as SequencerEvent } }).createMachine({
  context: { got: [] },
  on: { "*": { actions: assign(({ context, event }) => ({ got: [...context.got, event.type] })) } },
});
const line = createLineMachine(createMachine({}));
type LineSnap = SnapshotFrom<typeof line>;

const cmd = (command: PackmlCommand): LineEvent => (command === "start" ? { type: "CMD", command, params: PARAMS } : { type: "CMD", command });
const done = (command: SequencerCommand["type"]): LineEvent => ({ type: "SEQ.DONE", command });
const tick = (now: number, length: number): LineEvent => ({ type: "TICK", now, view: { "rinse.roll_length": length } });

const idle = [cmd("reset"), done("SEQ.RESET")];
const execute = [...idle, { type: "PERMISSIVES", ok: true, missing: [] } as LineEvent, cmd("start"), done("SEQ.START"), tick(1000, 2), tick(2000, 9.5)];
const completing = [...execute, { type: "SEQ.TARGET_REACHED", lengthM: 100 } as LineEvent];
const held = [...execute, cmd("hold"), done("SEQ.HOLD")];
const suspended = [...execute, cmd("suspend"), done("SEQ.SUSPEND")];
const aborted = [cmd("abort"), done("SEQ.ABORT")];
const PATH_TO: Record<PackmlState, LineEvent[]> = {
  Stopped: [], Resetting: [cmd("reset")], Idle: idle, Starting: execute.slice(0, 4), Execute: execute, Completing: completing,
  Complete: [...completing, done("SEQ.COMPLETE")], Holding: [...execute, cmd("hold")], Held: held, Unholding: [...held, cmd("unhold")],
  Suspending: [...execute, cmd("suspend")], Suspended: suspended, Unsuspending: [...suspended, cmd("unsuspend")],
  Stopping: [...execute, cmd("stop")], Aborting: [...execute, cmd("abort")], Aborted: aborted, Clearing: [...aborted, cmd("clear")],
};

function inState(state: PackmlState): LineSnap {
  let [s] = initialTransition(line, { now: 0 });
  for (const e of PATH_TO[state]) [s] = transition(line, s, e);
  assert.equal(s.value, state);
  return s;
}

/** What the service stores: the persisted snapshot, through JSON (disk). */
const persistedIn = (state: PackmlState): unknown => JSON.parse(JSON.stringify(line.getPersistedSnapshot(inState(state))));

/** The quiet boot: whatever the line was doing, it comes back Stopped (the stop reason says what it was doing). */
const QUIET: ReadonlySet<PackmlState> = new Set(["Stopped", "Idle", "Complete", "Aborted"]);

describe("line restore after a crash or restart", () => {
  it("every state comes back Stopped with stop reason restart — never running, never Aborted", () => {
    for (const state of PACKML_STATES) {
      const input = restoreSafely(persistedIn(state), 50_000);
      const [snap, actions] = initialTransition(line, input);
      assert.equal(snap.value, "Stopped", state);
      assert.equal(safeStateAfterRestart(state), "Stopped");
      assert.equal(snap.context.stopReason?.code, "restart", state);
      assert.equal(snap.context.stopReason?.at, 50_000);
      assert.match(snap.context.stopReason?.message ?? "", new RegExp(`^restart: line was ${state}${QUIET.has(state) ? "$" : "; stopped, will not resume by itself$"}`));
      assert.equal(snap.context.bootInto, null, "the boot choice is consumed at once");
      // Nothing but the fresh sequencer's start: no SequencerCommand is sent by a restored line.
      assert.deepEqual(actions.map((a) => a.type), ["xstate.spawnChild"], state);
    }
  });

  it("keeps counts, time in state, mode and the last run's recipe; permissives must be reported again", () => {
    let [s] = initialTransition(line, { now: 0 });
    for (const e of [{ type: "MODE", mode: "Maintenance" } as LineEvent, ...PATH_TO.Held, { type: "REJECT", metres: 0.5 } as LineEvent]) [s] = transition(line, s, e);
    assert.equal(s.value, "Held");
    const input = restoreSafely(JSON.parse(JSON.stringify(line.getPersistedSnapshot(s))), 9_000);
    const [restored] = initialTransition(line, input);
    assert.equal(restored.value, "Stopped");
    assert.deepEqual(restored.context.counts, { metresProcessed: 7.5, metresRejected: 0.5 });
    assert.deepEqual(restored.context.timeInStateMs, s.context.timeInStateMs);
    assert.equal(restored.context.mode, "Maintenance");
    assert.equal(restored.context.params?.recipe, "BiSb");
    assert.equal(restored.context.permissives.ok, false);
    assert.equal(restored.context.stopReason?.message, "restart: line was Held; stopped, will not resume by itself");
  });

  it("the restored line needs reset and permissives before it can run again", () => {
    const [stopped] = initialTransition(line, restoreSafely(persistedIn("Execute"), 1));
    assert.equal(transition(line, stopped, cmd("start"))[0].value, "Stopped", "no start from Stopped");
    let s = stopped;
    for (const e of [cmd("reset"), done("SEQ.RESET"), cmd("start")]) [s] = transition(line, s, e);
    assert.equal(s.value, "Idle", "start refused until the permissives are reported");
  });

  it("with no saved state the line starts Stopped, stop reason first-start", () => {
    const [snap] = initialTransition(line, restoreSafely(undefined, 5));
    assert.equal(snap.value, "Stopped");
    assert.deepEqual(snap.context.stopReason, { code: "first-start", message: "first start: no saved line state", at: 5 });
  });

  it("an unreadable saved state comes back Stopped, stop reason restart", () => {
    for (const junk of [{}, { value: "Running" }, { value: { nested: "Execute" } }, "Execute", 42, []]) {
      const [snap] = initialTransition(line, restoreSafely(junk, 5));
      assert.equal(snap.value, "Stopped", JSON.stringify(junk));
      assert.equal(snap.context.stopReason?.code, "restart");
      assert.match(snap.context.stopReason?.message ?? "", /unreadable/);
    }
    // A readable state with a damaged context still restores safely, with defaults.
    const [snap] = initialTransition(line, restoreSafely({ value: "Execute", context: { counts: { metresProcessed: -1 }, mode: "Turbo" } }, 5));
    assert.equal(snap.value, "Stopped");
    assert.deepEqual(snap.context.counts, { metresProcessed: 0, metresRejected: 0 });
    assert.equal(snap.context.mode, "Production");
  });

  it("a live actor restored from a running line sends its fresh sequencer nothing", () => {
    const machine = createLineMachine(recordingSequencer);
    const actor = createActor(machine, { input: restoreSafely(persistedIn("Execute"), 10) });
    const errors: unknown[] = [];
    actor.subscribe({ error: (e) => errors.push(e) });
    actor.start();
    try {
      assert.equal(actor.getSnapshot().value, "Stopped");
      const child = actor.getSnapshot().children.sequencer;
      assert.deepEqual(child?.getSnapshot().context, { got: [] });
      actor.send({ type: "CMD", command: "reset" });
      assert.equal(actor.getSnapshot().value, "Resetting");
      assert.deepEqual(child?.getSnapshot().context, { got: ["SEQ.RESET"] });
      assert.deepEqual(errors, []);
    } finally {
      actor.stop();
    }
  });
});
