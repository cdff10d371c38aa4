/**
 * The socket.io contract between the SCADA and the HMI (`hmi/` imports this file, types only).
 *
 * - The handshake is authenticated from the session cookie (`htr_session`); no session, no socket.
 * - Every client event names an operation or a subscription and is authorised with the same permission
 *   table as REST (`src/auth/permissions.ts`); operations are the same ones REST runs (`operations.ts`),
 *   so an action leaves the same audit record whichever way it came.
 * - Every client event takes an acknowledgement callback: `{ ok: true, result }` or
 *   `{ ok: false, error: { code, message } }` with the refusal reason.
 * - Tag values come as batched deltas at most once per tick (50 ms unless configured: `GATEWAY_TICK_MS` in
 *   socket-gateway.ts), only for the tags the page subscribed to.
 *
 * Self-contained on purpose (no imports from the server's modules), so the browser bundle stays small.
 */
import type { LabResultInput } from "./roll-contract.js";
export type { CurrentRollJson, LabResultInput, LabResultJson, RollJson, SegmentJson, SegmentVerdictJson } from "./roll-contract.js";

export type RoleName = "viewer" | "operator" | "engineer" | "qa" | "admin";
export type Quality = "Good" | "Uncertain" | "Bad";

/** One tag value in a delta. `ts`: source time stamp, epoch ms (0 when never received). */
export interface TagDelta {
  readonly name: string;
  readonly value: number | boolean | null;
  readonly quality: Quality;
  readonly ts: number;
}

export interface TagBatch {
  /** Server time of the tick, epoch ms. */
  readonly t: number;
  readonly changes: readonly TagDelta[];
}

export interface SessionInfo {
  readonly user: string;
  readonly role: RoleName;
  /** Every permission the role holds (what the HMI shows; the server still checks each event). */
  readonly permissions: readonly string[];
  /** Epoch ms: the session ends at this time whatever happens (absolute lifetime). */
  readonly expiresAt: number;
  readonly idleTimeoutMs: number;
}

export interface ApiError {
  readonly code: string;
  readonly message: string;
}

export type Ack<T = unknown> = { readonly ok: true; readonly result: T } | { readonly ok: false; readonly error: ApiError };

/** E-signature for critical actions: the password re-entered and what the signature means. */
export interface SignatureInput {
  readonly password: string;
  readonly meaning: string;
}

export interface RecipeTransitionInput {
  readonly alloy: string;
  readonly version: number;
  readonly signature: SignatureInput;
  /** Required to reject or withdraw. */
  readonly reason?: string;
}

/** Operations, by name, with their input. REST runs the same ones (see `operations.ts`). */
export interface OperationInputs {
  /** The unit mode, in a wait state (Stopped, Idle, Complete, Aborted): Maintenance runs recipe trials. */
  "line.mode": { mode: "Production" | "Maintenance" | "Manual" };
  /** `lot`: the precursor lot of the roll a start begins (checked against the recipe's lotIdPattern). */
  "line.command": { command: "reset" | "start" | "stop" | "hold" | "unhold" | "suspend" | "unsuspend" | "abort" | "clear"; recipe?: string; lot?: string };
  /** Ends the open roll and begins a new one (a roll change), with its precursor lot. */
  "roll.new": { lot?: string };
  /** A lab result for a sample cut at `atM` of a roll, with QA's disposition of the stretch it stands for. */
  "roll.lab-result": LabResultInput;
  /** Splits an ended roll into children at these metres (segment boundaries). */
  "roll.split": { rollId: string; atM: number[] };
  "alarm.ack": { id: string };
  "alarm.shelve": { id: string; minutes: number; reason: string };
  "alarm.unshelve": { id: string };
  "alarm.reset": { id: string };
  "interlock.reset": Record<string, never>;
  "interlock.bypass": { id: string; minutes: number; reason: string; signature: SignatureInput };
  /** Loads the approved version, or `version` (a Draft / In review one only in Maintenance mode: a TRIAL). */
  "recipe.load": { alloy: string; version?: number };
  /** A new draft of a recipe, from `basedOn` (null: from scratch); the reason is mandatory. */
  "recipe.create": { alloy: string; basedOn: number | null; reason: string; recipe: Record<string, unknown> };
  /** Saves a draft; refused (409) when `revision` is not the draft's current one, naming who changed it since. */
  "recipe.save": { alloy: string; version: number; revision: number; reason: string; recipe: Record<string, unknown> };
  /** Lifecycle steps, e-signed: submit "authored", approve "reviewed and approved", reject "rejected", obsolete "withdrawn". */
  "recipe.submit": RecipeTransitionInput;
  "recipe.approve": RecipeTransitionInput;
  "recipe.reject": RecipeTransitionInput;
  "recipe.obsolete": RecipeTransitionInput;
  "recipe.verify": Record<string, never>;
  "sim.fault": { name: string; active: boolean };
  /** Trusts an OPC UA server certificate (admin, e-signed): the SCADA connects to that server without a restart. */
  "device.certificate.trust": CertificateDecisionInput;
  /** Moves a server certificate to the rejected list (admin, e-signed): its server is refused from the next connect. */
  "device.certificate.reject": CertificateDecisionInput;
}

