/**
 * Loading a recipe: validate → derive → check limits (refuse with every problem, nothing written) →
 * download every setpoint → read every one back from the PLC and compare. `verify()` repeats the read-back
 * at any time (a setpoint changed in the PLC behind the SCADA's back turns the state to "mismatch", naming
 * the tags); the line may start only while `isVerified()` (IL-11). Loads and verifications run one at a
 * time, in the order they were asked for.
 */
import type { Clock } from "../core/clock.js";
import type { InterlockRecipeParameter } from "../interlocks/interlock-recipe-parameters.js";
import { interlockParamsOf } from "./recipe-interlock-params.js";
import type { Logger } from "../core/logger.js";
import type { TagScalar } from "../core/tag-value.js";
import { toRaw } from "../tags/scaling.js";
import type { TagConfig } from "../tags/tag-schema.js";
import {
  type DerivedSetpoint,
  type RecipeLine,
  lineGeometryOf,
  recipeFileOf,
  sequenceParamsOf,
} from "./recipe-derivation.js";
import type { ReadResult, TagReader, TagWriter } from "../core/tag-io.js";
import { checkRecipe, formatNumber } from "./recipe-limits.js";
import { type Problem, formatProblem } from "../core/problem.js";
import type { Recipe } from "./recipe-schema.js";
import type { SequenceParams } from "./sequence-params.js";
import type { EquipmentLimitsEntry, RecipeEntry, RecipeSummary } from "./recipe-entry.js";

export type RecipeState = "none" | "loading" | "verified" | "invalid" | "mismatch";

/** One setpoint of the loaded recipe: what the recipe wants and what the PLC answered. */
export interface SetpointStatus {
  readonly tag: string;
  /** The value derived from the recipe (engineering units). */
  readonly value: TagScalar;
  /** Recipe fields it comes from. */
  readonly from: readonly string[];
  /** What the PLC holds, read back (null until read, or when the read failed). */
  readonly readBack: TagScalar | null;
  /** The PLC holds the recipe's value. */
  readonly ok: boolean;
  /** "Good", or why not: "pending", "differs", "write failed: …", "read failed: …". */
  readonly status: string;
}

export interface RecipeStatus {
  /** The recipe loaded or refused last (null before the first load). */
  readonly alloy: string | null;
  readonly state: RecipeState;
  readonly setpoints: readonly SetpointStatus[];
  /** Why the recipe was refused, or which setpoints do not hold in the PLC. */
  readonly problems: readonly Problem[];
  readonly loadedBy: string | null;
  /** The version loaded (null: none, or a recipe from a file before versions existed) and its content hash. */
  readonly version: number | null;
  readonly hash: string | null;
  /** Loaded as a TRIAL: a version not approved, in Maintenance mode. */
  readonly trial: boolean;
  /** Epoch ms the setpoints were downloaded. */
  readonly loadedAt: number | null;
  /** Epoch ms of the last read-back that found every setpoint in place. */
  readonly verifiedAt: number | null;
}

interface EventBase {
  readonly alloy: string;
  readonly by: string;
  readonly at: number;
}

/** For the audit trail and the historian. */
export type RecipeEvent =
  | (EventBase & {
      readonly type: "recipe-loaded";
      readonly version: number | null;
      readonly hash: string | null;
      readonly trial: boolean;
      readonly setpoints: readonly { readonly tag: string; readonly value: TagScalar }[];
      readonly writeFailures: readonly string[];
    })
  | (EventBase & { readonly type: "recipe-refused"; readonly problems: readonly string[] })
  | (EventBase & { readonly type: "recipe-verified" })
  | (EventBase & { readonly type: "recipe-mismatch"; readonly tags: readonly string[]; readonly problems: readonly string[] });

/** What a load request came to (the shape the recipe routes take). */
export interface RecipeLoadOutcome {
  /** The recipe is downloaded and verified. */
  readonly ok: boolean;
  /** No such recipe: nothing changed. */
  readonly unknownRecipe?: boolean;
  /** `file:path: message` of each problem. */
  readonly problems: readonly string[];
  readonly status: RecipeStatus;
}

