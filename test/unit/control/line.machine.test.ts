import assert from "node:assert/strict";
import { createActor, createMachine, enqueueActions, initialTransition, setup, transition, type SnapshotFrom } from "xstate";
import { getAdjacencyMap, getShortestPaths, getSimplePaths } from "xstate/graph";
import type { LineContext, LineInput } from "../../../src/control/line-context.js";
import type { LineEvent } from "../../../src/control/line-events.js";
import { commandVerdict, lineStatus, modeVerdict } from "../../../src/control/line-status.js";
import { createLineMachine } from "../../../src/control/line.machine.js";
import { ACTING_STEPS } from "../../../src/control/packml-command-table.js";
import {
  ACTING_STATES,
  PACKML_COMMANDS,
  PACKML_STATE_NUMBERS,
  PACKML_STATES,
  type PackmlCommand,
  type PackmlState,
} from "../../../src/control/packml-states.js";
import type { SequenceParams } from "../../../src/recipes/sequence-params.js";
import type { SequencerCommand, SequencerEvent, SequencerReport } from "../../../src/control/sequencer-protocol.js";

// ─── kit: a line, the events that drive it into each PackML state, sequencer stand-ins ─────────────────

const PARAMS: SequenceParams = {
  recipe: "BiSb",
  mode: "pulse",
  targetLengthM: 100,
  o2PermissivePpm: 50,
  safeWebTempK: 373,
  conductivityEndpoint: 50,
  minQuenchGasFlow: 100,
  minCoolantFlow: 5,
  minRinseFlow: 10,
  webSpeed: 2.6,
  timeouts: { flowMs: 30_000, purgeMs: 600_000, webMs: 60_000, heatMs: 10_000, coolMs: 30_000, flushMs: 120_000 },
};

/** A sequencer that never answers: the tests send its reports to the line by hand. */
const silentSequencer = createMachine({ id: "silent-sequencer" });

/** A sequencer that answers every command with SEQ.DONE and counts what it received (to check restores). */
const answeringSequencer = setup({
  types: { context: {} as { commands: string[]; ticks: number }, events: {} as SequencerEvent },
}).createMachine({
  id: "answering-sequencer",
  context: { commands: [], ticks: 0 },
  on: {
    "*": {
      actions: enqueueActions(({ context, event, enqueue }) => {
        if (event.type === "TICK") {
          enqueue.assign({ ticks: context.ticks + 1 });
          return;
        }
        enqueue.assign({ commands: [...context.commands, event.type] });
        const report: SequencerReport = { type: "SEQ.DONE", command: event.type };
        enqueue.sendParent(report);
      }),
    },
  },
});

const line = createLineMachine(silentSequencer);
type LineSnap = SnapshotFrom<typeof line>;

const cmd = (command: PackmlCommand, extra: { params?: SequenceParams; by?: string; reason?: string } = {}): LineEvent => ({
  type: "CMD",
  command,
  ...extra,
});
const start = (): LineEvent => cmd("start", { params: PARAMS });
const done = (command: SequencerCommand["type"]): LineEvent => ({ type: "SEQ.DONE", command });
const permissivesOk: LineEvent = { type: "PERMISSIVES", ok: true, missing: [] };
const permissivesMissing = (...missing: string[]): LineEvent => ({ type: "PERMISSIVES", ok: false, missing });
const tick = (now: number, view: Record<string, number | undefined> = {}): LineEvent => ({ type: "TICK", now, view });

const idle = [cmd("reset"), done("SEQ.RESET")];
const starting = [...idle, permissivesOk, start()];
const execute = [...starting, done("SEQ.START")];
const completing = [...execute, { type: "SEQ.TARGET_REACHED", lengthM: 100 } as LineEvent];
const holding = [...execute, cmd("hold")];
const held = [...holding, done("SEQ.HOLD")];
const suspending = [...execute, cmd("suspend")];
const suspended = [...suspending, done("SEQ.SUSPEND")];
const aborted = [cmd("abort"), done("SEQ.ABORT")];

/** From a fresh line (permissives not yet evaluated), the events that lead into each state. */
const PATH_TO: Readonly<Record<PackmlState, readonly LineEvent[]>> = {
  Stopped: [],
  Resetting: [cmd("reset")],
  Idle: idle,
  Starting: starting,
  Execute: execute,
  Completing: completing,
  Complete: [...completing, done("SEQ.COMPLETE")],
  Holding: holding,
  Held: held,
  Unholding: [...held, cmd("unhold")],
  Suspending: suspending,
  Suspended: suspended,
  Unsuspending: [...suspended, cmd("unsuspend")],
  Stopping: [...idle, cmd("stop")],
  Aborting: [cmd("abort")],
  Aborted: aborted,
  Clearing: [...aborted, cmd("clear")],
};

