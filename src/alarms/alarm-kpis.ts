import type { AlarmEvent } from "./alarm-event.js";
import { type AlarmDefs, type AlarmPriority, ALARM_PRIORITIES } from "./alarm-schema.js";

/**
 * ISA-18.2 alarm-system KPIs over a period, from the evaluator's events (pure, O(n log n)).
 *
 * An **alarm** is an annunciation: an `activate` event, or an alarm coming back from shelved, suppressed or
 * out of service straight into unack-active (the operator sees it again). Counting covers `[from, to)`.
 *
 * - alarms per 10 min: the average over the period, and the maximum over consecutive 10-minute windows
 *   starting at `from` (the last one may be shorter);
 * - floods: the times t at which the sliding window (t − 10 min, t] holds more than
 *   `settings.floodThresholdPer10Min` alarms, as maximal intervals; each with the number of alarms that made
 *   it up; and the share of the period spent in flood;
 * - chattering: alarms with at least `settings.chatterActivationsPerMin` activations within some 1-minute
 *   window;
 * - stale: alarms active for longer than `settings.staleAfterHours` at `to`. This looks at every event passed
 *   with `at ≤ to`, also before `from`: pass the events from at least that long before `from` to see
 *   alarms that became active earlier. Active runs end at `clear`, or when the alarm is shelved, suppressed or
 *   taken out of service (it is no longer standing in front of the operator);
 * - priority distribution (priority from the definitions, else from the event) and the top 10 bad actors.
 */

export const KPI_WINDOW_MS = 10 * 60_000;
export const CHATTER_WINDOW_MS = 60_000;
const HOUR_MS = 3_600_000;

/** What the KPIs read of an event (the evaluator's AlarmEvent fits). */
export type AlarmKpiEvent = Pick<AlarmEvent, "alarmId" | "at" | "transition" | "to"> & { readonly priority?: AlarmPriority };

export interface FloodPeriod {
  readonly from: number;
  readonly to: number;
  /** Alarms that made up the flood (from the first window's first to the last window's last). */
  readonly count: number;
}

export interface AlarmKpis {
  readonly from: number;
  readonly to: number;
  /** Alarms (annunciations) in [from, to). */
  readonly alarms: number;
  readonly per10Min: { readonly average: number; readonly max: number };
  readonly floods: readonly FloodPeriod[];
  /** Share of [from, to) in flood, %. */
  readonly floodTimePercent: number;
  readonly chattering: readonly { readonly alarmId: string; readonly activations: number; readonly maxPerMinute: number }[];
  readonly stale: readonly { readonly alarmId: string; readonly activeSince: number; readonly hours: number }[];
  readonly priorities: Readonly<Record<AlarmPriority, { readonly count: number; readonly percent: number }>>;
  /** The 10 alarms with the most activations (ties: by id). */
  readonly badActors: readonly { readonly alarmId: string; readonly count: number; readonly percent: number }[];
}

const RETURNS = new Set(["unshelve", "shelve-expired", "unsuppress", "in-service"]);
const ENDS_STANDING = new Set(["clear", "shelve", "suppress", "out-of-service"]);

/** The event annunciated an alarm. */
export function isAnnunciation(e: AlarmKpiEvent): boolean {
  return e.transition === "activate" || (RETURNS.has(e.transition) && e.to === "unack-active");
}

function percent(part: number, whole: number): number {
  return whole > 0 ? (part / whole) * 100 : 0;
}

