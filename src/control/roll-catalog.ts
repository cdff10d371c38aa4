/**
 * The roll record as people reach it (the server's RollControl): rolls and their segments with QA's
 * disposition joined, the roll report (HTML, PDF), the segment CSV, lab results (checked against the
 * recipe's product specification), splits and OEE. Segments are streamed from the store, never all held: a
 * 10 km roll has 100 000 of them. Refusals are data with a code of the error catalogue and the reason.
 */
import type { Clock } from "../core/clock.js";
import type { ErrorCode } from "../core/errors.js";
import type { Recipe } from "../recipes/recipe-schema.js";
import { type LabResultFields, checkLabResult } from "../quality/lab-result-check.js";
import { type OeeResult, type ShiftDefinition, computeOee, shiftWindows } from "../quality/oee.js";
import type { LabResult, Roll } from "../quality/roll-record.js";
import { type RollReportAlarm, type RollReportRecipeVersion, buildRollReport } from "../quality/roll-report-model.js";
import { renderRollReportHtml } from "../quality/roll-report-html.js";
import { planSplit } from "../quality/roll-split-plan.js";
import type { RollFilter, RollStorePort } from "../quality/roll-store-port.js";
import { type DispositionInForce, dispositionIndex } from "../quality/segment-disposition.js";
import { segmentCsvLines } from "../quality/segment-csv.js";
import type { SegmentRecord } from "../quality/segment-record.js";
import type { RollService } from "./roll-service.js";

export interface RollRefusal {
  readonly ok: false;
  readonly code: ErrorCode;
  readonly message: string;
  readonly details?: unknown;
}

/** What the catalog needs to know of a recipe version (for the report, the lab check and OEE). */
export interface RollRecipeInfo {
  version(alloy: string, version: number | null): { recipe: Recipe; signatures: { name: string; meaning: string; time: number }[]; submittedBy: string | null } | null;
}

export interface RollCatalogDeps {
  readonly store: RollStorePort;
  readonly service: RollService;
  readonly recipes: RollRecipeInfo;
  /** Alarms raised in [from, to] (newest events the SCADA still holds). */
  readonly alarmsDuring: (from: number, to: number) => RollReportAlarm[];
  readonly printPdf: ((html: string) => Promise<Buffer>) | null;
  readonly line: { readonly id: string; readonly name: string };
  readonly segmentLengthM: number;
  readonly labSampleSpanM: number;
  readonly oee: { readonly designSpeedMpm: { pulse: number; continuous: number }; readonly shifts: readonly ShiftDefinition[]; readonly timeZoneOffsetMinutes: number };
  readonly clock: Clock;
}

/** A lab result as entered (checked by checkLabResult), for a roll, optionally correcting an earlier entry. */
export type LabInput = LabResultFields & { readonly rollId: string; readonly atM: number; readonly corrects?: number };

type Range = { readonly fromM?: number; readonly toM?: number };

const refusal = (code: ErrorCode, message: string, details?: unknown): RollRefusal => ({ ok: false, code, message, ...(details === undefined ? {} : { details }) });

export class RollCatalog {
  constructor(private readonly deps: RollCatalogDeps) {}

  list(q: RollFilter): Roll[] {
    return this.deps.store.listRolls(q);
  }

  current(): (Roll & { live: unknown }) | null {
    const roll = this.deps.store.currentRoll();
    return roll ? { ...roll, live: this.deps.service.live() } : null;
  }

  currentId(): string | null {
    return this.deps.store.currentRoll()?.id ?? null;
  }

  get(id: string): Roll | null {
    return this.deps.store.getRoll(id);
  }

  segments(id: string, range: Range): Iterable<SegmentRecord & { disposition: DispositionInForce | null }> | RollRefusal {
    const roll = this.deps.store.getRoll(id);
    if (!roll) return this.unknown(id);
    const index = dispositionIndex(this.deps.store.labResults(id));
    const store = this.deps.store;
    return (function* () {
      for (const s of store.segments(id, range)) yield { ...s, disposition: index.at(s.fromM, s.toM) };
    })();
  }