function run(events: readonly LineEvent[], input: LineInput = { now: 0 }, from?: LineSnap): LineSnap {
  let snapshot = from ?? initialTransition(line, input)[0];
  for (const event of events) snapshot = transition(line, snapshot, event)[0];
  return snapshot;
}

function inState(state: PackmlState, input?: LineInput): LineSnap {
  return run(PATH_TO[state], input);
}

// ─── the PackML standard, written independently of the implementation's table ───────────────────────────

const ALL = PACKML_STATES;
const STOP_FROM: readonly PackmlState[] = [
  "Idle", "Starting", "Execute", "Completing", "Complete", "Holding", "Held", "Unholding", "Suspending", "Suspended", "Unsuspending", "Resetting",
];
const ABORT_FROM: readonly PackmlState[] = ALL.filter((s) => s !== "Aborting" && s !== "Aborted");
/** Execute, plus the optional Hold transitions of the 2015 model (Starting, Suspending, Suspended, Unsuspending, Unholding). */
const HOLD_FROM: readonly PackmlState[] = ["Execute", "Starting", "Suspending", "Suspended", "Unsuspending", "Unholding"];

function expectedTarget(state: PackmlState, command: PackmlCommand): PackmlState | undefined {
  switch (command) {
    case "reset": return state === "Stopped" || state === "Complete" ? "Resetting" : undefined;
    case "start": return state === "Idle" ? "Starting" : undefined;
    case "stop": return STOP_FROM.includes(state) ? "Stopping" : undefined;
    case "hold": return HOLD_FROM.includes(state) ? "Holding" : undefined;
    case "unhold": return state === "Held" ? "Unholding" : undefined;
    case "suspend": return state === "Execute" ? "Suspending" : undefined;
    case "unsuspend": return state === "Suspended" ? "Unsuspending" : undefined;
    case "abort": return ABORT_FROM.includes(state) ? "Aborting" : undefined;
    case "clear": return state === "Aborted" ? "Clearing" : undefined;
  }
}

const SC_TARGET: Readonly<Record<string, PackmlState>> = {
  Resetting: "Idle", Starting: "Execute", Completing: "Complete", Holding: "Held", Unholding: "Execute",
  Suspending: "Suspended", Unsuspending: "Execute", Stopping: "Stopped", Aborting: "Aborted", Clearing: "Stopped",
};
const ACTING = [...ACTING_STATES];
const WAIT_STATES: readonly PackmlState[] = ["Stopped", "Idle", "Complete", "Held", "Suspended", "Aborted"];
const SEQ_COMMANDS = Object.values(ACTING_STEPS).map((s) => s.command);

const commandEvent = (command: PackmlCommand): LineEvent => (command === "start" ? start() : cmd(command));

/** Context without the fields a refused command may touch. */
function withoutLastCommand(s: LineSnap): Omit<LineContext, "lastCommand"> {
  const { lastCommand: _ignored, ...rest } = s.context;
  return rest;
}

function sentToSequencer(actions: readonly { type: string; params?: unknown }[]): unknown[] {
  return actions
    .filter((a) => a.type === "xstate.sendTo")
    .map((a) => a.params as { targetId?: string; event: unknown })
    .filter((p) => p.targetId === "sequencer")
    .map((p) => p.event);
}

