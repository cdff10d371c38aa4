/**
 * The roll report as one self-contained A4-landscape HTML page (pure): inline CSS and SVG, no script, no
 * external asset. A printed QA document: black on white; verdict colours muted and each with its own pattern
 * and label, so it still reads in black and white. Every string from the report is escaped (roll ids, lots,
 * notes and messages are user input). Hooks for tests: `#roll-map`, `data-verdict` on map columns, and
 * `data-metres-<verdict>`, `data-processed-m`, `data-yield` on the summary.
 */
import type { LabResult } from "./roll-record.js";
import type { Histogram, Marker, RecipeBand, RollReport } from "./roll-report-model.js";
import { SEGMENT_VERDICTS, type SegmentVerdict } from "./segment-record.js";

/** Escapes text for HTML content and double- or single-quoted attributes. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}
const e = escapeHtml;

/** Fixed decimals, "—" for none. */
const fx = (v: number | null | undefined, d: number): string => (v === null || v === undefined || !Number.isFinite(v) ? "—" : v.toFixed(d));
const pct = (v: number | null): string => (v === null ? "—" : `${(v * 100).toFixed(1)} %`);

interface Ctx {
  readonly r: RollReport;
  /** `YYYY-MM-DD HH:MM:SS UTC±hh:mm` in the report's time zone. */
  readonly full: (ms: number | null) => string;
  /** `MM-DD HH:MM:SS` (the zone is in the header). */
  readonly short: (ms: number | null) => string;
  /** `YYYY-MM-DD HH:MM`. */
  readonly minute: (ms: number | null) => string;
}

function timeFormats(timeZone: string): Pick<Ctx, "full" | "short" | "minute"> {
  const f = new Intl.DateTimeFormat("en-GB", {
    timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23", timeZoneName: "longOffset",
  });
  const parts = (ms: number) => Object.fromEntries(f.formatToParts(ms).map((p) => [p.type, p.value]));
  const ok = (ms: number | null): ms is number => ms !== null && Number.isFinite(ms);
  return {
    full: (ms) => {
      if (!ok(ms)) return "—";
      const p = parts(ms);
      const offset = (p.timeZoneName ?? "GMT").replace(/^GMT$/, "GMT+00:00").replace("GMT", "UTC");
      return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second} ${offset}`;
    },
    short: (ms) => {
      if (!ok(ms)) return "—";
      const p = parts(ms);
      return `${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
    },
    minute: (ms) => {
      if (!ok(ms)) return "—";
      const p = parts(ms);
      return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
    },
  };
}

const VERDICT_FILL: Record<SegmentVerdict, string> = { pass: "url(#v-pass)", fail: "url(#v-fail)", unverified: "url(#v-unverified)", trial: "url(#v-trial)" };
/** Bottom to top in a map column: the worst on top. */
const STACK: readonly SegmentVerdict[] = ["pass", "trial", "unverified", "fail"];
const WORST_FIRST: readonly SegmentVerdict[] = ["fail", "unverified", "trial", "pass"];

/** The verdict patterns (document-wide): grey-green plain · red cross-hatched · amber hatched · blue-grey dotted. */
const PATTERNS = `<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>
<pattern id="v-pass" width="6" height="6" patternUnits="userSpaceOnUse"><rect width="6" height="6" fill="#c3d3bf"/></pattern>
<pattern id="v-fail" width="4" height="4" patternUnits="userSpaceOnUse"><rect width="4" height="4" fill="#b8463f"/><path d="M0 0L4 4M4 0L0 4" stroke="#3a0d0a" stroke-width="0.7"/></pattern>
<pattern id="v-unverified" width="5" height="5" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="5" height="5" fill="#e2b556"/><rect width="1.6" height="5" fill="#5a4310"/></pattern>
<pattern id="v-trial" width="4" height="4" patternUnits="userSpaceOnUse"><rect width="4" height="4" fill="#9aa8b8"/><circle cx="2" cy="2" r="0.8" fill="#26313d"/></pattern>
<pattern id="band" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(-45)"><rect width="6" height="6" fill="#ececec"/><rect width="1" height="6" fill="#bdbdbd"/></pattern>
</defs></svg>`;

const swatch = (v: SegmentVerdict): string => `<svg class="sw" viewBox="0 0 12 9"><rect width="12" height="9" fill="${VERDICT_FILL[v]}" stroke="#333" stroke-width="0.6"/></svg>`;

