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

/** Operations, by name, with their input. REST runs the same ones (see `operations.ts`). */
export interface OperationInputs {
  "line.command": { command: "reset" | "start" | "stop" | "hold" | "unhold" | "suspend" | "unsuspend" | "abort" | "clear"; recipe?: string };
  "alarm.ack": { id: string };
  "alarm.shelve": { id: string; minutes: number; reason: string };
  "alarm.unshelve": { id: string };
  "alarm.reset": { id: string };
  "interlock.reset": Record<string, never>;
  "interlock.bypass": { id: string; minutes: number; reason: string; signature: SignatureInput };
  "recipe.load": { alloy: string };
  "recipe.verify": Record<string, never>;
  "sim.fault": { name: string; active: boolean };
}
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
  readonly state: "healthy" | "tripped" | "latched" | "bypassed" | "permissive-missing";
  readonly cause: string;
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