export interface CertificateDecisionInput {
  /** SHA-1, 40 hex digits (colons allowed), or a unique prefix of at least 8. */
  readonly thumbprint: string;
  readonly reason: string;
  readonly signature: SignatureInput;
}

/** A server certificate of the OPC UA client's trust list (GET /api/devices/certificates); one PLC link (GET /api/devices). */
export type { CertificateChangeJson, DeviceStatusJson, ServerCertificateJson } from "../drivers/driver-port.js";
export type OperationName = keyof OperationInputs;
export type OperationRequest = { [K in OperationName]: { op: K; input: OperationInputs[K] } }[OperationName];

export interface ServerToClientEvents {
  /** Sent once after the handshake: who is connected and what the role may do. */
  session: (info: SessionInfo) => void;
  tags: (batch: TagBatch) => void;
  /** The same JSON as `GET /api/line`, pushed when it changes (at most once per tick). */
  line: (status: LineJson) => void;
  /** The same JSON as `GET /api/interlocks`, pushed when it changes. */
  interlocks: (status: InterlocksJson) => void;
  /** The same JSON as `GET /api/alarms`, pushed when it changes. */
  alarms: (status: AlarmsJson) => void;
  /** The session ended (idle, absolute lifetime, logout, user disabled); the socket is closed after this. */
  "session:expired": (info: { reason: string }) => void;
}

export interface ClientToServerEvents {
  /** Replaces the page's subscription; the current values of the subscribed tags follow in the next batch. */
  subscribe: (tags: readonly string[], ack: (r: Ack<{ subscribed: string[]; unknown: string[] }>) => void) => void;
  /** Runs an operation; the ack carries its result or the reason it was refused. */
  operate: (request: OperationRequest, ack: (r: Ack) => void) => void;
}

// ---- JSON shapes of the pushed state (the fields the HMI relies on; the server may send more) ----

export interface StationJson {
  readonly state: string;
  readonly detail: string;
}

export interface LineJson {
  readonly state: string;
  readonly stateNumber?: number;
  readonly mode: string;
  /** Why the line last stopped: a code (restart, command, trip …), in words, and when. */
  readonly stopReason?: StopReasonJson | null;
  readonly metresProcessed?: number;
  readonly metresRejected?: number;
  readonly stations: { readonly step: string; readonly stations: Record<string, StationJson | undefined> } | null;
  readonly interlocks: {
    readonly firstOut: TripJson | null;
    readonly tripped: readonly string[];
    readonly permissivesOk: boolean;
    readonly missingPermissives: readonly string[];
    readonly bypassed: readonly string[];
  };
  readonly loadedRecipe: { readonly alloy: string | null; readonly state: string } & Record<string, unknown>;
  readonly [key: string]: unknown;
}

export interface StopReasonJson {
  readonly code: string;
  readonly message: string;
  readonly at: number;
}

/** What an interlock's cause looked like at a change: in words, and the readings it was decided on. */
export interface CauseSnapshotJson {
  readonly text: string;
  readonly readings: readonly {
    readonly tag: string;
    readonly value: number | boolean | null;
    readonly quality: string;
    readonly reason?: string;
    readonly limit?: number | boolean;
  }[];
}

export interface TripJson {
  readonly interlock: string;
  readonly title: string;
  readonly at: number;
  readonly cause: CauseSnapshotJson;
}

export interface InterlockJson {
  readonly id: string;
  readonly title: string;
  readonly kind: string;
  readonly severity: string;
  readonly state: "healthy" | "tripped" | "latched" | "bypassed" | "permissive-missing" | "waiting";
  readonly cause: string;
  /** The devices whose first data it waits for after a (re)start, e.g. "htr-plc"; null once they delivered. */
  readonly waitingFor?: string | null;
  readonly firstOut: boolean;
  readonly since: number | null;
  /** The cause at the last change (trip, clear, permissive lost). */
  readonly causeValue: CauseSnapshotJson | null;
  readonly bypassable: boolean;
  readonly bypass: { readonly by: string; readonly reason: string; readonly until: number } | null;
  readonly blocksStart: readonly string[];
  /** What a trip does (the cause → effect matrix): the PLC writes and the line command ("none" when it leaves the line alone). */
  readonly effects: InterlockEffectsJson;
}

export interface InterlockEffectsJson {
  readonly writes: readonly { readonly tag: string; readonly value: unknown }[];
  readonly line: string;
}

export interface InterlocksJson {
  readonly interlocks: readonly InterlockJson[];
  readonly firstOut: TripJson | null;
  readonly tripped: readonly string[];
  readonly permissivesOk: boolean;
  readonly missingPermissives: readonly string[];
  readonly bypassed: readonly string[];
}

