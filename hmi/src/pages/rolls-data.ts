/**
 * What the Rolls displays share: the JSON shapes of the roll API, routes, the list filter (kept while the
 * displays change), segment fetches by metre window, recipe envelopes (cached) and number formats.
 */
import type { CurrentRollJson, LabResultJson, RollJson, SegmentJson, SegmentVerdictJson } from "../../../src/server/socket-contract.js";

export type { CurrentRollJson, LabResultJson };
import { api, query } from "../core/api.js";
import { formatNumber } from "../core/format-value.js";

export type { RollJson, SegmentJson, SegmentVerdictJson };


export const VERDICTS: readonly SegmentVerdictJson[] = ["pass", "fail", "unverified", "trial"];
export const VERDICT_LABEL: Record<SegmentVerdictJson, string> = { pass: "pass", fail: "FAIL", unverified: "unverified", trial: "trial" };
/** Which verdict a column of several segments shows: the worst. */
export const VERDICT_RANK: Record<SegmentVerdictJson, number> = { fail: 3, unverified: 2, trial: 1, pass: 0 };

export type RollsView = { readonly view: "live" } | { readonly view: "list"; readonly rollId: string | null } | { readonly view: "window" };

/** `#/rolls` (the role's landing), `#/rolls/live`, `#/rolls/list`, `#/rolls/roll/<id>`, `#/rolls/window`. */
export function parseRollsRoute(parts: readonly string[], landing: "live" | "list"): RollsView {
  switch (parts[0]) {
    case "live":
      return { view: "live" };
    case "list":
      return { view: "list", rollId: null };
    case "roll":
      return { view: "list", rollId: parts[1] ? decodeURIComponent(parts[1]) : null };
    case "window":
      return { view: "window" };
  }
  return landing === "live" ? { view: "live" } : { view: "list", rollId: null };
}

export const rollHash = (id: string) => `#/rolls/roll/${encodeURIComponent(id)}`;

/** The list filter: dates as typed (`YYYY-MM-DD` or ISO), lot, alloy, state; kept between displays. */
export const rollFilter = { from: "", to: "", lot: "", alloy: "", state: "", limit: "50" };

/** A typed date → epoch ms for the query (a bare `to` date means the end of that day). */
function dateParam(text: string, endOfDay: boolean): number | undefined {
  const t = text.trim();
  if (t === "") return undefined;
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(t) ? `${t}T${endOfDay ? "23:59:59.999" : "00:00:00"}` : t);
  return Number.isFinite(ms) ? ms : undefined;
}

export function listRolls(): Promise<RollJson[]> {
  const f = rollFilter;
  return api.get<RollJson[]>(`/api/rolls${query({ from: dateParam(f.from, false), to: dateParam(f.to, true), lot: f.lot.trim(), alloy: f.alloy.trim(), state: f.state, limit: f.limit })}`);
}

const rollPath = (id: string) => `/api/rolls/${encodeURIComponent(id)}`;
export const getRoll = (id: string) => api.get<RollJson>(rollPath(id));
export const getCurrentRoll = () => api.get<CurrentRollJson | null>("/api/rolls/current");
export const getLabResults = (id: string) => api.get<LabResultJson[]>(`${rollPath(id)}/lab-results`);

/** Segments whose start lies in [fromM, toM) (either end open when not given). */
export function getSegments(id: string, range: { fromM?: number; toM?: number } = {}): Promise<SegmentJson[]> {
  return api.get<SegmentJson[]>(`${rollPath(id)}/segments${query({ from: range.fromM, to: range.toM })}`);
}

export const reportUrl = (id: string, format: "html" | "pdf") => `${rollPath(id)}/report?format=${format}`;
export const csvUrl = (id: string, range: { fromM?: number; toM?: number } = {}) => `${rollPath(id)}/segments${query({ from: range.fromM, to: range.toM, format: "csv" })}`;
export const postRollAction = <T>(id: string, action: "lab-results" | "split", body: unknown) => api.post<T>(`${rollPath(id)}/${action}`, body);

