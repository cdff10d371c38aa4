import { type Actor, createActor } from "xstate";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { TagScalar, TagValue } from "../core/tag-value.js";
import type { ProcessView } from "./control-io.js";
import type { TagBatchWriter } from "../core/tag-io.js";
import type { InterlockStatus } from "../interlocks/interlock-status.js";
import { restoreSafely } from "./line-restore.js";
import type { LineEvent } from "./line-events.js";
import { commandVerdict, lineState, lineStatus, modeVerdict } from "./line-status.js";
import { type LineMachine, createLineMachine } from "./line.machine.js";
import type { LineSnapshotPort as LineSnapshotStore } from "./line-snapshot-port.js";
import type { PackmlCommand, PackmlState, UnitMode } from "./packml-states.js";
import { createSequencerMachine } from "./sequencer.machine.js";
import { sequencerStatus } from "./sequencer-status.js";
import type { SequenceParams } from "../recipes/sequence-params.js";
import { type StateTransition, stateTransitions } from "./state-transition.js";

/** What the line service needs from the recipe service (kept narrow: control does not import adapters). */
export interface LineRecipes {
  status(): { alloy: string | null; state: string; version: number | null; hash: string | null; trial: boolean };
  isVerified(): boolean;
  load(alloy: string, by?: string, choice?: { version?: number; trial?: boolean }): Promise<{ ok: boolean; unknownRecipe?: boolean; problems: readonly string[]; status: unknown }>;
  verify(by?: string): Promise<unknown>;
  sequenceParams(): SequenceParams | undefined;
  list(): unknown;
  get(alloy: string): unknown;
}

/**
 * The production rule, as the recipe catalog decides it: which version a load in this unit mode may take
 * (Production: the approved one; Maintenance: a Draft or In-review one as a TRIAL), and the record of each
 * load ("where used"). Absent: recipes come from the files alone (no versions).
 */
export interface LineRecipeRules {
  loadability(alloy: string, version: number | undefined, mode: UnitMode): { ok: true; version: number | null; trial: boolean } | { ok: false; code: string; message: string };
  recordLoad(load: { alloy: string; version: number; by: string; mode: UnitMode; lineState: string; verdict: "verified" | "mismatch" | "refused" | "failed"; trial: boolean; detail: string | null }): void;
}

export interface LineTagSource {
  get(name: string): { readonly value: TagValue } | undefined;
  all(): readonly { readonly config: { readonly name: string }; readonly value: TagValue }[];
}

/**
 * What the line asks of the interlocks (the interlock service implements it): evaluate now (after each tick,
 * after a recipe load and before a start's verdict), reset latched trips whose cause has cleared (the line's
 * reset and clear), and their state for the line's status. The other way, the interlocks reach the line
 * through its `lineInputs()` and `send()` (InterlockLine).
 */
export interface LineInterlocks {
  tick(): void;
  reset(by: string): unknown;
  status(): Pick<InterlockStatus, "firstOut" | "tripped" | "permissivesOk" | "missingPermissives" | "bypassed">;
  /** The devices whose first data the interlocks still wait for (the quiet boot); empty once all delivered. */
  waitingFor(): readonly string[];
}

export interface LineServiceDeps {
  readonly tags: LineTagSource;
  readonly io: TagBatchWriter;
  readonly recipes: LineRecipes;
  readonly recipeRules?: LineRecipeRules;
  readonly interlocks: LineInterlocks;
  readonly store: LineSnapshotStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /** TICK period, ms (default 50). */
  readonly tickMs?: number;
}

/** States in which the line is producing or moving toward it (the interlocks' "running"). */
const RUNNING: ReadonlySet<PackmlState> = new Set([
  "Starting", "Execute", "Completing", "Holding", "Unholding", "Suspending", "Suspended", "Unsuspending",
]);
/**
 * Written at every start of the SCADA, until the PLCs accept them: whatever the line was doing before a
 * crash or restart, it comes back with the heater, the doser and the drives off.
 */
