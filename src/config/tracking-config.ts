/**
 * The roll record's geometry from line.yaml: each measuring window is `tracking.windows.<station>` when
 * given, else that station's own span; checked once at load (windows that do not fit are refused with the
 * reason, never found out when a roll begins). A line without one of the stations and no window for it has
 * no roll record (`off`, with the reason the runtime logs).
 */
import type { Problem } from "../core/problem.js";
import { TRACKING_STATIONS, type TrackingGeometry, type TrackingStation, geometryProblems } from "../quality/tracking-geometry.js";
import type { LineFile } from "./line-schema.js";

export function trackingGeometryOf(line: Pick<LineFile, "tracking" | "stations">): { geometry: TrackingGeometry } | { off: string } | { problems: Problem[] } {
  const missing: string[] = [];
  const windows: Partial<Record<TrackingStation, { fromM: number; toM: number }>> = {};
  for (const id of TRACKING_STATIONS) {
    const w = line.tracking.windows[id];
    const st = line.stations.find((s) => s.id === id);
    if (w) windows[id] = { fromM: w.from, toM: w.to };
    else if (st) windows[id] = { fromM: st.from, toM: st.to };
    else missing.push(id);
  }
  if (missing.length > 0) return { off: `line.yaml has no station ${missing.join(", ")} and no tracking.windows for it: the roll record is off` };
  const geometry: TrackingGeometry = { segmentLengthM: line.tracking.segmentLengthM, windows: windows as TrackingGeometry["windows"] };
  const wrong = geometryProblems(geometry);
  if (wrong.length > 0) return { problems: wrong.map((message) => ({ file: "line.yaml", path: "tracking", message })) };
  return { geometry };
}