/** Where recipes come from: the recipe catalog (versions), or the files alone (tests). */
export interface RecipeSource {
  list(): RecipeSummary[];
  /** `version`, or the effective (approved) one. */
  get(alloy: string, version?: number): (RecipeEntry & { readonly version?: number | null; readonly hash?: string | null }) | undefined;
  equipmentLimits(): EquipmentLimitsEntry;
}

/** Which version to load, and whether it is a trial (decided by the line: the production rule). */
export interface LoadChoice {
  readonly version?: number;
  readonly trial?: boolean;
}

export interface RecipeServiceOptions {
  readonly store: RecipeSource;
  /** line.yaml and the tags (a ScadaConfig will do). */
  readonly config: RecipeLine & { readonly tags: readonly TagConfig[] };
  readonly io: TagReader & TagWriter;
  readonly clock: Clock;
  readonly logger: Logger;
}

const NONE: RecipeStatus = Object.freeze({
  alloy: null,
  state: "none",
  setpoints: [],
  problems: [],
  loadedBy: null,
  version: null,
  hash: null,
  trial: false,
  loadedAt: null,
  verifiedAt: null,
});

const INTEGER_TYPES = new Set(["int16", "uint16", "int32", "uint32"]);
/** Relative tolerance of a float read-back (besides float32 rounding). */
const RELATIVE_TOLERANCE = 1e-6;

/**
 * Whether a read-back value is the setpoint written: exact for bools and integers (compared as the PLC's raw
 * integer), the same float32 for float32 tags, and within a relative 1e-6 for any float.
 */
export function setpointMatches(tag: TagConfig | undefined, want: TagScalar, got: TagScalar | null): boolean {
  if (got === null) return false;
  if (typeof want === "boolean" || typeof got === "boolean") return want === got;
  const rawWant = toRaw(want, tag?.scaling);
  const rawGot = toRaw(got, tag?.scaling);
  if (tag !== undefined && INTEGER_TYPES.has(tag.type)) return Math.round(rawWant) === Math.round(rawGot);
  if (tag?.type === "float32" && Math.fround(rawWant) === Math.fround(rawGot)) return true;
  return Math.abs(want - got) <= RELATIVE_TOLERANCE * Math.max(Math.abs(want), Math.abs(got)) + 1e-12;
}

function show(v: TagScalar | null, units: string): string {
  if (v === null) return "nothing";
  if (typeof v === "boolean") return String(v);
  return units === "" ? formatNumber(v) : `${formatNumber(v)} ${units}`;
}

export class RecipeService {
  private readonly store: RecipeSource;
  private readonly config: RecipeLine & { readonly tags: readonly TagConfig[] };
  private readonly tagsByName: ReadonlyMap<string, TagConfig>;
  private readonly io: TagReader & TagWriter;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly listeners = new Set<(e: RecipeEvent) => void>();
  private current: RecipeStatus = NONE;
  /** The recipe behind `current` once downloaded (for the sequencer's parameters). */
  private loaded: Recipe | undefined;
  /** Loads and verifications run one after the other. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: RecipeServiceOptions) {
    this.store = options.store;
    this.config = options.config;
    this.tagsByName = new Map(options.config.tags.map((t) => [t.name, t]));
    this.io = options.io;
    this.clock = options.clock;
    this.log = options.logger.child({ module: "recipes" });
  }

  list(): RecipeSummary[] {
    return this.store.list();
  }

  get(alloy: string): (RecipeEntry & { readonly version?: number | null }) | undefined {
    return this.store.get(alloy);
  }

  status(): RecipeStatus {
    return this.current;
  }

  /** The loaded recipe's setpoints are all in the PLC, as of the last read-back. */
  isVerified(): boolean {
    return this.current.state === "verified";
  }

  /** The sequencer's parameters of the loaded recipe while it is verified, else undefined. */
  sequenceParams(): SequenceParams | undefined {
    if (!this.isVerified() || this.loaded === undefined) return undefined;
    const geometry = lineGeometryOf(this.config);
    return "message" in geometry ? undefined : sequenceParamsOf(this.loaded, geometry);
  }