  segmentCsv(id: string, range: Range): Iterable<string> | RollRefusal {
    if (!this.deps.store.getRoll(id)) return this.unknown(id);
    return segmentCsvLines(this.deps.store.segments(id, range));
  }

  labResults(id: string): LabResult[] | RollRefusal {
    if (!this.deps.store.getRoll(id)) return this.unknown(id);
    return this.deps.store.labResults(id);
  }

  reportHtml(id: string, by: string): string | RollRefusal {
    const roll = this.deps.store.getRoll(id);
    if (!roll) return this.unknown(id);
    const recipeVersions: RollReportRecipeVersion[] = roll.recipes.map((r) => {
      const v = this.deps.recipes.version(r.alloy, r.version);
      return {
        ...r,
        signatures: v?.signatures ?? [],
        submittedBy: v?.submittedBy ?? null,
        band: v ? { peakK: v.recipe.htr.peakTempK, toleranceK: v.recipe.htr.peakToleranceK, holdS: v.recipe.htr.holdTimeS } : null,
      };
    });
    const report = buildRollReport({
      roll,
      line: this.deps.line,
      recipeVersions,
      segments: this.deps.store.reportSegments(id),
      labResults: this.deps.store.labResults(id),
      alarms: this.deps.alarmsDuring(roll.startedAt, roll.endedAt ?? this.deps.clock.now()),
      generatedAt: this.deps.clock.now(),
      generatedBy: by,
    });
    return renderRollReportHtml(report);
  }

  async reportPdf(id: string, by: string): Promise<Buffer | RollRefusal> {
    const html = this.reportHtml(id, by);
    if (typeof html !== "string") return html;
    if (!this.deps.printPdf) return refusal("SCADA_ERR_ROLL_PDF_UNAVAILABLE", "PDF printing is off in this runtime: the HTML report (format=html) works");
    try {
      return await this.deps.printPdf(html);
    } catch (err) {
      return refusal("SCADA_ERR_ROLL_PDF_UNAVAILABLE", err instanceof Error ? err.message : String(err));
    }
  }

  prepareStart(lot: string | undefined, alloy: string | undefined, by: string) {
    return this.deps.service.prepareStart(lot, alloy, by);
  }

  cancelStart(): void {
    this.deps.service.cancelStart();
  }

  newRoll(lot: string | null, by: string): { ok: true; roll: Roll } | RollRefusal {
    if (lot !== null) {
      const check = this.deps.service.prepareStart(lot, undefined, by);
      this.deps.service.cancelStart();
      if (!check.ok && check.code === "SCADA_ERR_ROLL_LOT_INVALID") return check;
    }
    return { ok: true, roll: this.deps.service.newRoll(lot, by) };
  }

  addLabResult(by: string, input: LabInput): { ok: true; result: LabResult } | RollRefusal {
    const roll = this.deps.store.getRoll(input.rollId);
    if (!roll) return this.unknown(input.rollId);
    const product = this.productAt(roll, input.atM);
    const checked = checkLabResult(input, { lengthM: roll.lengthM, segmentsRecordedM: this.recordedM(roll) }, product, this.deps.labSampleSpanM);
    if (!checked.ok) return refusal("SCADA_ERR_ROLL_LAB_INVALID", checked.problems.join("; "), { problems: checked.problems });
    if (input.corrects !== undefined) {
      const old = this.deps.store.labResults(roll.id).find((r) => r.id === input.corrects);
      if (!old) return refusal("SCADA_ERR_ROLL_LAB_INVALID", `lab result ${input.corrects} is not one of roll ${roll.id}'s`);
      if (old.correctedBy !== null) return refusal("SCADA_ERR_ROLL_LAB_INVALID", `lab result ${input.corrects} was already corrected by ${old.correctedBy}: correct that one`);
    }
    const { ok: _ok, checks: _checks, ...fields } = checked;
    const result = this.deps.store.addLabResult({ ...fields, rollId: roll.id, by, at: this.deps.clock.now(), corrects: input.corrects ?? null });
    return { ok: true, result };
  }