const CSS = `@page { size: A4 landscape; margin: 10mm }
* { box-sizing: border-box; -webkit-print-color-adjust: exact; print-color-adjust: exact }
html, body { margin: 0; background: #fff; color: #000 }
body { font: 7pt/1.2 "DejaVu Sans Condensed", "DejaVu Sans", "Liberation Sans", Arial, sans-serif }
.page { width: 277mm; height: 189mm; overflow: hidden; display: flex; flex-direction: column; gap: 1.6mm }
h1 { font-size: 12pt; margin: 0 } h2 { font-size: 7.5pt; margin: 0 0 0.6mm; text-transform: uppercase; letter-spacing: 0.03em; border-bottom: 0.3mm solid #000 }
.hdr { display: flex; gap: 5mm; align-items: flex-start; border-bottom: 0.5mm solid #000; padding-bottom: 1mm }
.hdr .kv { display: grid; grid-template-columns: repeat(4, auto auto); gap: 0.2mm 2.5mm; flex: 1 }
.kv .k { color: #444 } .kv .v { font-weight: 600 }
.grid { display: grid; grid-template-columns: 56mm 101mm 1fr; gap: 3.5mm; flex: 1; min-height: 0 }
.col { display: flex; flex-direction: column; gap: 1.6mm; min-width: 0; overflow: hidden }
table { border-collapse: collapse; width: 100%; table-layout: auto }
th { text-align: left; font-weight: 600; border-bottom: 0.2mm solid #000; white-space: nowrap; padding: 0 1mm 0 0 }
td { padding: 0.1mm 1mm 0.1mm 0; vertical-align: top; border-bottom: 0.1mm solid #ccc }
td.n, th.n { text-align: right; white-space: nowrap }
.nw { white-space: nowrap } .clip { max-width: 0; width: 100%; white-space: nowrap; overflow: hidden; text-overflow: ellipsis }
.clamp { display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; overflow: hidden; overflow-wrap: anywhere }
.more { color: #444; font-style: italic }
.sw { width: 3.2mm; height: 2.4mm; vertical-align: -0.4mm; margin-right: 0.6mm }
.legend span { margin-left: 3mm; white-space: nowrap } .map-title { display: flex; justify-content: space-between; align-items: baseline }
.yield { font-size: 16pt; font-weight: 700 } .tag { border: 0.2mm solid #000; padding: 0 0.6mm; font-size: 6pt; font-weight: 700 }
.superseded td { color: #666; text-decoration: line-through } .superseded td.why { text-decoration: none }
.mono { font-family: "DejaVu Sans Mono", monospace; font-size: 6pt } .prio-critical { font-weight: 700 } svg text { font-family: "DejaVu Sans Condensed", "DejaVu Sans", Arial, sans-serif }`;

function headerSection(c: Ctx): string {
  const { roll } = c.r;
  const kv = (k: string, v: string) => `<span class="k">${e(k)}</span><span class="v">${v}</span>`;
  const parent = roll.parent === null ? "" : kv("Split from", `${e(roll.parent.id)} ${fx(roll.parent.fromM, 1)}–${fx(roll.parent.toM, 1)} m`);
  const children = roll.children.length === 0 ? "" : kv("Split into", e(roll.children.join(", ")));
  const tz = `${e(c.r.timeZone)}${c.r.timeZoneNote === null ? "" : ` (${e(c.r.timeZoneNote)})`}`;
  return `<header class="hdr"><div><div>Roll report</div><h1 id="roll-id">${e(roll.id)}</h1></div><div class="kv">
${kv("Line", `${e(c.r.line.name)} (${e(c.r.line.id)})`)}${kv("Lot", roll.lot === null ? "— none entered" : e(roll.lot))}${kv("State", e(roll.state))}${kv("Length", `${fx(roll.lengthM, 1)} m`)}
${kv("Started", e(c.full(roll.startedAt)))}${kv("Ended", roll.endedAt === null ? "— (open)" : e(c.full(roll.endedAt)))}${kv("Started by", e(roll.startedBy))}${kv("Segments", `${c.r.segments}`)}
${kv("Generated", e(c.full(c.r.generatedAt)))}${kv("Generated by", e(c.r.generatedBy))}${kv("Time zone", tz)}${parent}${children}</div></header>`;
}