  /** The recipe downloaded and verified in the PLC now (undefined: none, or not verified). */
  loadedRecipe(): Recipe | undefined {
    return this.isVerified() ? this.loaded : undefined;
  }

  /** The loaded recipe's values the interlocks refer to (e.g. peakTempK for IL-02); empty when none. */
  interlockParams(): Partial<Record<InterlockRecipeParameter, number>> {
    return this.loaded ? interlockParamsOf(this.loaded) : {};
  }

  /** Listens to recipe events; returns the unsubscribe function. */
  onEvent(listener: (e: RecipeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Validates, checks, downloads and verifies a recipe. Never rejects on a PLC failure. */
  load(alloy: string, by = "system", choice: LoadChoice = {}): Promise<RecipeLoadOutcome> {
    return this.exclusive(() => this.doLoad(alloy, by, choice));
  }

  /**
   * Reads every setpoint of the loaded recipe back from the PLC: "verified" when each holds, else "mismatch"
   * naming the tags (a failed read counts as not verified). Nothing to do before a recipe is downloaded.
   */
  verify(by = "system"): Promise<RecipeStatus> {
    return this.exclusive(() => this.doVerify(by));
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async doLoad(alloy: string, by: string, choice: LoadChoice): Promise<RecipeLoadOutcome> {
    const entry = this.store.get(alloy, choice.version);
    if (entry === undefined) {
      const known = this.store.list().map((r) => r.alloy);
      const what = choice.version === undefined ? `no such recipe (known: ${known.join(", ") || "none"})` : `no version ${choice.version}`;
      const problems = [formatProblem({ file: recipeFileOf(alloy), path: "(root)", message: what })];
      this.emit({ type: "recipe-refused", alloy, by, at: this.clock.now(), problems });
      return { ok: false, unknownRecipe: true, problems, status: this.current };
    }
    const refusal = this.refusal(entry);
    if (refusal.problems.length > 0) return this.refuse(alloy, by, refusal.problems);
    const recipe = entry.recipe!;
    const setpoints = refusal.setpoints;

    this.loaded = undefined;
    this.current = {
      alloy,
      state: "loading",
      setpoints: setpoints.map((sp) => ({ tag: sp.tag, value: sp.value, from: sp.from, readBack: null, ok: false, status: "pending" })),
      problems: [],
      loadedBy: by,
      version: entry.version ?? null,
      hash: entry.hash ?? null,
      trial: choice.trial ?? false,
      loadedAt: null,
      verifiedAt: null,
    };
    const writes = await Promise.all(setpoints.map((sp) => this.io.write(sp.tag, sp.value)));
    const loadedAt = this.clock.now();
    const writeFailures = new Map<string, string>();
    writes.forEach((w, i) => {
      if (!w.ok) writeFailures.set(setpoints[i]!.tag, w.status);
    });
    this.loaded = recipe;
    this.current = { ...this.current, loadedAt };
    this.emit({
      type: "recipe-loaded",
      alloy,
      by,
      at: loadedAt,
      version: this.current.version,
      hash: this.current.hash,
      trial: this.current.trial,
      setpoints: setpoints.map((sp) => ({ tag: sp.tag, value: sp.value })),
      writeFailures: [...writeFailures].map(([tag, status]) => `${tag}: ${status}`),
    });
    this.log.info({ alloy, by, setpoints: setpoints.length, writeFailures: writeFailures.size }, "recipe downloaded");

    const status = await this.readBack(setpoints, by, writeFailures, "none");
    return { ok: status.state === "verified", problems: status.problems.map(formatProblem), status };
  }

  private async doVerify(by: string): Promise<RecipeStatus> {
    const { state } = this.current;
    if (state !== "verified" && state !== "mismatch") return this.current;
    const setpoints: DerivedSetpoint[] = this.current.setpoints.map((s) => ({ tag: s.tag, value: s.value, from: s.from }));
    return this.readBack(setpoints, by, new Map(), state);
  }

  /** Reads every setpoint back, compares, updates the status and tells the listeners of a change of state. */
  private async readBack(
    setpoints: readonly DerivedSetpoint[],
    by: string,
    writeFailures: ReadonlyMap<string, string>,
    previous: RecipeState,
  ): Promise<RecipeStatus> {
    const reads = await Promise.all(setpoints.map((sp) => this.io.read(sp.tag)));
    const at = this.clock.now();
    const rows = setpoints.map((sp, i) => this.compare(sp, reads[i]!, writeFailures.get(sp.tag)));
    const problems: Problem[] = [];
    rows.forEach((row) => {
      if (row.ok) return;
      const tag = this.tagsByName.get(row.tag);
      problems.push({ file: tag?.device ?? "plc", path: row.tag, message: this.mismatchText(row, tag?.units ?? "") });
    });
    const alloy = this.current.alloy ?? "";
    const verified = problems.length === 0;
    this.current = {
      ...this.current,
      state: verified ? "verified" : "mismatch",
      setpoints: rows,
      problems,
      verifiedAt: verified ? at : this.current.verifiedAt,
    };
    const next = this.current.state;
    if (verified && previous !== "verified") {
      this.emit({ type: "recipe-verified", alloy, by, at });
      this.log.info({ alloy, by }, "recipe verified: every setpoint read back equal");
    } else if (!verified && previous !== "mismatch") {
      const tags = rows.filter((r) => !r.ok).map((r) => r.tag);
      this.emit({ type: "recipe-mismatch", alloy, by, at, tags, problems: problems.map(formatProblem) });
      this.log.warn({ alloy, by, tags }, "recipe setpoints do not hold in the PLC");
    }
    if (next !== previous) this.log.debug({ alloy, from: previous, to: next }, "recipe state");
    return this.current;
  }

  private compare(sp: DerivedSetpoint, read: ReadResult, writeFailure: string | undefined): SetpointStatus {
    const base = { tag: sp.tag, value: sp.value, from: sp.from };
    if (!read.ok) return { ...base, readBack: null, ok: false, status: `read failed: ${read.status}` };
    const ok = setpointMatches(this.tagsByName.get(sp.tag), sp.value, read.value);
    if (ok) return { ...base, readBack: read.value, ok, status: "Good" };
    return { ...base, readBack: read.value, ok, status: writeFailure === undefined ? "differs" : `write failed: ${writeFailure}` };
  }

  private mismatchText(row: SetpointStatus, units: string): string {
    if (row.readBack === null) return `${row.status} (recipe ${show(row.value, units)})`;
    const text = `read back ${show(row.readBack, units)}, recipe ${show(row.value, units)}`;
    return row.status === "differs" ? text : `${row.status}; ${text}`;
  }

  /** Everything that forbids downloading this recipe, with its setpoints when there is nothing. */
  private refusal(entry: RecipeEntry): { setpoints: readonly DerivedSetpoint[]; problems: readonly Problem[] } {
    if (entry.recipe === undefined) return { setpoints: [], problems: entry.problems };
    const equipment = this.store.equipmentLimits();
    if (equipment.limits === undefined) return { setpoints: [], problems: equipment.problems };
    return checkRecipe(entry.recipe, { line: this.config, tags: this.config.tags, equipment: equipment.limits });
  }

  private refuse(alloy: string, by: string, problems: readonly Problem[]): RecipeLoadOutcome {
    const texts = problems.map(formatProblem);
    this.loaded = undefined;
    this.current = { alloy, state: "invalid", setpoints: [], problems, loadedBy: by, version: null, hash: null, trial: false, loadedAt: null, verifiedAt: null };
    this.emit({ type: "recipe-refused", alloy, by, at: this.clock.now(), problems: texts });
    this.log.warn({ alloy, by, problems: texts }, "recipe refused: nothing written");
    return { ok: false, problems: texts, status: this.current };
  }

  private emit(event: RecipeEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (err) {
        this.log.error({ err, event: event.type }, "recipe event listener threw");
      }
    }
  }
}
