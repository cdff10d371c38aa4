/**
 * Checks a lab result as QA enters it (the fields as parsed from the request, not yet trusted), works out
 * the stretch of web it stands for, checks it against the recipe's product specification and settles its
 * disposition (pure: no store, no clock). Every problem is returned at once, in plain words with the value
 * and the range allowed; the caller maps them to its refusal.
 *
 * Spec check (each measured value with a target is one check; a value without one is reported "not checked"):
 *  - particle size within target ± particleSizeToleranceNm; a recipe that gives a target but no tolerance
 *    gets ± DEFAULT_SIZE_TOLERANCE_FRACTION of the target (33 %: the paper's HTR particles spread about that
 *    much around the mean, the furnace's 30–210 nm do not come near it);
 *  - alloy content (TGA) at least target − ALLOY_TOLERANCE_PCT points (one-sided: a higher metal fraction is
 *    not what goes wrong; too little alloy means the salts did not fully reduce or metal evaporated);
 *  - XRD: no match with the reference pattern is out of spec;
 *  - BET: the recipe has no BET target (only its notes mention one), so it is recorded, never checked.
 * inSpec is true when no check failed (also when nothing could be checked: `checks` says how many ran).
 *
 * Disposition: the one QA gives wins; by default accept when in spec, reject when out of spec, hold when no
 * check could be made (no product specification for what was measured). Accepting an out-of-spec result
 * needs a note saying why.
 *
 * Cost: O(length of the note) for the checks; nothing else depends on the input's size.
 */
import type { Recipe } from "../recipes/recipe-schema.js";
import { LAB_DISPOSITIONS, type LabDisposition, type NewLabResult } from "./roll-record.js";

/** Default particle-size tolerance when the recipe gives none: this fraction of the target, ±. */
export const DEFAULT_SIZE_TOLERANCE_FRACTION = 0.33;
/** Alloy content may be this many percentage points below the target. */
export const ALLOY_TOLERANCE_PCT = 5;
/** Particle size must be above 0 and below this, nm (a larger figure is not a nanoparticle: a typo). */
export const MAX_PARTICLE_SIZE_NM = 10_000;
/** BET surface area must be 0 or more and below this, m²/g. */
export const MAX_BET_M2G = 5000;
export const MAX_NOTE_CHARS = 2000;
/** Metres closer than this are the same metre. */
const EPS_M = 1e-6;

/** The fields as parsed from the request: anything may be missing or of the wrong type. */
export interface LabResultFields {
  readonly atM?: unknown;
  readonly fromM?: unknown;
  readonly toM?: unknown;
  readonly particleSizeNm?: unknown;
  readonly alloyContentPct?: unknown;
  readonly xrdMatch?: unknown;
  readonly betM2g?: unknown;
  readonly note?: unknown;
  readonly disposition?: unknown;
}

export interface LabRollFacts {
  /** Metres made. */
  readonly lengthM: number;
  /** Metres whose segment records are closed (the web that has left the line). */
  readonly segmentsRecordedM: number;
}

export type ProductSpec = Recipe["product"];

/** What goes into the NewLabResult, checked. */
export type CheckedLabResult = Pick<
  NewLabResult,
  "atM" | "fromM" | "toM" | "particleSizeNm" | "alloyContentPct" | "xrdMatch" | "betM2g" | "note" | "disposition" | "inSpec" | "specFindings"
> & {
  readonly ok: true;
  /** Spec checks made (0: nothing measured had a target). */
  readonly checks: number;
};

export type LabResultCheck = CheckedLabResult | { readonly ok: false; readonly problems: string[] };

const fmt1 = (x: number): string => x.toFixed(1);
const fmtM = (x: number): string => `${Number(x.toFixed(3))} m`;

function shown(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === "number") return String(value);
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  return typeof value;
}

/** A finite number, or null when absent; a problem otherwise. */
function optionalNumber(value: unknown, what: string, problems: string[]): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value === "number" && Number.isFinite(value)) return value;
  problems.push(`${what} must be a number, found ${shown(value)}`);
  return null;
}