function recipesSection(c: Ctx): string {
  const rows = c.r.recipes.rows.map((v) => {
    const sigs = v.signatures.map((s) => `<div>${e(s.name)} — ${e(s.meaning)} — <span class="nw">${e(c.minute(s.time))}</span></div>`).join("");
    const approved = v.approvedBy === null ? (v.trial ? "— (trial)" : "—") : `${e(v.approvedBy)}<br><span class="nw">${e(c.minute(v.approvedAt))}</span>`;
    return `<tr><td class="nw"><b>${e(v.alloy)}</b> v${v.version ?? "—"}${v.trial ? ' <span class="tag">TRIAL</span>' : ""}<br><span class="mono">${e((v.hash ?? "no hash").slice(0, 12))}</span></td>
<td class="n">${fx(v.fromM, 1)}–${v.toM === null ? "…" : fx(v.toM, 1)}<br>${fx(v.metres, 1)} m</td><td>${e(v.submittedBy ?? "—")}</td><td>${approved}</td><td>${sigs || "—"}</td></tr>`;
  });
  const more = c.r.recipes.more > 0 ? `<tr><td colspan="5" class="more">+${c.r.recipes.more} more versions</td></tr>` : "";
  return `<section id="recipes"><h2>Recipe versions</h2><table><tr><th>Version</th><th class="n">Roll m · made</th><th>Submitted</th><th>Approved</th><th>Signatures</th></tr>
${rows.join("") || '<tr><td colspan="5">No recipe recorded</td></tr>'}${more}</table></section>`;
}

/** The roll map's geometry (SVG user units; the SVG spans the page width). */
const MAP = { w: 1100, h: 200, left: 12, right: 12, labTop: 2, barTop: 34, barH: 92, axisY: 126, laneTop: 150, laneH: 12, lanes: 4 } as const;
const CHAR_W = 5.2;

function niceStep(span: number, ticks: number): number {
  const raw = span / ticks;
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((k) => k * p).find((s) => s >= raw) ?? 10 * p;
}

/** Places labels left to right in the first lane (0 nearest the thing marked) where they overlap no other label; the rest are dropped. */
function placeLabels<T extends { x: number; text: string }>(items: readonly T[], lanes: number, maxX: number): (T & { lane: number; anchor: "start" | "end" })[] {
  const boxes: { lane: number; a: number; b: number }[] = [];
  const out: (T & { lane: number; anchor: "start" | "end" })[] = [];
  for (const it of [...items].sort((p, q) => p.x - q.x)) {
    const w = it.text.length * CHAR_W + 4;
    const anchor = it.x + w > maxX ? "end" : "start";
    const [a, b] = anchor === "start" ? [it.x, it.x + w] : [it.x - w, it.x];
    const lane = Array.from({ length: lanes }, (_, l) => l).find((l) => boxes.every((k) => k.lane !== l || b < k.a - 2 || a > k.b + 2));
    if (lane === undefined) continue;
    boxes.push({ lane, a, b });
    out.push({ ...it, lane, anchor });
  }
  return out;
}

/**
 * The stacked verdict bands: one path per verdict (a pattern fill per column would make Chromium's PDF huge,
 * and one path has no seams between columns), then per column an unpainted hook with its figures.
 */
function mapColumns(c: Ctx, x: (m: number) => number): string {
  const { map } = c.r;
  const paths: Record<SegmentVerdict, string[]> = { pass: [], fail: [], unverified: [], trial: [] };
  const hooks = map.columns.map((col) => {
    const x0 = x(col.fromM);
    const w = x(Math.min(col.toM, map.endM)) - x0;
    let y = MAP.barTop + MAP.barH;
    for (const v of STACK.filter((s) => col.metres[s] > 0)) {
      const h = Math.min(1, col.metres[v] / map.columnM) * MAP.barH;
      y -= h;
      paths[v].push(`M${x0.toFixed(2)} ${y.toFixed(2)}h${(w + 0.3).toFixed(2)}v${h.toFixed(2)}h${(-w - 0.3).toFixed(2)}z`);
    }
    const worst = WORST_FIRST.find((v) => col.metres[v] > 0) ?? "none";
    const data = SEGMENT_VERDICTS.map((v) => ` data-${v}-m="${col.metres[v].toFixed(3)}"`).join("");
    const title = `${fx(col.fromM, 1)}–${fx(col.toM, 1)} m: ${SEGMENT_VERDICTS.filter((v) => col.metres[v] > 0).map((v) => `${v} ${fx(col.metres[v], 2)} m`).join(", ") || "no segments"}`;
    return `<rect data-verdict="${worst}" data-from-m="${col.fromM.toFixed(3)}"${data} x="${x0.toFixed(2)}" y="${MAP.barTop}" width="${w.toFixed(2)}" height="${MAP.barH}" fill="none" pointer-events="all"><title>${title}</title></rect>`;
  });
  const bands = STACK.filter((v) => paths[v].length > 0).map((v) => `<path class="band-${v}" d="${paths[v].join("")}" fill="${VERDICT_FILL[v]}"/>`);
  return `${bands.join("")}<g class="columns">${hooks.join("")}</g>`;
}

