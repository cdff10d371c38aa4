import { h, setText } from "../core/dom.js";
import { type WindowEnvelope, type WindowPoint, processWindowChart } from "../widgets/roll-scatter.js";
import { rollFilterBar } from "./rolls-list.js";
import type { SubView } from "./rolls-live.js";
import { type LabResultJson, type RollJson, type SegmentJson, envelopeOf, errorText, getLabResults, getSegments, listRolls, rollRecipe } from "./rolls-data.js";

/** At most about this many dots (every k-th segment across the listed rolls). */
const MAX_POINTS = 2000;
/** A roll with more segments than this is sampled in windows, not fetched whole. */
const WHOLE_ROLL_SEGMENTS = 5000;
const WINDOWS_PER_ROLL = 10;

/** Every k-th segment of a roll: the whole roll when it is small, else WINDOWS_PER_ROLL windows spread over it. */
async function sampleRoll(r: RollJson, k: number): Promise<SegmentJson[]> {
  if (r.segmentsRecorded === 0) return [];
  if (r.segmentsRecorded <= WHOLE_ROLL_SEGMENTS) return (await getSegments(r.id)).filter((_, i) => i % k === 0);
  const perSegM = r.lengthM / r.segmentsRecorded;
  const want = Math.ceil(r.segmentsRecorded / k / WINDOWS_PER_ROLL);
  const out: SegmentJson[] = [];
  for (let j = 0; j < WINDOWS_PER_ROLL; j++) {
    const fromM = (j * r.lengthM) / WINDOWS_PER_ROLL;
    out.push(...(await getSegments(r.id, { fromM, toM: fromM + want * perSegM })));
  }
  return out;
}

async function gather(rolls: readonly RollJson[], progress: (text: string) => void): Promise<{ points: WindowPoint[]; skipped: number; envelopes: WindowEnvelope[] }> {
  const total = rolls.reduce((n, r) => n + r.segmentsRecorded, 0);
  const k = Math.max(1, Math.ceil(total / MAX_POINTS));
  const points: WindowPoint[] = [];
  let skipped = 0;
  let done = 0;
  for (const r of rolls) {
    progress(`sampling ${r.id} (${++done} of ${rolls.length}, every ${k === 1 ? "" : `${k}-th `}segment) …`);
    const [segs, labs] = await Promise.all([sampleRoll(r, k), getLabResults(r.id).catch((): LabResultJson[] => [])]);
    const size = new Map(labs.map((l) => [l.id, l.particleSizeNm]));
    for (const s of segs) {
      if (s.peakK === null || s.timeInBandS === null) {
        skipped++;
        continue;
      }
      points.push({ peakK: s.peakK, timeInBandS: s.timeInBandS, sizeNm: s.disposition ? (size.get(s.disposition.labResultId) ?? null) : null, rollId: r.id, index: s.index, fromM: s.fromM, verdict: s.verdict });
    }
  }
  const refs = new Map<string, { alloy: string; version: number | null }>();
  for (const r of rolls) {
    const ref = rollRecipe(r);
    if (ref) refs.set(`${ref.alloy}@${ref.version ?? ""}`, ref);
  }
  const envelopes: WindowEnvelope[] = [];
  for (const ref of refs.values()) {
    const e = await envelopeOf(ref.alloy, ref.version);
    if (!e) continue;
    const tol = e.particleSizeToleranceNm ?? (e.particleSizeNm === null ? null : e.particleSizeNm * 0.33);
    envelopes.push({ label: e.label, peakK: e.peakK, toleranceK: e.toleranceK, holdS: e.holdS, sizeLowNm: e.particleSizeNm === null || tol === null ? null : e.particleSizeNm - tol, sizeHighNm: e.particleSizeNm === null || tol === null ? null : e.particleSizeNm + tol });
  }
  return { points, skipped, envelopes };
}

/**
 * The process window across rolls: every sampled segment's peak temperature against its time in band,
 * coloured by the lab particle size of the result covering it, over each recipe's envelope. The rolls are
 * the list's (same filter); at most ~2000 dots: every k-th segment.
 */
export function processWindowView(): SubView {
  const status = h("p", { class: "muted", "data-testid": "pw-status" });
  const host = h("div", { class: "pw-host", "data-testid": "pw-host" });
  let seq = 0;
  const load = async () => {
    const mine = ++seq;
    host.replaceChildren();
    host.dataset.state = "loading";
    setText(status, "loading rolls …");
    try {
      // A split roll's children cover its metres: the parent is left out (each segment once).
      const rolls = (await listRolls()).filter((r) => r.state !== "split");
      const g = await gather(rolls, (t) => mine === seq && setText(status, t));
      if (mine !== seq) return;
      host.dataset.state = "ready";
      const withLab = g.points.filter((p) => p.sizeNm !== null).length;
      setText(status, `${g.points.length} segments of ${rolls.length} roll${rolls.length === 1 ? "" : "s"}${g.skipped ? ` (${g.skipped} without peak or time in band left out)` : ""} · ${withLab} covered by a lab result with a particle size`);
      host.replaceChildren(g.points.length || g.envelopes.length ? processWindowChart(g.points, g.envelopes, host.clientWidth || 1100) : h("p", { class: "muted", "data-testid": "pw-empty" }, "No segments with figures in the listed rolls."));
    } catch (err) {
      if (mine !== seq) return;
      host.dataset.state = "error";
      setText(status, `process window not available: ${errorText(err)}`);
    }
  };
  void load();
  return {
    el: h("div", { class: "rolls-window", "data-testid": "rolls-window" }, h("section", { class: "panel" }, h("h1", {}, "Process window across rolls"), rollFilterBar(() => void load(), "pw"), status, host)),
    dispose() {
      seq++;
    },
  };
}