/** The measured values (each null when not measured). */
function readMeasurements(fields: LabResultFields, problems: string[]) {
  const size = optionalNumber(fields.particleSizeNm, "particle size (nm)", problems);
  if (size !== null && !(size > 0 && size < MAX_PARTICLE_SIZE_NM)) {
    problems.push(`particle size ${size} nm is outside the allowed range: above 0 and below ${MAX_PARTICLE_SIZE_NM} nm`);
  }
  const alloy = optionalNumber(fields.alloyContentPct, "alloy content (%)", problems);
  if (alloy !== null && !(alloy >= 0 && alloy <= 100)) {
    problems.push(`alloy content ${alloy} % is outside the allowed range 0–100 %`);
  }
  const bet = optionalNumber(fields.betM2g, "BET surface area (m²/g)", problems);
  if (bet !== null && !(bet >= 0 && bet < MAX_BET_M2G)) {
    problems.push(`BET surface area ${bet} m²/g is outside the allowed range: 0 or more and below ${MAX_BET_M2G} m²/g`);
  }
  let xrd: boolean | null = null;
  if (typeof fields.xrdMatch === "boolean") xrd = fields.xrdMatch;
  else if (fields.xrdMatch !== undefined && fields.xrdMatch !== null) {
    problems.push(`XRD match must be true or false, found ${shown(fields.xrdMatch)}`);
  }
  const given = [fields.particleSizeNm, fields.alloyContentPct, fields.betM2g, fields.xrdMatch].some((v) => v !== undefined && v !== null);
  if (!given) problems.push("no measured value: give at least one of particle size, alloy content, XRD match, BET surface area");
  return { particleSizeNm: size, alloyContentPct: alloy, xrdMatch: xrd, betM2g: bet };
}

function readNote(value: unknown, problems: string[]): string {
  if (value === undefined || value === null) return "";
  if (typeof value !== "string") {
    problems.push(`note must be text, found ${shown(value)}`);
    return "";
  }
  if (value.length > MAX_NOTE_CHARS) problems.push(`note is ${value.length} characters long: at most ${MAX_NOTE_CHARS}`);
  return value;
}

function readDisposition(value: unknown, problems: string[]): LabDisposition | null {
  if (value === undefined || value === null || value === "") return null;
  if (typeof value === "string" && (LAB_DISPOSITIONS as readonly string[]).includes(value)) return value as LabDisposition;
  problems.push(`disposition must be one of ${LAB_DISPOSITIONS.join(", ")}, found ${shown(value)}`);
  return null;
}

/** The sample metre and the stretch it stands for (null when they cannot be settled). */
function readStretch(
  fields: LabResultFields,
  roll: LabRollFacts,
  sampleSpanM: number,
  problems: string[],
): { atM: number; fromM: number; toM: number } | null {
  const before = problems.length;
  const rollRange = `the roll (0–${fmtM(roll.lengthM)})`;
  let atM: number | null = null;
  if (fields.atM === undefined || fields.atM === null) problems.push("sample metre (atM) is missing: give the roll metre where the sample was cut");
  else atM = optionalNumber(fields.atM, "sample metre (atM)", problems);
  const atInRoll = atM !== null && atM >= 0 && atM <= roll.lengthM + EPS_M;
  if (atM !== null && !atInRoll) {
    problems.push(`sample metre ${fmtM(atM)} is outside ${rollRange}`);
  } else if (atM !== null && atM > roll.segmentsRecordedM + EPS_M) {
    problems.push(
      `sample metre ${fmtM(atM)} has not left the line yet (segments are recorded up to ${fmtM(roll.segmentsRecordedM)}): a sample cannot have been cut there`,
    );
  }
  const fromGiven = fields.fromM !== undefined && fields.fromM !== null;
  const toGiven = fields.toM !== undefined && fields.toM !== null;
  let fromM = optionalNumber(fields.fromM, "stretch start (fromM)", problems);
  let toM = optionalNumber(fields.toM, "stretch end (toM)", problems);
  if (fromGiven !== toGiven) {
    problems.push(`give both ends of the stretch (fromM and toM) or neither; only ${fromGiven ? "fromM" : "toM"} was given`);
  }
  for (const [end, value] of [["start", fromM], ["end", toM]] as const) {
    if (value !== null && (value < 0 || value > roll.lengthM + EPS_M)) problems.push(`stretch ${end} ${fmtM(value)} is outside ${rollRange}`);
  }
  if (fromM !== null && toM !== null) {
    if (!(fromM < toM)) problems.push(`stretch start ${fmtM(fromM)} must be before its end ${fmtM(toM)}`);
    else if (atM !== null && (atM < fromM - EPS_M || atM > toM + EPS_M)) {
      problems.push(`the stretch ${fmtM(fromM)}–${fmtM(toM)} does not contain the sample metre ${fmtM(atM)}`);
    }
  }
  if (!fromGiven && !toGiven && atM !== null && atInRoll) {
    if (!(Number.isFinite(sampleSpanM) && sampleSpanM > 0)) {
      problems.push(`the configured sample span ${sampleSpanM} m is not a positive length: give fromM and toM`);
    } else {
      fromM = Math.max(0, atM - sampleSpanM / 2);
      toM = Math.min(roll.lengthM, atM + sampleSpanM / 2);
      if (!(toM > fromM)) problems.push(`the stretch around ${fmtM(atM)} is empty (the roll is ${fmtM(roll.lengthM)} long)`);
    }
  }
  if (problems.length > before || atM === null || fromM === null || toM === null) return null;
  return { atM, fromM, toM };
}