export const SAFE_BOOT_OUTPUTS = [
  { tag: "htr.heater_enable", value: false },
  { tag: "feed.doser_on", value: false },
  { tag: "feed.drives_run", value: false },
] as const;

/** States in which a recipe may be (re)loaded. */
const RECIPE_LOAD_STATES: ReadonlySet<PackmlState> = new Set(["Stopped", "Idle", "Aborted", "Complete"]);

type LineActor = Actor<LineMachine>;

/**
 * The line in operation: the PackML machine with its sequencer and stations, driven by TICKs built from
 * the tag table, fed trips and permissives by the interlock service, guarded by the recipe's read-back
 * (IL-11), persisted on every state change and restored safely after a restart.
 */
export class LineService {
  readonly name = "line";
  private actor: LineActor | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastPersistedState = "";
  private lastPersistAt = 0;
  /** The safe boot outputs: "pending" until written, "writing" while in flight. */
  private bootOutputs: "pending" | "writing" | "done" = "pending";
  private readonly log: Logger;
  private readonly machine: LineMachine;
  private lastStates: Record<string, string> = {};
  private transitionListeners: ((t: StateTransition) => void)[] = [];

  constructor(private readonly deps: LineServiceDeps) {
    this.log = deps.logger.child({ module: "line" });
    this.machine = createLineMachine(createSequencerMachine(deps.io));
  }