/** Largest number of sorted times within a half-open window of `width`. */
function maxInWindow(times: readonly number[], width: number): number {
  let best = 0;
  let j = 0;
  for (let i = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= width) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

/**
 * Flood intervals: k = threshold + 1 alarms a[j] … a[j+k−1] lie in one window (t − W, t] exactly for
 * t ∈ [a[j+k−1], a[j] + W). The union of these intervals, clipped to `to`, merged.
 */
export function floodPeriods(times: readonly number[], threshold: number, to: number, width = KPI_WINDOW_MS): FloodPeriod[] {
  const out: FloodPeriod[] = [];
  let cur: { from: number; to: number; first: number; last: number } | null = null;
  for (let j = 0; j + threshold < times.length; j++) {
    const last = j + threshold;
    const start = times[last]!;
    const end = Math.min(times[j]! + width, to);
    if (start >= end) continue;
    if (cur && start <= cur.to) {
      cur.to = Math.max(cur.to, end);
      cur.last = last;
    } else {
      if (cur) out.push({ from: cur.from, to: cur.to, count: cur.last - cur.first + 1 });
      cur = { from: start, to: end, first: j, last };
    }
  }
  if (cur) out.push({ from: cur.from, to: cur.to, count: cur.last - cur.first + 1 });
  return out;
}

export function computeAlarmKpis(events: readonly AlarmKpiEvent[], defs: AlarmDefs, range: { from: number; to: number }): AlarmKpis {
  const { from, to } = range;
  const settings = defs.settings;
  const priorityOf = new Map(defs.alarms.map((a) => [a.id, a.priority]));
  const sorted = [...events].sort((a, b) => a.at - b.at); // stable: same-time events keep their order

  const alarms = sorted.filter((e) => e.at >= from && e.at < to && isAnnunciation(e));
  const times = alarms.map((e) => e.at);
  const duration = Math.max(0, to - from);

  // Alarms per 10 minutes.
  const windows = Math.max(1, Math.ceil(duration / KPI_WINDOW_MS));
  const perWindow = new Array<number>(windows).fill(0);
  for (const t of times) perWindow[Math.floor((t - from) / KPI_WINDOW_MS)]! += 1;
  const average = duration > 0 ? (alarms.length * KPI_WINDOW_MS) / duration : 0;
  const max = perWindow.reduce((m, n) => Math.max(m, n), 0);

  // Floods.
  const floods = floodPeriods(times, settings.floodThresholdPer10Min, to);
  const floodMs = floods.reduce((s, f) => s + (f.to - f.from), 0);

  // Per alarm: activation times (for chattering and bad actors).
  const byId = new Map<string, number[]>();
  for (const e of alarms) {
    const list = byId.get(e.alarmId) ?? [];
    list.push(e.at);
    byId.set(e.alarmId, list);
  }
  const chattering = [...byId]
    .map(([alarmId, ts]) => ({ alarmId, activations: ts.length, maxPerMinute: maxInWindow(ts, CHATTER_WINDOW_MS) }))
    .filter((c) => c.maxPerMinute >= settings.chatterActivationsPerMin)
    .sort((a, b) => b.maxPerMinute - a.maxPerMinute || b.activations - a.activations || cmp(a.alarmId, b.alarmId));

  const badActors = [...byId]
    .map(([alarmId, ts]) => ({ alarmId, count: ts.length, percent: percent(ts.length, alarms.length) }))
    .sort((a, b) => b.count - a.count || cmp(a.alarmId, b.alarmId))
    .slice(0, 10);

  // Priority distribution.
  const counts = Object.fromEntries(ALARM_PRIORITIES.map((p) => [p, 0])) as Record<AlarmPriority, number>;
  for (const e of alarms) {
    const p = priorityOf.get(e.alarmId) ?? e.priority;
    if (p !== undefined) counts[p] += 1;
  }
  const priorities = Object.fromEntries(
    ALARM_PRIORITIES.map((p) => [p, { count: counts[p], percent: percent(counts[p], alarms.length) }]),
  ) as Record<AlarmPriority, { count: number; percent: number }>;

  // Stale: standing since an annunciation, ended by clear / shelve / suppress / out of service.
  const standing = new Map<string, number>();
  for (const e of sorted) {
    if (e.at > to) break;
    if (isAnnunciation(e)) {
      if (!standing.has(e.alarmId)) standing.set(e.alarmId, e.at);
    } else if (ENDS_STANDING.has(e.transition)) {
      standing.delete(e.alarmId);
    }
  }
  const staleMs = settings.staleAfterHours * HOUR_MS;
  const stale = [...standing]
    .filter(([, since]) => to - since > staleMs)
    .map(([alarmId, since]) => ({ alarmId, activeSince: since, hours: (to - since) / HOUR_MS }))
    .sort((a, b) => a.activeSince - b.activeSince || cmp(a.alarmId, b.alarmId));

  return {
    from,
    to,
    alarms: alarms.length,
    per10Min: { average, max },
    floods,
    floodTimePercent: percent(floodMs, duration),
    chattering,
    stale,
    priorities,
    badActors,
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