describe("line machine (PackML)", () => {
  describe("state model", () => {
    it("has exactly the PackML states, starting in Stopped", () => {
      assert.deepEqual(Object.keys(line.root.states).sort(), [...PACKML_STATES].sort());
      assert.equal(run([]).value, "Stopped");
    });

    it("the test paths reach every state (and the sequencer child exists in each)", () => {
      for (const s of ALL) {
        const snap = inState(s);
        assert.equal(snap.value, s);
        assert.ok(snap.children.sequencer, `no sequencer child in ${s}`);
      }
    });

    it("implements the acting states of the contract", () => {
      assert.deepEqual(Object.keys(ACTING_STEPS).sort(), ACTING.sort());
    });

    it("every state × every command: allowed or refused exactly as PackML says", () => {
      let allowed = 0;
      let refused = 0;
      for (const state of ALL) {
        // Permissives ok: here only the state model may refuse.
        const before = run([permissivesOk], undefined, inState(state));
        for (const command of PACKML_COMMANDS) {
          const [after] = transition(line, before, commandEvent(command));
          const target = expectedTarget(state, command);
          const label = `${command} in ${state}`;
          assert.equal(after.context.lastCommand?.command, command, label);
          if (target) {
            allowed++;
            assert.equal(after.value, target, label);
            assert.equal(after.context.lastCommand?.accepted, true, label);
          } else {
            refused++;
            assert.equal(after.value, state, label);
            assert.equal(after.context.lastCommand?.accepted, false, label);
            assert.match(after.context.lastCommand?.reason ?? "", new RegExp(`^${command} is not allowed in state ${state} \\(allowed: `), label);
            assert.deepEqual(withoutLastCommand(after), withoutLastCommand(before), `${label}: a refusal changes nothing else`);
          }
        }
      }
      assert.equal(allowed + refused, ALL.length * PACKML_COMMANDS.length);
      assert.equal(allowed, 2 + 1 + 12 + 6 + 1 + 1 + 1 + 15 + 1);
    });

    it("the refusal names the state and the commands it allows", () => {
      const [after] = transition(line, inState("Execute"), start());
      assert.equal(after.context.lastCommand?.reason, "start is not allowed in state Execute (allowed: stop, hold, suspend, abort)");
      const [aborting] = transition(line, inState("Aborting"), cmd("stop"));
      assert.equal(aborting.context.lastCommand?.reason, "stop is not allowed in state Aborting (allowed: none)");
    });

    it("acting states finish only on SEQ.DONE of their own command", () => {
      for (const state of ACTING) {
        const before = inState(state);
        const own = ACTING_STEPS[state as keyof typeof ACTING_STEPS].command;
        for (const c of SEQ_COMMANDS) {
          const [after] = transition(line, before, done(c));
          assert.equal(after.value, c === own ? SC_TARGET[state] : state, `${c} in ${state}`);
        }
        for (const e of [tick(5), permissivesOk, permissivesMissing("IL-07"), { type: "SEQ.FED" } as LineEvent, { type: "REJECT", metres: 1 } as LineEvent,
          { type: "MODE", mode: "Manual" } as LineEvent, { type: "SEQ.TARGET_REACHED", lengthM: 1 } as LineEvent]) {
          assert.equal(transition(line, before, e)[0].value, state, `${e.type} in ${state}`);
        }
      }
    });

    it("wait states leave only on a command (or a trip / failure, which PackML treats as one)", () => {
      for (const state of WAIT_STATES) {
        const before = inState(state);
        const events: LineEvent[] = [
          ...SEQ_COMMANDS.map(done), tick(5), permissivesOk, permissivesMissing("IL-07"), { type: "SEQ.FED" }, { type: "REJECT", metres: 1 },
          { type: "SEQ.STARVED", reason: "hopper low" }, { type: "SEQ.TARGET_REACHED", lengthM: 1 },
        ];
        for (const e of events) assert.equal(transition(line, before, e)[0].value, state, `${e.type} in ${state}`);
      }
    });

    it("entering an acting state sends the sequencer its command; SEQ.START carries the start's params", () => {
      for (const state of ACTING) {
        const path = PATH_TO[state];
        const before = run(path.slice(0, -1));
        const [after, actions] = transition(line, before, path[path.length - 1]!);
        assert.equal(after.value, state);
        const own = ACTING_STEPS[state as keyof typeof ACTING_STEPS].command;
        const expected = own === "SEQ.START" ? { type: own, params: PARAMS } : { type: own };
        assert.deepEqual(sentToSequencer(actions), [expected], state);
      }
      // Wait states send nothing on entry.
      const [held, actions] = transition(line, inState("Holding"), done("SEQ.HOLD"));
      assert.equal(held.value, "Held");
      assert.deepEqual(sentToSequencer(actions), []);
    });

    it("forwards every TICK to the sequencer, in every state", () => {
      for (const state of ALL) {
        const event = tick(1234, { "rinse.roll_length": 3 });
        const [, actions] = transition(line, inState(state), event);
        assert.deepEqual(sentToSequencer(actions), [event], state);
      }
    });
  });

  describe("refusals", () => {
    it("start without params is refused with the reason", () => {
      const idle = run([permissivesOk], undefined, inState("Idle"));
      const [after] = transition(line, idle, cmd("start"));
      assert.equal(after.value, "Idle");
      assert.deepEqual(commandVerdict(idle, "start"), { allowed: false, reason: "no run parameters (a loaded, verified recipe) were given" });
      assert.equal(after.context.lastCommand?.reason, "no run parameters (a loaded, verified recipe) were given");
    });

    it("start is refused until the interlocks have reported the permissives", () => {
      const fresh = run([cmd("reset"), done("SEQ.RESET")]);
      assert.equal(fresh.value, "Idle");
      const [after] = transition(line, fresh, start());
      assert.equal(after.value, "Idle");
      assert.equal(after.context.lastCommand?.reason, "permissive missing: permissives not evaluated yet");
    });

    it("start while a permissive is missing is refused with the missing permissive; taken once ok", () => {
      const idle = run([permissivesMissing("IL-04 O₂ 812 ppm ≥ 50 ppm", "IL-07 door open")], undefined, inState("Idle"));
      const verdict = commandVerdict(idle, "start", PARAMS);
      assert.deepEqual(verdict, { allowed: false, reason: "permissive missing: IL-04 O₂ 812 ppm ≥ 50 ppm; IL-07 door open" });
      const [refused] = transition(line, idle, start());
      assert.equal(refused.value, "Idle");
      assert.equal(refused.context.lastCommand?.reason, verdict.allowed ? "" : verdict.reason);
      const ok = run([permissivesOk, start()], undefined, refused);
      assert.equal(ok.value, "Starting");
      assert.deepEqual(ok.context.params, PARAMS);
    });

    it("PERMISSIVES ok with something listed as missing counts as not ok (fail safe)", () => {
      const idle = run([{ type: "PERMISSIVES", ok: true, missing: ["IL-11 recipe not verified"] }], undefined, inState("Idle"));
      assert.deepEqual(idle.context.permissives, { ok: false, missing: ["IL-11 recipe not verified"] });
      assert.equal(transition(line, idle, start())[0].value, "Idle");
    });

    it("unhold and unsuspend need the permissives too (they lead back to Execute)", () => {
      for (const [state, command] of [["Held", "unhold"], ["Suspended", "unsuspend"]] as const) {
        const waiting = run([permissivesMissing("IL-07 door open")], undefined, inState(state));
        assert.deepEqual(commandVerdict(waiting, command), { allowed: false, reason: "permissive missing: IL-07 door open" });
        assert.equal(transition(line, waiting, cmd(command))[0].value, state);
        assert.notEqual(transition(line, run([permissivesOk], undefined, waiting), cmd(command))[0].value, state);
        // Stop and abort are never blocked by permissives.
        assert.equal(transition(line, waiting, cmd("stop"))[0].value, "Stopping");
        assert.equal(transition(line, waiting, cmd("abort"))[0].value, "Aborting");
      }
    });

    it("unsuspend is refused while starved, until the sequencer reports SEQ.FED", () => {
      const suspended = run([{ type: "SEQ.STARVED", reason: "hopper level 3 %" }, done("SEQ.SUSPEND")], undefined, inState("Execute"));
      assert.equal(suspended.value, "Suspended");
      assert.deepEqual(commandVerdict(suspended, "unsuspend"), { allowed: false, reason: "still starved: hopper level 3 %" });
      assert.equal(transition(line, suspended, cmd("unsuspend"))[0].value, "Suspended");
      const fed = run([{ type: "SEQ.FED" }], undefined, suspended);
      assert.deepEqual(commandVerdict(fed, "unsuspend"), { allowed: true });
      assert.equal(transition(line, fed, cmd("unsuspend"))[0].value, "Unsuspending");
    });

    it("commandVerdict agrees with the machine for every state × command × params × permissives × starvation", () => {
      let cases = 0;
      for (const state of ALL) {
        for (const extra of [[], [permissivesMissing("IL-04 O₂ high")], [{ type: "SEQ.STARVED", reason: "hopper low" } as LineEvent]]) {
          const before = run(extra, undefined, inState(state));
          for (const command of PACKML_COMMANDS) {
            for (const params of [undefined, PARAMS]) {
              const verdict = commandVerdict(before, command, params);
              const [after] = transition(line, before, cmd(command, params ? { params } : {}));
              const label = `${command}${params ? "+params" : ""} in ${state} after ${extra.map((e) => e.type).join(",") || "-"}`;
              assert.equal(after.value !== before.value, verdict.allowed, label);
              assert.equal(after.context.lastCommand?.accepted, verdict.allowed, label);
              assert.equal(after.context.lastCommand?.reason, verdict.allowed ? null : verdict.reason, label);
              cases++;
            }
          }
        }
      }
      assert.equal(cases, ALL.length * 3 * PACKML_COMMANDS.length * 2);
    });
  });

  describe("sequencer reports", () => {
    it("SEQ.FAILED aborts with the reason from every state that allows abort", () => {
      const failed: LineEvent = { type: "SEQ.FAILED", command: "SEQ.START", reason: "O₂ permissive not reached in 600 s" };
      for (const state of ABORT_FROM) {
        const after: LineSnap = transition(line, inState(state, { now: 42 }), failed)[0];
        assert.equal(after.value, "Aborting", state);
        assert.deepEqual(after.context.stopReason, {
          code: "sequence-failed", message: "sequence failed: SEQ.START: O₂ permissive not reached in 600 s", at: 42,
        });
        assert.deepEqual(after.context.lastFault, { command: "SEQ.START", reason: "O₂ permissive not reached in 600 s", at: 42 });
      }
    });

    it("a failed abort still ends Aborting (in Aborted, fault recorded); in Aborted a failure is only recorded", () => {
      const failedAbort: LineEvent = { type: "SEQ.FAILED", command: "SEQ.ABORT", reason: "web temperature not below 373 K" };
      const [aborted] = transition(line, inState("Aborting"), failedAbort);
      assert.equal(aborted.value, "Aborted");
      assert.equal(aborted.context.lastFault?.reason, "web temperature not below 373 K");
      assert.equal(aborted.context.stopReason?.code, "operator-abort");
      const [still] = transition(line, inState("Aborted"), failedAbort);
      assert.equal(still.value, "Aborted");
      assert.equal(still.context.lastFault?.command, "SEQ.ABORT");
    });

    it("starvation in Execute → Suspending with the reason; elsewhere only recorded", () => {
      const starved: LineEvent = { type: "SEQ.STARVED", reason: "hopper level 3 %" };
      const [suspending] = transition(line, inState("Execute", { now: 7 }), starved);
      assert.equal(suspending.value, "Suspending");
      assert.deepEqual(suspending.context.stopReason, { code: "starved", message: "starved: hopper level 3 %", at: 7 });
      assert.deepEqual(suspending.context.starved, { reason: "hopper level 3 %", at: 7 });
      for (const state of ALL.filter((s) => s !== "Execute")) {
        const before = inState(state);
        const after: LineSnap = transition(line, before, starved)[0];
        assert.equal(after.value, state);
        assert.equal(after.context.stopReason, before.context.stopReason);
        assert.equal(after.context.starved?.reason, "hopper level 3 %");
      }
    });

    it("target length reached in Execute → Completing; elsewhere ignored", () => {
      const reached: LineEvent = { type: "SEQ.TARGET_REACHED", lengthM: 100.2 };
      const [completing] = transition(line, inState("Execute"), reached);
      assert.equal(completing.value, "Completing");
      assert.equal(completing.context.stopReason?.message, "target length reached: 100.2 m");
      for (const state of ALL.filter((s) => s !== "Execute")) assert.equal(transition(line, inState(state), reached)[0].value, state);
    });

    it("a sequencer that crashes takes the line to Aborted with the reason", () => {
      const crashing = createMachine({
        on: { "SEQ.RESET": { actions: () => { throw new Error("station map missing"); } } },
      });
      const actor = createActor(createLineMachine(crashing), { input: { now: 0 } });
      const errors: unknown[] = [];
      actor.subscribe({ error: (e) => errors.push(e) });
      actor.start();
      actor.send(cmd("reset"));
      const snap = actor.getSnapshot();
      actor.stop();
      assert.equal(snap.value, "Aborted");
      assert.equal(snap.context.stopReason?.code, "sequencer-error");
      assert.match(snap.context.stopReason?.message ?? "", /station map missing/);
      assert.deepEqual(errors, []);
    });
  });

  describe("trips", () => {
    it("TRIP abort → Aborting from every state that allows abort; recorded but ignored in Aborting / Aborted", () => {
      const trip: LineEvent = { type: "TRIP", effect: "abort", reason: "IL-02 web temperature 1502 K > 1420 K" };
      for (const state of ALL) {
        const before = inState(state, { now: 9 });
        const after: LineSnap = transition(line, before, trip)[0];
        const acts = ABORT_FROM.includes(state);
        assert.equal(after.value, acts ? "Aborting" : state, state);
        assert.deepEqual(after.context.lastTrip, { effect: "abort", reason: trip.type === "TRIP" ? trip.reason : "", at: 9, acted: acts });
        if (acts) assert.deepEqual(after.context.stopReason, { code: "trip", message: "trip: IL-02 web temperature 1502 K > 1420 K", at: 9 });
        else assert.deepEqual(after.context.stopReason, before.context.stopReason);
      }
    });

    it("TRIP hold → Holding where PackML allows hold; recorded but ignored elsewhere", () => {
      const trip: LineEvent = { type: "TRIP", effect: "hold", reason: "IL-03 O₂ 1200 ppm while heating" };
      for (const state of ALL) {
        const before = inState(state);
        const after: LineSnap = transition(line, before, trip)[0];
        const acts = HOLD_FROM.includes(state);
        assert.equal(after.value, acts ? "Holding" : state, state);
        assert.equal(after.context.lastTrip?.acted, acts, state);
        assert.equal(after.context.stopReason?.message === "trip: IL-03 O₂ 1200 ppm while heating", acts, state);
      }
    });
  });

  describe("unit modes", () => {
    it("mode changes only in Stopped, Idle, Complete and Aborted; modeVerdict agrees", () => {
      const allowedIn = new Set<PackmlState>(["Stopped", "Idle", "Complete", "Aborted"]);
      for (const state of ALL) {
        const before = inState(state);
        const verdict = modeVerdict(before, "Maintenance");
        const [after] = transition(line, before, { type: "MODE", mode: "Maintenance", by: "op1" });
        assert.equal(verdict.allowed, allowedIn.has(state), state);
        assert.equal(after.context.mode, verdict.allowed ? "Maintenance" : "Production", state);
        assert.equal(after.value, state);
        assert.equal(after.context.lastModeChange?.accepted, verdict.allowed);
        if (!verdict.allowed) assert.match(verdict.reason, new RegExp(`not allowed in state ${state}`));
      }
    });
  });

  describe("PackTags status", () => {
    it("state numbers are PackTags StateCurrent", () => {
      for (const state of ALL) assert.equal(lineStatus(inState(state)).stateNumber, PACKML_STATE_NUMBERS[state]);
      assert.deepEqual(
        (["Clearing", "Stopped", "Starting", "Idle", "Suspended", "Execute", "Stopping", "Aborting", "Aborted"] as const).map((s) => lineStatus(inState(s)).stateNumber),
        [1, 2, 3, 4, 5, 6, 7, 8, 9],
      );
    });

    it("available commands follow the state and the conditions", () => {
      assert.deepEqual(lineStatus(inState("Idle")).availableCommands, ["stop", "abort"]);
      assert.deepEqual(lineStatus(run([permissivesOk], undefined, inState("Idle"))).availableCommands, ["start", "stop", "abort"]);
      assert.deepEqual(lineStatus(inState("Execute")).availableCommands, ["stop", "hold", "suspend", "abort"]);
      assert.deepEqual(lineStatus(inState("Aborting")).availableCommands, []);
      for (const state of ALL) {
        const snap = inState(state);
        for (const c of lineStatus(snap).availableCommands) assert.ok(commandVerdict(snap, c, PARAMS).allowed, `${c} in ${state}`);
      }
    });

    it("status carries mode, recipe, permissives and the operator's stop reason", () => {
      const stopped = run([cmd("stop", { by: "op1", reason: "end of shift" })], { now: 1000 }, inState("Execute", { now: 1000 }));
      const s = lineStatus(stopped);
      assert.equal(s.state, "Stopping");
      assert.equal(s.mode, "Production");
      assert.equal(s.recipe, "BiSb");
      assert.deepEqual(s.permissives, { ok: true, missing: [] });
      assert.deepEqual(s.stopReason, { code: "operator-stop", message: "operator stop by op1: end of shift", at: 1000 });
      assert.deepEqual(s.lastCommand, { command: "stop", by: "op1", at: 1000, accepted: true, reason: null });
      assert.equal(lineStatus(inState("Stopped")).recipe, null);
    });

    it("time in state accumulates from TICK now", () => {
      let s = run([tick(1000), tick(1500)], {}); // accounting starts at the first tick (input without now)
      s = run([cmd("reset"), tick(2200), done("SEQ.RESET"), tick(2300), tick(5300)], undefined, s);
      assert.equal(s.value, "Idle");
      assert.equal(s.context.timeInStateMs.Stopped, 500);
      assert.equal(s.context.timeInStateMs.Resetting, 700);
      assert.equal(s.context.timeInStateMs.Idle, 3100);
      assert.equal(s.context.stateEnteredAt, 2200);
      // A clock that steps back adds nothing.
      s = run([tick(4000), tick(4100)], undefined, s);
      assert.equal(s.context.timeInStateMs.Idle, 3200);
      assert.equal(lineStatus(s).timeInStateMs.Idle, 3200);
    });

    it("time accounting starts at input.now when given", () => {
      const s = run([tick(1250)], { now: 1000 });
      assert.equal(s.context.timeInStateMs.Stopped, 250);
    });

    it("counts metres processed from the roll length while Execute only, and rejected metres", () => {
      const view = (m: number | undefined) => ({ "rinse.roll_length": m });
      let s = run([tick(1, view(5)), tick(2, view(10)), tick(3, view(12.5)), tick(4, view(undefined)), tick(5, view(15))], undefined, inState("Execute"));
      assert.equal(s.context.counts.metresProcessed, 10);
      s = run([cmd("hold"), tick(6, view(16)), done("SEQ.HOLD"), tick(7, view(17)), cmd("unhold"), done("SEQ.UNHOLD"), tick(8, view(17)), tick(9, view(19))], undefined, s);
      assert.equal(s.value, "Execute");
      assert.equal(s.context.counts.metresProcessed, 12, "metres moved while holding are not product");
      s = run([tick(10, view(0.5)), tick(11, view(1.5))], undefined, s); // a new roll
      assert.equal(s.context.counts.metresProcessed, 13);
      s = run([{ type: "REJECT", metres: 1.5 }, { type: "REJECT", metres: -3 }, { type: "REJECT", metres: Number.NaN }], undefined, s);
      assert.deepEqual(lineStatus(s).counts, { metresProcessed: 13, metresRejected: 1.5 });
      // The next run starts counting from zero.
      s = run([{ type: "SEQ.TARGET_REACHED", lengthM: 100 }, done("SEQ.COMPLETE"), cmd("reset"), done("SEQ.RESET"), start()], undefined, s);
      assert.equal(s.value, "Starting");
      assert.deepEqual(s.context.counts, { metresProcessed: 0, metresRejected: 0 });
    });
  });

  describe("running with a sequencer, and persistence", () => {
    function startLine(snapshot?: ReturnType<typeof answering.getPersistedSnapshot>) {
      const actor = snapshot ? createActor(answering, { snapshot }) : createActor(answering, { input: { now: 0 } });
      const errors: unknown[] = [];
      actor.subscribe({ error: (e) => errors.push(e) });
      actor.start();
      return { actor, errors };
    }
    const answering = createLineMachine(answeringSequencer);

    it("a sequencer that answers every command drives reset → Idle, start → Execute, hold → Held", () => {
      const { actor, errors } = startLine();
      try {
        actor.send(cmd("reset"));
        assert.equal(actor.getSnapshot().value, "Idle");
        actor.send(permissivesOk);
        actor.send(start());
        assert.equal(actor.getSnapshot().value, "Execute");
        actor.send(tick(100));
        actor.send(cmd("hold"));
        assert.equal(actor.getSnapshot().value, "Held");
        const child = actor.getSnapshot().children.sequencer;
        assert.deepEqual(child?.getSnapshot().context, { commands: ["SEQ.RESET", "SEQ.START", "SEQ.HOLD"], ticks: 1 });
        assert.deepEqual(errors, []);
      } finally {
        actor.stop();
      }
    });

    it("persists: getPersistedSnapshot → JSON → createActor({snapshot}) gives the same state, context and child", () => {
      const first = startLine();
      first.actor.send(tick(1000));
      first.actor.send(cmd("reset"));
      first.actor.send(permissivesOk);
      first.actor.send(start());
      first.actor.send(tick(2000, { "rinse.roll_length": 1 }));
      first.actor.send(tick(3000, { "rinse.roll_length": 4 }));
      first.actor.send(cmd("suspend", { by: "op1" }));
      const persisted = JSON.parse(JSON.stringify(first.actor.getPersistedSnapshot()));
      const before = first.actor.getSnapshot();
      first.actor.stop();
      assert.equal(before.value, "Suspended");

      const second = startLine(persisted);
      try {
        const after = second.actor.getSnapshot();
        assert.equal(after.value, "Suspended");
        assert.deepEqual(after.context, before.context);
        assert.equal(after.context.counts.metresProcessed, 3);
        const child = after.children.sequencer;
        assert.ok(child, "sequencer child restored");
        assert.deepEqual(child.getSnapshot().context, { commands: ["SEQ.RESET", "SEQ.START", "SEQ.SUSPEND"], ticks: 3 });
        // The restored child is wired to the restored line: it answers the next command.
        second.actor.send(cmd("unsuspend"));
        assert.equal(second.actor.getSnapshot().value, "Execute");
        assert.deepEqual(child.getSnapshot().context.commands, ["SEQ.RESET", "SEQ.START", "SEQ.SUSPEND", "SEQ.UNSUSPEND"]);
        assert.deepEqual(second.errors, []);
      } finally {
        second.actor.stop();
      }
    });

    it("pure snapshots persist too (what the service stores between ticks)", () => {
      const snap = inState("Held", { now: 5 });
      const persisted = JSON.parse(JSON.stringify(line.getPersistedSnapshot(snap)));
      const actor = createActor(line, { snapshot: persisted }).start();
      try {
        assert.equal(actor.getSnapshot().value, "Held");
        assert.deepEqual(actor.getSnapshot().context, snap.context);
        assert.ok(actor.getSnapshot().children.sequencer);
      } finally {
        actor.stop();
      }
    });
  });

  describe("model-based paths (xstate/graph)", () => {
    const RESUMES: ReadonlySet<string> = new Set(["start", "unhold", "unsuspend"]);
    const isResume = (e: LineEvent) => e.type === "CMD" && RESUMES.has(e.command);
    /** Commands (start with fixed params), permissives ok / missing, and every "state complete". */
    const CORE_EVENTS: LineEvent[] = [
      ...PACKML_COMMANDS.map(commandEvent),
      permissivesOk,
      permissivesMissing("IL-07 door open"),
      ...SEQ_COMMANDS.map(done),
    ];
    /** Everything else the line reacts to. */
    const ALL_EVENTS: LineEvent[] = [
      ...CORE_EVENTS,
      { type: "TRIP", effect: "abort", reason: "IL-01 e-stop" },
      { type: "TRIP", effect: "hold", reason: "IL-05 coolant flow low" },
      { type: "SEQ.FAILED", command: "SEQ.START", reason: "purge timeout" },
      { type: "SEQ.STARVED", reason: "hopper low" },
      { type: "SEQ.FED" },
      { type: "SEQ.TARGET_REACHED", lengthM: 100 },
      { type: "MODE", mode: "Manual" },
      { type: "REJECT", metres: 1 },
      tick(1),
    ];
    const serializeState = (s: LineSnap) => `${String(s.value)}|ok=${s.context.permissives.ok}|starved=${s.context.starved !== null}`;

    it("every simple path to Execute took its start — and its last resume — while the permissives were ok", () => {
      const paths = getSimplePaths(line, {
        events: CORE_EVENTS,
        serializeState,
        toState: (s) => s.value === "Execute",
        stopWhen: (s) => s.value === "Execute",
      });
      assert.ok(paths.length > 100, `only ${paths.length} paths`);
      for (const path of paths) {
        assert.equal(path.state.value, "Execute");
        // steps[i].state is the snapshot after steps[i].event; the state a step was taken in is steps[i - 1].state.
        const takenIn = (i: number) => path.steps[i - 1]!.state;
        const starts = path.steps.flatMap((step, i) => (step.event.type === "CMD" && step.event.command === "start" && step.state.value === "Starting" ? [i] : []));
        assert.ok(starts.length > 0, "no start on a path to Execute");
        for (const i of starts) assert.equal(takenIn(i).context.permissives.ok, true, describePath(path.steps));
        const lastResume = path.steps.findLastIndex((step, i) => i > 0 && isResume(step.event) && step.state.value !== takenIn(i).value);
        assert.ok(lastResume > 0);
        assert.equal(takenIn(lastResume).context.permissives.ok, true, describePath(path.steps));
        // …and the last PERMISSIVES before that start said ok.
        const lastStart = starts[starts.length - 1]!;
        const lastPermissives = path.steps.slice(0, lastStart).findLast((step) => step.event.type === "PERMISSIVES");
        assert.equal(lastPermissives?.event.type === "PERMISSIVES" && lastPermissives.event.ok, true);
      }
    });

    it("Execute (and Starting) are unreachable while the permissives are never ok, whatever else happens", () => {
      const paths = getShortestPaths(line, { events: ALL_EVENTS.filter((e) => e !== permissivesOk), serializeState });
      const reached = new Set(paths.map((p) => String(p.state.value)));
      assert.ok(reached.has("Idle") && reached.has("Aborted") && reached.has("Stopping"), [...reached].join(","));
      for (const s of ["Starting", "Execute", "Completing", "Complete", "Holding", "Held", "Unholding", "Suspending", "Suspended", "Unsuspending"]) {
        assert.ok(!reached.has(s), `${s} reachable without permissives`);
      }
    });

    it("over every event, each way into Starting, Unholding or Unsuspending leaves a state with the permissives ok", () => {
      const adjacency = getAdjacencyMap(line, { events: ALL_EVENTS, serializeState });
      let entries = 0;
      for (const { state: from, transitions } of Object.values(adjacency)) {
        for (const { event, state: to } of Object.values(transitions) as { event: LineEvent; state: LineSnap }[]) {
          if (to.value === from.value || !["Starting", "Unholding", "Unsuspending"].includes(String(to.value))) continue;
          entries++;
          assert.equal(from.context.permissives.ok, true, `${String(from.value)} --${event.type}--> ${String(to.value)}`);
          assert.ok(isResume(event), `${String(from.value)} --${event.type}--> ${String(to.value)}`);
        }
      }
      assert.ok(entries >= 3, `only ${entries} entries checked`);
      // Every PackML state is reachable with the full event set.
      assert.deepEqual(new Set(Object.values(adjacency).map((v) => String(v.state.value))), new Set(PACKML_STATES));
    });
  });
});

function describePath(steps: readonly { event: LineEvent; state: LineSnap }[]): string {
  return steps.map((s) => `${s.event.type}${s.event.type === "CMD" ? `:${s.event.command}` : ""}${s.event.type === "PERMISSIVES" ? `:${s.event.ok}` : ""} → ${String(s.state.value)}`).join("\n");
}