/** The thermal envelope of a recipe version: peak ± tolerance and the hold time. */
export interface Envelope {
  readonly label: string;
  readonly peakK: number;
  readonly toleranceK: number;
  readonly holdS: number;
  readonly particleSizeNm: number | null;
  readonly particleSizeToleranceNm: number | null;
  /** The other recipe figures a segment's are shown beside (null: the recipe has none). */
  readonly minHeatingRateKps: number | null;
  readonly minCoolingRateKps: number | null;
  readonly o2PermissivePpm: number | null;
  readonly argonFlowLpm: number | null;
  readonly conductivityEndpointUsCm: number | null;
  readonly loading: { readonly mgCm2: number; readonly toleranceMgCm2: number } | null;
}

interface RecipeLike {
  readonly htr?: { peakTempK?: number; peakToleranceK?: number; holdTimeS?: number; minHeatingRateKps?: number; minCoolingRateKps?: number; o2PermissivePpm?: number; argonFlowLpm?: number };
  readonly product?: { particleSizeNm?: number; particleSizeToleranceNm?: number };
  readonly rinse?: { conductivityEndpointUsCm?: number };
  readonly precursor?: { arealLoadingMgCm2?: number; arealLoadingToleranceMgCm2?: number };
}

const envelopes = new Map<string, Promise<Envelope | null>>();

/** The envelope of `alloy` (the version when known, else the one `GET /api/recipes/:alloy` answers); cached. */
export function envelopeOf(alloy: string, version: number | null): Promise<Envelope | null> {
  const key = `${alloy}@${version ?? ""}`;
  let p = envelopes.get(key);
  if (!p) {
    const a = encodeURIComponent(alloy);
    const fetchRecipe = async (): Promise<RecipeLike | undefined> => {
      if (version !== null) {
        try {
          return (await api.get<{ recipe?: RecipeLike }>(`/api/recipes/${a}/versions/${version}`)).recipe;
        } catch {
          // fall back to the recipe as the line holds it
        }
      }
      return (await api.get<{ recipe?: RecipeLike }>(`/api/recipes/${a}`)).recipe;
    };
    p = fetchRecipe()
      .then((r) => {
        const htr = r?.htr;
        if (!htr || typeof htr.peakTempK !== "number") return null;
        return {
          label: `${alloy}${version !== null ? ` v${version}` : ""}`,
          peakK: htr.peakTempK,
          toleranceK: htr.peakToleranceK ?? 0,
          holdS: htr.holdTimeS ?? 0,
          particleSizeNm: r?.product?.particleSizeNm ?? null,
          particleSizeToleranceNm: r?.product?.particleSizeToleranceNm ?? null,
          minHeatingRateKps: htr.minHeatingRateKps ?? null,
          minCoolingRateKps: htr.minCoolingRateKps ?? null,
          o2PermissivePpm: htr.o2PermissivePpm ?? null,
          argonFlowLpm: htr.argonFlowLpm ?? null,
          conductivityEndpointUsCm: r?.rinse?.conductivityEndpointUsCm ?? null,
          loading: typeof r?.precursor?.arealLoadingMgCm2 === "number" ? { mgCm2: r.precursor.arealLoadingMgCm2, toleranceMgCm2: r.precursor.arealLoadingToleranceMgCm2 ?? 0 } : null,
        };
      })
      .catch(() => {
        envelopes.delete(key);
        return null;
      });
    envelopes.set(key, p);
  }
  return p;
}

/** The recipe a roll was (mostly) made with: its first range. */
export const rollRecipe = (r: RollJson) => r.recipes[0] ?? null;

export const fmtM = (m: number | null | undefined) => (m === null || m === undefined || !Number.isFinite(m) ? "—" : `${formatNumber(m, m >= 100 ? 1 : 2)} m`);
export const fmtNum = (v: number | null | undefined, decimals: number, unit = "") => (v === null || v === undefined || !Number.isFinite(v) ? "—" : `${formatNumber(v, decimals)}${unit ? ` ${unit}` : ""}`);
export const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));