export interface AlarmJson {
  readonly id: string;
  readonly state: string;
  readonly priority: string;
  /** The tag the alarm watches; null for interlock, comm and historian alarms (absent from older servers). */
  readonly tag?: string | null;
  /** Analog alarms: the level and limit in the tag's units (the indicators mark it); null for the others. */
  readonly limit?: AlarmLimitJson | null;
  /** Fields below: absent from older servers and from the tests' minimal alarms. */
  readonly station?: string;
  readonly message?: string;
  /** The alarm's tag value when it last changed state. */
  readonly value?: number | boolean | null;
  readonly activeSince?: number | null;
  /** Time of the last change of the shown state. */
  readonly since?: number | null;
  readonly shelvedUntil?: number | null;
  readonly shelvedBy?: string | null;
  readonly shelveReason?: string | null;
  /** Latched, acknowledged, condition gone: waits for an operator reset. */
  readonly awaitingReset?: boolean;
}

export interface AlarmLimitJson {
  readonly level: string;
  readonly value: number;
}

export interface AlarmsJson {
  readonly alarms: readonly AlarmJson[];
  readonly counts: {
    readonly byState?: Readonly<Record<string, number>>;
    /** Standing alarms (unack-active, ack-active, rtn-unack) per priority. */
    readonly byPriority?: Readonly<Record<string, number>>;
    readonly unacknowledged?: number;
  };
}

// ── Recipes (REST: GET /api/recipes…; the HMI's Recipes display) ──────────────────────────────────────────

export type RecipeVersionStateJson = "draft" | "in-review" | "approved" | "superseded" | "obsolete" | "rejected";

export interface RecipeVersionSummaryJson {
  readonly version: number;
  readonly state: RecipeVersionStateJson;
  readonly author: string;
  readonly createdAt: number;
  readonly reason: string;
  readonly basedOn: number | null;
  /** sha256 of the recipe's canonical JSON. */
  readonly hash: string;
  /** A draft's save counter (send it back with a save). */
  readonly revision: number;
  readonly updatedBy: string;
  readonly updatedAt: number;
  /** "config": imported from plc-config/recipes/<alloy>.yaml; "user": written in the SCADA. */
  readonly source: "config" | "user";
}

/** One entry of `GET /api/recipes`. */
export interface RecipeListEntryJson {
  readonly alloy: string;
  readonly description: string;
  readonly mode: string | null;
  /** The approved (effective) version, null when none is. */
  readonly approved: number | null;
  /** The shipped file changed since it was imported (never applied silently; import it as a draft). */
  readonly differsFromFile: boolean;
  readonly versions: readonly RecipeVersionSummaryJson[];
}

export interface RecipeHistoryJson {
  readonly from: RecipeVersionStateJson | null;
  readonly to: RecipeVersionStateJson;
  readonly by: string;
  readonly at: number;
  readonly meaning: string;
  readonly reason: string | null;
  readonly signature: { readonly name: string; readonly meaning: string; readonly time: number } | null;
}

export interface RecipeLoadJson {
  readonly at: number;
  readonly by: string;
  readonly mode: string;
  readonly lineState: string;
  readonly verdict: "verified" | "mismatch" | "refused" | "failed";
  readonly trial: boolean;
  readonly detail: string | null;
}

/** `GET /api/recipes/:alloy/versions/:v`. */
export interface RecipeVersionJson extends RecipeVersionSummaryJson {
  readonly alloy: string;
  /** The recipe's physical targets (plc-config/schema/recipe.schema.json). */
  readonly recipe: Record<string, unknown>;
  /** Schema and equipment-limit problems, `field: message` (an invalid draft can be saved, not submitted). */
  readonly problems: readonly string[];
  readonly history: readonly RecipeHistoryJson[];
  /** Where used: every load of this version. */
  readonly loads: readonly RecipeLoadJson[];
}

/** `GET /api/recipes/:alloy/versions/:v/preview`: the predicted pulse on the virtual plant's thermal model. */
export interface RecipePreviewJson {
  readonly peakK: number;
  readonly timeToPeakS: number | null;
  readonly timeInBandS: number;
  readonly overshootK: number;
  readonly maxHeatingKps: number;
  readonly maxCoolingKps: number;
  /** Rise to peak − tolerance over the time to get there; null when the band is never reached. */
  readonly meanHeatingKps: number | null;
  /** From power off to the safe temperature; null when the web does not cool below it within the run. */
  readonly meanCoolingKps: number | null;
  readonly coolTo373S: number | null;
  readonly marginToTripK: number;
  readonly marginToPlcTripK: number;
  readonly submittable: boolean;
  readonly reasons: readonly string[];
  /** The kind of each reason, in the same order (il02-trip, il02-margin, plc-trip, plc-margin, peak-out-of-band, hold-short, heating-rate-low, cooling-rate-low). */
  readonly reasonCodes: readonly string[];
  /** [t s, web temperature K] */
  readonly curve: readonly (readonly [number, number])[];
}

/** One line of `GET /api/recipes/:alloy/diff?from=&to=`. */
export interface RecipeDiffJson {
  readonly path: string;
  readonly units: string;
  readonly from: unknown;
  readonly to: unknown;
  readonly change: "changed" | "added" | "removed";
}