/** The map axis' extent: the roll's metres (1 m before any). */
const mapSpan = (c: Ctx): number => (c.r.map.endM > 0 ? c.r.map.endM : 1);

function mapAxis(c: Ctx, x: (m: number) => number): string {
  const end = mapSpan(c);
  const step = niceStep(end, 12);
  const d = step < 1 ? Math.ceil(-Math.log10(step)) : 0;
  const ticks: string[] = [];
  for (let m = 0; m <= end + 1e-9; m += step) {
    const last = m + step > end + 1e-9;
    ticks.push(`<line x1="${x(m).toFixed(1)}" x2="${x(m).toFixed(1)}" y1="${MAP.axisY}" y2="${MAP.axisY + 4}" stroke="#000"/><text x="${x(m).toFixed(1)}" y="${MAP.axisY + 13}" text-anchor="${last ? "end" : "middle"}" font-size="9">${m.toFixed(d)}${last ? " m" : ""}</text>`);
  }
  const frame = `<rect x="${MAP.left}" y="${MAP.barTop}" width="${(x(end) - MAP.left).toFixed(1)}" height="${MAP.barH}" fill="none" stroke="#000" stroke-width="0.6"/>`;
  return `${frame}<line x1="${MAP.left}" x2="${x(end).toFixed(1)}" y1="${MAP.axisY}" y2="${MAP.axisY}" stroke="#000"/>${ticks.join("")}`;
}

function markerLabel(m: Marker, firstOut: boolean): string {
  return `${firstOut ? "FIRST-OUT " : m.kind === "trip" ? "TRIP " : "BYPASS "}${m.id}`;
}

/** A line through the bars at every trip / bypass range; labels (white halo over other leaders) where there is room. */
function mapMarkers(c: Ctx, x: (m: number) => number): string {
  const items = c.r.markers.flatMap((m) => m.ranges.map((r) => ({ x: x(r.fromM), x2: x(r.toM), text: markerLabel(m, r.firstOut), kind: m.kind, firstOut: r.firstOut })));
  const style = (it: { kind: string; firstOut: boolean }) => `stroke="#000" stroke-width="${it.firstOut ? 1.8 : 0.9}"${it.kind === "bypass" ? ' stroke-dasharray="3 2"' : ""}`;
  const bars = items.map((it) => `<line class="marker" data-marker="${it.kind}"${it.firstOut ? ' data-first-out="true"' : ""} x1="${it.x.toFixed(1)}" x2="${it.x.toFixed(1)}" y1="${MAP.barTop}" y2="${MAP.axisY}" ${style(it)}/>`);
  const placed = placeLabels(items, MAP.lanes, MAP.w - MAP.right);
  const leaders = placed.map((p) => {
    const y = MAP.laneTop + p.lane * MAP.laneH + 2;
    return `<line x1="${p.x.toFixed(1)}" x2="${p.x.toFixed(1)}" y1="${MAP.axisY + 15}" y2="${y}" ${style(p)}/><line x1="${p.x.toFixed(1)}" x2="${Math.max(p.x2, p.x + 2).toFixed(1)}" y1="${y}" y2="${y}" ${style(p)} stroke-width="2.2"/>`;
  });
  const labels = placed.map((p) => {
    const tx = p.anchor === "start" ? p.x + 3 : p.x - 3;
    return `<text x="${tx.toFixed(1)}" y="${MAP.laneTop + p.lane * MAP.laneH}" text-anchor="${p.anchor}" font-size="9"${p.firstOut ? ' font-weight="700"' : ""} paint-order="stroke" stroke="#fff" stroke-width="3">${e(p.text)}</text>`;
  });
  const hidden = items.length - placed.length;
  const note = hidden > 0 ? `<text x="${MAP.w - 2}" y="${MAP.h - 1}" text-anchor="end" font-size="8" font-style="italic">+${hidden} marker labels not drawn (see CSV)</text>` : "";
  return bars.join("") + leaders.join("") + labels.join("") + note;
}