  split(by: string, rollId: string, atM: readonly number[]): { ok: true; children: Roll[] } | RollRefusal {
    const roll = this.deps.store.getRoll(rollId);
    if (!roll) return this.unknown(rollId);
    const plan = planSplit(atM, { state: roll.state, lengthM: roll.lengthM, segmentsRecordedM: this.recordedM(roll), segmentLengthM: this.deps.segmentLengthM });
    if (!plan.ok) return refusal("SCADA_ERR_ROLL_SPLIT_INVALID", plan.problems.join("; "), { problems: plan.problems });
    return { ok: true, children: this.deps.store.split(rollId, plan.pieces, by, this.deps.clock.now()) };
  }

  /** OEE over [from, to): the whole window, each shift in it and each roll made in it. */
  oee(from: number, to: number) {
    const o = this.deps.oee;
    const shifts = shiftWindows(from, to, o.shifts, o.timeZoneOffsetMinutes);
    const rolls = this.deps.store.listRolls({ to, limit: 1000 }).filter((r) => (r.endedAt ?? Infinity) >= from);
    return {
      from,
      to,
      designSpeedMpm: o.designSpeedMpm,
      overall: this.oeeOver(from, to, rolls),
      shifts: shifts.map((s) => ({ name: s.name, date: s.date, from: s.from, to: s.to, ...this.oeeOver(s.from, s.to, rolls) })),
      rolls: rolls.map((r) => ({ id: r.id, lot: r.lot, ...this.oeeOver(Math.max(from, r.startedAt), Math.min(to, r.endedAt ?? to), [r]) })),
    };
  }

  /**
   * Metres made = segments that entered the zone in the window, plus — for a roll still being made when the
   * window ends now — the metres through the zone whose records are not closed yet (they are still in the
   * line); quality counts the recorded (processed) metres only.
   */
  private oeeOver(from: number, to: number, rolls: readonly Roll[]): OeeResult & { metresMade: number; passMetres: number; processedMetres: number } {
    let processed = 0;
    let inLine = 0;
    let pass = 0;
    let pulse = true;
    for (const roll of rolls) {
      const first = roll.recipes[0];
      if (first) pulse = this.deps.recipes.version(first.alloy, first.version)?.recipe.htr.mode !== "continuous";
      for (const s of this.deps.store.segments(roll.id)) {
        const at = s.passages.htr?.enteredAt ?? s.closedAt;
        if (at < from || at >= to) continue;
        const len = s.toM - s.fromM;
        processed += len;
        if (s.verdict === "pass") pass += len;
      }
      if (roll.endedAt === null && to >= this.deps.clock.now() - 1000) inLine += Math.max(0, roll.lengthM - this.recordedM(roll));
    }
    const made = processed + inLine;
    const designSpeedMpm = pulse ? this.deps.oee.designSpeedMpm.pulse : this.deps.oee.designSpeedMpm.continuous;
    const result = computeOee({ from, to, states: this.deps.store.lineStates(from, to), metresMade: made, passMetres: pass, processedMetres: processed, designSpeedMpm });
    return { ...result, metresMade: made, passMetres: pass, processedMetres: processed };
  }

  private productAt(roll: Roll, atM: number): Recipe["product"] | null {
    const range = roll.recipes.find((r) => atM >= r.fromM && (r.toM === null || atM < r.toM)) ?? roll.recipes[roll.recipes.length - 1];
    return range ? (this.deps.recipes.version(range.alloy, range.version)?.recipe.product ?? null) : null;
  }

  private recordedM(roll: Roll): number {
    return Math.min(roll.lengthM, roll.segmentsRecorded * this.deps.segmentLengthM);
  }

  private unknown(id: string): RollRefusal {
    return refusal("SCADA_ERR_ROLL_UNKNOWN", `Unknown roll '${id}'`);
  }
}
