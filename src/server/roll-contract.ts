/**
 * The roll record's JSON as the API and the HMI see it (self-contained, like the socket contract that
 * re-exports it: the browser build imports it too).
 */

export interface LabResultInput {
  readonly rollId: string;
  readonly atM: number;
  readonly particleSizeNm?: number;
  readonly alloyContentPct?: number;
  readonly xrdMatch?: boolean;
  readonly betM2g?: number;
  readonly note?: string;
  /** Default: accept when in spec, reject when not. Accepting an out-of-spec result needs a note. */
  readonly disposition?: "accept" | "hold" | "reject";
  /** The stretch the sample stands for (default: atM ± half the line's lab sample span). */
  readonly fromM?: number;
  readonly toM?: number;
  /** The id of the entry this one corrects (the old one stays, marked as corrected). */
  readonly corrects?: number;
}

export type SegmentVerdictJson = "pass" | "fail" | "unverified" | "trial";

/** `GET /api/rolls`, `/api/rolls/current`, `/api/rolls/:id`. */
export interface RollJson {
  readonly id: string;
  readonly line: string;
  readonly state: "open" | "ended" | "split";
  readonly lot: string | null;
  readonly startedAt: number;
  readonly endedAt: number | null;
  readonly lengthM: number;
  readonly segmentsRecorded: number;
  readonly recipes: readonly { alloy: string; version: number | null; hash: string | null; trial: boolean; fromM: number; toM: number | null; approvedBy: string | null; approvedAt: number | null }[];
  readonly counts: Readonly<Record<SegmentVerdictJson, number>>;
  readonly parent: { id: string; fromM: number; toM: number } | null;
  readonly children: readonly string[];
  readonly startedBy: string;
}

/** `GET /api/rolls/:id/segments`: one per segment, in order. */
export interface SegmentJson {
  readonly index: number;
  readonly fromM: number;
  readonly toM: number;
  readonly verdict: SegmentVerdictJson;
  readonly reasons: readonly { rule: string; message: string; kind: "fail" | "unverified" }[];
  readonly peakK: number | null;
  readonly timeInBandS: number | null;
  readonly maxHeatingKps: number | null;
  readonly maxCoolingKps: number | null;
  readonly o2MaxPpm: number | null;
  readonly arMinLpm: number | null;
  readonly exitConductivityUsCm: number | null;
  readonly arealLoadingMgCm2: number | null;
  readonly pulses: number;
  readonly partialPulses: number;
  readonly recipe: { alloy: string; version: number | null; hash: string | null; trial: boolean } | null;
  readonly trips: readonly string[];
  readonly bypasses: readonly string[];
  readonly criticalAlarms: readonly string[];
  readonly passages: Readonly<Record<string, { enteredAt: number | null; leftAt: number | null }>>;
  readonly signals: Readonly<Record<string, { samples: number; worst: string; reason: string }>>;
  readonly closedAt: number;
  /** QA's disposition in force for it (from the lab results), null when none. */
  readonly disposition: { disposition: "accept" | "hold" | "reject"; labResultId: number } | null;
}


/** `GET /api/rolls/current`: the open roll with where its metres are now. */
export type CurrentRollJson = RollJson & { readonly live: { rollId: string; lengthM: number; open: number; inZone: { fromM: number; toM: number } } | null };

/** `GET /api/rolls/:id/lab-results`: one entry (append-only; a correction names the one it corrects). */
export interface LabResultJson {
  readonly id: number;
  readonly rollId: string;
  readonly atM: number;
  readonly fromM: number;
  readonly toM: number;
  readonly particleSizeNm: number | null;
  readonly alloyContentPct: number | null;
  readonly xrdMatch: boolean | null;
  readonly betM2g: number | null;
  readonly note: string;
  readonly disposition: "accept" | "hold" | "reject";
  readonly specFindings: readonly string[];
  readonly inSpec: boolean;
  readonly by: string;
  readonly at: number;
  readonly corrects: number | null;
  readonly correctedBy: number | null;
}