const DISPOSITION_FILL: Record<string, string> = { accept: "#555", hold: "#e2b556", reject: "#b8463f" };

function mapLabSamples(c: Ctx, x: (m: number) => number): string {
  const items = c.r.lab.samples.map((s: LabResult) => ({ x: x(s.atM), text: `#${s.id} ${s.disposition}${s.inSpec ? "" : " (out of spec)"}`, s }));
  const placed = placeLabels(items, 2, MAP.w - MAP.right);
  const tri = items.map((i) => `<path d="M${(i.x - 4).toFixed(1)} ${MAP.barTop - 9}h8l-4 8z" fill="${DISPOSITION_FILL[i.s.disposition] ?? "#555"}" stroke="#000" stroke-width="0.6" data-lab="${i.s.id}"/>`);
  const labels = placed.map((p) => `<text x="${p.x.toFixed(1)}" y="${MAP.labTop + 18 - p.lane * 10}" text-anchor="${p.anchor === "start" ? "start" : "end"}" font-size="9">▼ ${e(p.text)}</text>`);
  return tri.join("") + labels.join("");
}

function mapSection(c: Ctx): string {
  const { map } = c.r;
  const plotW = MAP.w - MAP.left - MAP.right;
  const span = mapSpan(c);
  const x = (m: number) => MAP.left + (Math.min(Math.max(m, 0), span) / span) * plotW;
  const empty = c.r.segments === 0 ? `<text x="${MAP.w / 2}" y="${MAP.barTop + MAP.barH / 2}" text-anchor="middle" font-size="12">No segments recorded</text>` : "";
  const legend = SEGMENT_VERDICTS.map((v) => `<span>${swatch(v)}${v}</span>`).join("") + "<span>▼ lab sample</span><span>│ trip · ┆ bypass · ┃ first-out</span>";
  return `<section><div class="map-title"><h2>Roll map — ${c.r.segments === 0 ? "no segments recorded" : `0 to ${fx(map.endM, 1)} m, ${map.columns.length} columns of ${fx(map.columnM, map.columnM < 1 ? 3 : 2)} m`}</h2><div class="legend">${legend}</div></div>
<svg id="roll-map" viewBox="0 0 ${MAP.w} ${MAP.h}" width="100%" style="display:block;height:${((277 * MAP.h) / MAP.w).toFixed(1)}mm" role="img" aria-label="roll map">
${mapColumns(c, x)}${mapAxis(c, x)}${empty}${mapMarkers(c, x)}${mapLabSamples(c, x)}</svg></section>`;
}

const HIST = { w: 230, h: 118, left: 24, right: 4, top: 24, bottom: 20 } as const;

function histogramSvg(h: Histogram, id: string, marks: (x: (v: number) => number) => string, labelEvery: number): string {
  const slots = h.counts.length + 3; // under, gap, bins …, over (the gap is split before over)
  const slotW = (HIST.w - HIST.left - HIST.right) / slots;
  const xBin = (i: number) => HIST.left + (i + 1.5) * slotW;
  const xVal = (v: number) => xBin((Math.min(Math.max(v, h.from), h.to) - h.from) / h.width);
  const max = Math.max(1, h.under, h.over, ...h.counts);
  const plotH = HIST.h - HIST.top - HIST.bottom;
  const base = HIST.h - HIST.bottom;
  const bar = (x: number, n: number, cls: string) => (n > 0 ? `<rect class="${cls}" x="${x.toFixed(2)}" y="${(base - (n / max) * plotH).toFixed(2)}" width="${(slotW * 0.9).toFixed(2)}" height="${((n / max) * plotH).toFixed(2)}" fill="#5f5f5f" data-count="${n}"/>` : "");
  const bars = h.counts.map((n, i) => bar(xBin(i), n, "bin")).join("");
  const ends = bar(HIST.left, h.under, "under") + bar(xBin(h.counts.length) + 0.5 * slotW, h.over, "over");
  const labels = h.edges
    .map((edge, i) => (i % labelEvery === 0 ? `<text x="${xBin(i).toFixed(1)}" y="${base + 10}" text-anchor="middle" font-size="9">${+edge.toFixed(2)}</text>` : ""))
    .join("");
  const endLabels = `<text x="${(HIST.left + slotW / 2).toFixed(1)}" y="${base + 19}" text-anchor="middle" font-size="8">&lt;</text><text x="${(xBin(h.counts.length) + slotW).toFixed(1)}" y="${base + 19}" text-anchor="middle" font-size="8">≥</text>`;
  const axes = `<line x1="${HIST.left}" x2="${HIST.w - HIST.right}" y1="${base}" y2="${base}" stroke="#000"/><text x="${HIST.left - 2}" y="${HIST.top + 3}" text-anchor="end" font-size="9">${max >= 10_000 ? `${Math.round(max / 1000)}k` : max}</text><text x="${HIST.left - 2}" y="${base}" text-anchor="end" font-size="9">0</text>`;
  return `<svg id="${id}" viewBox="0 0 ${HIST.w} ${HIST.h}" width="100%" style="display:block">${marks(xVal)}${bars}${ends}${axes}${labels}${endLabels}</svg>`;
}