export interface SpecCheck {
  /** Every finding, in words. */
  readonly findings: string[];
  /** The findings that are out of spec. */
  readonly outOfSpec: string[];
  readonly checks: number;
}

/** The measured values against the product specification (see the header). */
export function checkAgainstSpec(
  measured: { particleSizeNm: number | null; alloyContentPct: number | null; xrdMatch: boolean | null; betM2g: number | null },
  product: ProductSpec | null,
): SpecCheck {
  const findings: string[] = [];
  const outOfSpec: string[] = [];
  let checks = 0;
  const finding = (ok: boolean, words: string): void => {
    checks += 1;
    findings.push(words);
    if (!ok) outOfSpec.push(words);
  };
  const size = measured.particleSizeNm;
  if (size !== null) {
    const target = product?.particleSizeNm;
    if (target === undefined) findings.push(`particle size ${fmt1(size)} nm: the recipe gives no particle-size target (not checked)`);
    else {
      const given = product?.particleSizeToleranceNm;
      const tol = given ?? DEFAULT_SIZE_TOLERANCE_FRACTION * target;
      const low = target - tol;
      const high = target + tol;
      const basis = `${fmt1(target)} ± ${fmt1(tol)} nm${given === undefined ? `, default ± ${Math.round(DEFAULT_SIZE_TOLERANCE_FRACTION * 100)} %` : ""}`;
      const inside = size >= low - 1e-9 && size <= high + 1e-9;
      finding(inside, `particle size ${fmt1(size)} nm is ${inside ? "within" : "outside"} ${fmt1(low)}–${fmt1(high)} nm (${basis})`);
    }
  }
  const alloy = measured.alloyContentPct;
  if (alloy !== null) {
    const target = product?.alloyContentPct;
    if (target === undefined) findings.push(`alloy content ${fmt1(alloy)} %: the recipe gives no alloy-content target (not checked)`);
    else {
      const min = target - ALLOY_TOLERANCE_PCT;
      const ok = alloy >= min - 1e-9;
      finding(ok, `alloy content ${fmt1(alloy)} % is ${ok ? "at least" : "below"} ${fmt1(min)} % (${fmt1(target)} − ${ALLOY_TOLERANCE_PCT} points)`);
    }
  }
  if (measured.xrdMatch !== null) {
    finding(measured.xrdMatch, measured.xrdMatch ? "XRD matches the reference pattern" : "XRD does not match the reference pattern");
  }
  if (measured.betM2g !== null) findings.push(`BET surface area ${fmt1(measured.betM2g)} m²/g: the recipe gives no BET target (not checked)`);
  if (product === null) findings.unshift("no product specification (no recipe for this stretch): only the XRD match is checked");
  return { findings, outOfSpec, checks };
}

/**
 * Checks a lab result for a roll. `product` is the product block of the recipe the sampled stretch was made
 * with (null: none known); `sampleSpanM` the configured length of web one sample stands for.
 */
export function checkLabResult(
  fields: LabResultFields,
  roll: LabRollFacts,
  product: ProductSpec | null,
  sampleSpanM: number,
): LabResultCheck {
  const problems: string[] = [];
  const stretch = readStretch(fields, roll, sampleSpanM, problems);
  const measured = readMeasurements(fields, problems);
  const note = readNote(fields.note, problems);
  const given = readDisposition(fields.disposition, problems);
  const spec = checkAgainstSpec(measured, product);
  const inSpec = spec.outOfSpec.length === 0;
  if (given === "accept" && !inSpec && note.trim() === "") {
    problems.push(`accepting an out-of-spec result needs a note saying why (${spec.outOfSpec.join("; ")})`);
  }
  if (problems.length > 0 || stretch === null) return { ok: false, problems };
  const disposition: LabDisposition = given ?? (spec.checks === 0 ? "hold" : inSpec ? "accept" : "reject");
  return {
    ok: true,
    ...stretch,
    ...measured,
    note,
    disposition,
    inSpec,
    specFindings: spec.findings,
    checks: spec.checks,
  };
}