  /** Starts the line from its persisted snapshot: never running, stop reason "restart" when there was one. */
  start(): void {
    const loaded = this.deps.store.load();
    const persisted = loaded.ok ? loaded.snapshot : loaded.reason === "none" ? undefined : "unreadable";
    const input = restoreSafely(persisted, this.deps.clock.now());
    const actor = createActor(this.machine, { input });
    actor.subscribe({
      next: () => {
        this.persist(false);
        this.emitTransitions();
      },
      error: (err) => this.log.error({ err }, "line actor failed"),
    });
    this.actor = actor;
    actor.start();
    this.persist(true);
    this.log.info({ state: lineState(actor.getSnapshot()), restoredFrom: loaded.ok ? "snapshot" : loaded.reason }, "line started");
    this.timer = setInterval(() => this.tick(), this.deps.tickMs ?? 50);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.actor) {
      this.persist(true);
      this.actor.stop();
    }
  }

  /** Every change of the line's PackML state and of each station's state (the first call reports the boot states). */
  onTransition(listener: (t: StateTransition) => void): () => void {
    this.transitionListeners.push(listener);
    return () => {
      this.transitionListeners = this.transitionListeners.filter((l) => l !== listener);
    };
  }

  /** For the interlock service: trips and permissives. */
  send(event: LineEvent): void {
    this.actor?.send(event);
  }

  state(): PackmlState {
    return lineState(this.requireActor().getSnapshot());
  }

  /** The interlocks' view of the line. */
  lineInputs(): { running: boolean; heating: boolean } {
    const heaterOn = this.deps.tags.get("htr.heater_on")?.value;
    return {
      running: this.actor ? RUNNING.has(this.state()) : false,
      heating: heaterOn?.quality.status === "Good" ? heaterOn.value === true : true,
    };
  }

  /** True once the safe outputs were written at boot. */
  bootOutputsWritten(): boolean {
    return this.bootOutputs === "done";
  }

  tick(): void {
    if (!this.actor) return;
    if (this.bootOutputs === "pending") this.writeBootOutputs();
    this.actor.send({ type: "TICK", now: this.deps.clock.now(), view: this.view() });
    this.deps.interlocks.tick();
    this.persist(false);
  }

  async command(cmd: { command: PackmlCommand; recipe?: string; by: string }): Promise<{ accepted: boolean; reason?: string; state: string }> {
    const actor = this.requireActor();
    const refuse = (reason: string) => {
      this.log.warn({ command: cmd.command, by: cmd.by, reason }, "command refused");
      return { accepted: false, reason, state: this.state() };
    };
    let params: SequenceParams | undefined;
    if (cmd.command === "reset" || cmd.command === "clear") {
      // The line's reset is the operator's reset of latched trips whose cause has cleared (the rest stay latched and block start).
      const verdict = commandVerdict(actor.getSnapshot(), cmd.command);
      if (verdict.allowed) this.deps.interlocks.reset(cmd.by);
    }
    if (cmd.command === "start") {
      const waiting = this.deps.interlocks.waitingFor();
      if (waiting.length > 0) return refuse(`waiting for first data from ${waiting.join(", ")}: the interlocks cannot protect the line yet`);
      if (this.bootOutputs !== "done") return refuse("the PLCs have not yet confirmed the safe boot outputs (heater, doser, drives off)");
      // The state must allow start before a recipe is touched.
      const pre = commandVerdict(actor.getSnapshot(), "start", placeholderParams);
      if (!pre.allowed && !/permissive|IL-/.test(pre.reason)) return refuse(pre.reason);
      const loaded = this.deps.recipes.status();
      if (cmd.recipe !== undefined && loaded.alloy !== cmd.recipe) {
        const r = await this.loadChecked(cmd.recipe, cmd.by, undefined);
        if (!r.ok) return refuse(`recipe ${cmd.recipe} not loaded: ${r.problems.join("; ")}`);
      } else if (loaded.alloy === null) {
        return refuse("no recipe loaded (IL-11): give one, e.g. {\"command\":\"start\",\"recipe\":\"BiSb\"}");
      }
      await this.deps.recipes.verify(cmd.by);
      this.deps.interlocks.tick();
      if (!this.deps.recipes.isVerified()) {
        return refuse(`recipe ${this.deps.recipes.status().alloy ?? ""} not verified in the PLC (IL-11): ${this.deps.recipes.status().state}`);
      }
      params = this.deps.recipes.sequenceParams() ?? undefined;
      if (!params) return refuse("the loaded recipe has no sequence parameters");
    }
    const verdict = commandVerdict(actor.getSnapshot(), cmd.command, params);
    if (!verdict.allowed) return refuse(verdict.reason);
    actor.send({ type: "CMD", command: cmd.command, by: cmd.by, ...(params ? { params } : {}) });
    this.log.info({ command: cmd.command, by: cmd.by, state: this.state() }, "command accepted");
    return { accepted: true, state: this.state() };
  }

  /** A recipe may be loaded only while the line is not running. */
  async loadRecipe(alloy: string, by: string, version?: number) {
    const state = this.state();
    if (!RECIPE_LOAD_STATES.has(state)) {
      return { ok: false as const, problems: [`recipes can be loaded only in ${[...RECIPE_LOAD_STATES].join(", ")} (line is ${state})`], status: this.deps.recipes.status() };
    }
    const r = await this.loadChecked(alloy, by, version);
    this.deps.interlocks.tick();
    return r.ok ? { ok: true as const, status: r.status } : { ok: false as const, problems: r.problems, status: r.status, ...(r.unknownRecipe ? { unknownRecipe: true } : {}), ...(r.notLoadable ? { notLoadable: true } : {}) };
  }

  /** Changes the unit mode (Production, Maintenance, Manual) in a wait state; refused with the reason otherwise. */
  setMode(mode: UnitMode, by: string): { accepted: boolean; reason?: string; mode: UnitMode } {
    const actor = this.requireActor();
    const verdict = modeVerdict(actor.getSnapshot(), mode);
    if (!verdict.allowed) return { accepted: false, reason: verdict.reason, mode: this.mode() };
    actor.send({ type: "MODE", mode, by });
    this.log.info({ mode, by }, "unit mode changed");
    return { accepted: true, mode: this.mode() };
  }

  mode(): UnitMode {
    return lineStatus(this.requireActor().getSnapshot()).mode;
  }

  /** A load under the production rule (the unit mode decides which versions may load), recorded where used. */
  private async loadChecked(alloy: string, by: string, version: number | undefined) {
    const rules = this.deps.recipeRules;
    const mode = this.mode();
    const allowed = rules ? rules.loadability(alloy, version, mode) : ({ ok: true, version: version ?? null, trial: false } as const);
    if (!allowed.ok) return { ok: false as const, problems: [allowed.message], status: this.deps.recipes.status(), unknownRecipe: allowed.code === "unknown", notLoadable: allowed.code === "not-loadable" };
    const lineState = this.state();
    const r = await this.deps.recipes.load(alloy, by, { ...(allowed.version === null ? {} : { version: allowed.version }), trial: allowed.trial });
    if (rules && allowed.version !== null) {
      const s = this.deps.recipes.status();
      const verdict = r.ok ? "verified" : s.state === "mismatch" ? "mismatch" : s.state === "invalid" ? "refused" : "failed";
      rules.recordLoad({ alloy, version: allowed.version, by, mode, lineState, verdict, trial: allowed.trial, detail: r.ok ? null : r.problems.join("; ") });
    }
    return { ...r, notLoadable: false };
  }

  status() {
    const snap = this.requireActor().getSnapshot();
    const seq = snap.children.sequencer?.getSnapshot();
    const il = this.deps.interlocks.status();
    const recipe = this.deps.recipes.status();
    return {
      ...lineStatus(snap),
      stations: seq ? sequencerStatus(seq) : null,
      interlocks: {
        firstOut: il.firstOut,
        tripped: il.tripped,
        permissivesOk: il.permissivesOk,
        missingPermissives: il.missingPermissives,
        bypassed: il.bypassed,
      },
      loadedRecipe: recipe,
      // What runs: the recipe, its version and content hash, and whether it is a TRIAL (not approved, Maintenance).
      recipe: { alloy: recipe.alloy, version: recipe.version, hash: recipe.hash, trial: recipe.trial },
      trial: recipe.trial,
    };
  }

  private emitTransitions(): void {
    if (!this.actor || this.transitionListeners.length === 0) return;
    const snap = this.actor.getSnapshot();
    const seq = snap.children.sequencer?.getSnapshot();
    const status = seq ? sequencerStatus(seq) : null;
    const now: Record<string, { state: string; detail: string }> = { line: { state: lineState(snap), detail: status?.step ?? "" } };
    for (const [id, st] of Object.entries(status?.stations ?? {})) if (st) now[id] = { state: st.state, detail: st.detail };
    const changes = stateTransitions(this.lastStates, now, this.deps.clock.now());
    if (changes.length === 0) return;
    for (const c of changes) this.lastStates[c.scope] = c.to;
    for (const c of changes) {
      for (const l of this.transitionListeners) {
        try {
          l(c);
        } catch (err) {
          this.log.error({ err }, "state transition listener failed");
        }
      }
    }
  }

  private writeBootOutputs(): void {
    this.bootOutputs = "writing";
    this.deps.io.writeTags(SAFE_BOOT_OUTPUTS).then(
      (r) => {
        if (r.ok) {
          this.bootOutputs = "done";
          this.log.info({ outputs: SAFE_BOOT_OUTPUTS }, "safe outputs written at boot: heater, doser and drives off");
        } else this.bootOutputs = "pending";
      },
      () => {
        this.bootOutputs = "pending";
      },
    );
  }

  private view(): ProcessView {
    const v: Record<string, TagScalar | undefined> = {};
    for (const e of this.deps.tags.all()) v[e.config.name] = e.value.quality.status === "Good" && e.value.value !== null ? e.value.value : undefined;
    return v;
  }

  /** Persists on every state change, and every 5 s for the counters. */
  private persist(force: boolean): void {
    if (!this.actor) return;
    const snap = this.actor.getSnapshot();
    const key = JSON.stringify(snap.value);
    const now = this.deps.clock.now();
    if (!force && key === this.lastPersistedState && now - this.lastPersistAt < 5000) return;
    this.lastPersistedState = key;
    this.lastPersistAt = now;
    try {
      this.deps.store.save(this.actor.getPersistedSnapshot());
    } catch (err) {
      this.log.error({ err, file: this.deps.store.file }, "could not persist the line snapshot");
    }
  }

  private requireActor(): LineActor {
    if (!this.actor) throw new Error("line service not started");
    return this.actor;
  }
}

/** Used only to ask whether the state allows start at all, before a recipe is loaded. */
const placeholderParams = {} as SequenceParams;