function histogramsSection(c: Ctx): string {
  const bandMarks = (bands: readonly RecipeBand[]) => (x: (v: number) => number) =>
    bands.map((b, i) => {
      const [lo, hi] = [x(b.peakK - b.toleranceK), x(b.peakK + b.toleranceK)];
      const text = `band ${fx(b.peakK - b.toleranceK, 0)}–${fx(b.peakK + b.toleranceK, 0)} K`;
      const atEnd = lo + text.length * 4.9 > HIST.w;
      const label = i < 2 ? `<text x="${(atEnd ? hi : lo).toFixed(1)}" y="${9 + i * 10}" text-anchor="${atEnd ? "end" : "start"}" font-size="9">${text}</text>` : "";
      return `<rect x="${lo.toFixed(1)}" y="${HIST.top - (i < 2 ? 14 - i * 10 : 0)}" width="${(hi - lo).toFixed(1)}" height="${HIST.h - HIST.bottom - HIST.top + (i < 2 ? 14 - i * 10 : 0)}" fill="url(#band)" stroke="#777" stroke-width="0.5"/>${label}`;
    }).join("");
  const holdMarks = (bands: readonly RecipeBand[]) => (x: (v: number) => number) =>
    [...new Set(bands.map((b) => b.holdS))].map((s) => `<line x1="${x(s).toFixed(1)}" x2="${x(s).toFixed(1)}" y1="${HIST.top - 2}" y2="${HIST.h - HIST.bottom}" stroke="#000" stroke-dasharray="3 2"/><text x="${(x(s) - 2).toFixed(1)}" y="${HIST.top - 4}" text-anchor="end" font-size="9">hold ${fx(s, 1)} s</text>`).join("");
  const note = (h: Histogram) => `segments per bin · ${h.under} below ${h.from} · ${h.over} at/above ${h.to} · ${h.missing} without a value`;
  return `<section id="hist-peak"><h2>Peak web temperature, K</h2>${histogramSvg(c.r.peak, "hist-peak-svg", bandMarks(c.r.bands), 8)}<div class="more">${note(c.r.peak)}</div></section>
<section id="hist-time"><h2>Time in band, s</h2>${histogramSvg(c.r.timeInBand, "hist-time-svg", holdMarks(c.r.bands), 8)}<div class="more">${note(c.r.timeInBand)}</div></section>`;
}

function summarySection(c: Ctx): string {
  const { metres, processedM } = c.r;
  const data = SEGMENT_VERDICTS.map((v) => ` data-metres-${v}="${metres[v].toFixed(3)}"`).join("");
  const rows = SEGMENT_VERDICTS.map((v) => `<tr data-verdict="${v}"><td>${swatch(v)}${v}</td><td class="n">${fx(metres[v], 1)} m</td><td class="n">${pct(processedM > 0 ? metres[v] / processedM : null)}</td></tr>`);
  const firstOut = c.r.firstOut === null ? "" : `<div>First-out: <b>${e(c.r.firstOut.id)}</b> at ${fx(c.r.firstOut.atM, 1)} m</div>`;
  return `<section id="summary" class="summary"${data} data-processed-m="${processedM.toFixed(3)}" data-yield="${c.r.yield === null ? "" : c.r.yield.toFixed(6)}">
<h2>Yield</h2><div><span class="yield">${pct(c.r.yield)}</span> pass of ${fx(processedM, 1)} m processed</div>
<table>${rows.join("")}<tr><td>processed</td><td class="n">${fx(processedM, 1)} m</td><td class="n">${c.r.segments} seg.</td></tr></table>${firstOut}</section>`;
}

function reasonsSection(c: Ctx): string {
  const { top, rules, segmentsWithReasons } = c.r.reasons;
  const rows = top.map((t) => `<tr><td class="nw"><b>${e(t.rule)}</b>${t.kind === "unverified" ? " (unverif.)" : ""}</td><td class="n">${t.segments}</td><td class="n">${fx(t.metres, 1)}</td><td class="clip" title="${e(t.example)}">${e(t.example)}</td></tr>`);
  const more = rules > top.length ? `<tr><td colspan="4" class="more">+${rules - top.length} more rules</td></tr>` : "";
  return `<section id="reasons"><h2>Top reasons</h2><table><tr><th>Rule</th><th class="n">seg.</th><th class="n">m</th><th>e.g.</th></tr>
${rows.join("") || '<tr><td colspan="4">None</td></tr>'}${more}</table><div class="more">${segmentsWithReasons} segments with a reason</div></section>`;
}

function labRow(c: Ctx, l: LabResult): string {
  const why = [l.corrects === null ? "" : `corrects #${l.corrects}`, l.correctedBy === null ? "" : `corrected by #${l.correctedBy}`].filter(Boolean).join("; ");
  const xrd = l.xrdMatch === null ? "—" : l.xrdMatch ? "match" : "NO";
  const findings = l.specFindings.length > 0 ? ` — ${l.specFindings.join("; ")}` : "";
  return `<tr class="${l.correctedBy === null ? "" : "superseded"}" data-lab-id="${l.id}"><td class="n">#${l.id}</td><td class="n">${fx(l.atM, 1)}</td><td class="n">${fx(l.particleSizeNm, 1)}</td><td class="n">${fx(l.alloyContentPct, 1)}</td><td>${xrd}</td><td class="n">${fx(l.betM2g, 0)}</td>
<td class="nw">${l.inSpec ? "in" : "<b>OUT</b>"} · <b>${e(l.disposition)}</b></td><td class="nw">${e(l.by)}<br>${e(c.short(l.at))}</td><td class="why"><div class="clamp">${why ? `<b>${e(why)}</b> ` : ""}${e(l.note)}${e(findings)}</div></td></tr>`;
}

function labSection(c: Ctx): string {
  const { rows, more } = c.r.lab;
  const extra = more > 0 ? `<tr><td colspan="9" class="more">+${more} more lab results</td></tr>` : "";
  return `<section id="lab"><h2>Lab results</h2><table><tr><th class="n">#</th><th class="n">at m</th><th class="n">nm</th><th class="n">alloy %</th><th>XRD</th><th class="n">BET</th><th>spec · disp.</th><th>by</th><th>note</th></tr>
${rows.map((l) => labRow(c, l)).join("") || '<tr><td colspan="9">No lab results</td></tr>'}${extra}</table></section>`;
}

function alarmsSection(c: Ctx): string {
  const { rows, more } = c.r.alarms;
  const body = rows.map((a) => `<tr class="prio-${e(a.priority.toLowerCase())}"><td class="nw">${e(c.short(a.at))}</td><td class="nw">${e(a.priority)}</td><td class="nw">${e(a.id)}</td><td class="nw">${e(a.state)}</td><td class="clip" title="${e(a.message)}">${e(a.message)}</td></tr>`);
  const extra = more > 0 ? `<tr><td colspan="5" class="more">+${more} more</td></tr>` : "";
  return `<section id="alarms"><h2>Alarms during the roll</h2><table><tr><th>Time</th><th>Priority</th><th>Alarm</th><th>State</th><th>Message</th></tr>
${body.join("") || '<tr><td colspan="5">None</td></tr>'}${extra}</table></section>`;
}

/** The report as one self-contained A4-landscape HTML page. */
export function renderRollReportHtml(report: RollReport): string {
  const c: Ctx = { r: report, ...timeFormats(report.timeZone) };
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Roll report ${e(report.roll.id)}</title><style>${CSS}</style></head><body>${PATTERNS}
<main class="page">${headerSection(c)}${mapSection(c)}<div class="grid">
<div class="col">${summarySection(c)}${histogramsSection(c)}</div><div class="col">${reasonsSection(c)}${recipesSection(c)}${labSection(c)}</div>
<div class="col">${alarmsSection(c)}</div></div></main></body></html>`;
}
