/**
 * The site overview's state: every line of the site as its Sparkplug B edge node tells it (pure). `foldSite`
 * takes the state and one event (site-message.ts) and returns the next state and what the host should ask
 * for (a rebirth), without doing it — like xstate's `transition`.
 *
 * - NBIRTH opens a session (its bdSeq, seq 0) and carries the line's own metrics (northbound/line-node-metrics.ts);
 *   NDATA changes them; DBIRTH / DDATA carry the speed tag of the configured device.
 * - NDEATH ends the session only when its bdSeq is the session's (a will of an older session that arrives
 *   late is ignored and counted); the line shows offline with the time of death, its last values kept.
 * - Data of a node without a session (the overview started after the births, or lost the broker) is ignored
 *   and a rebirth asked for, at most once per REBIRTH_INTERVAL_MS per node; a gap in seq is counted and asks
 *   for a rebirth too. Historical metrics (a backlog replay) never overwrite current values.
 * - Lines that are not in the site file but publish in the group are shown too (configured: false).
 */
import type { SiteEvent, SiteMetric } from "./site-message.js";

/** At most one rebirth request per node this often. */
export const REBIRTH_INTERVAL_MS = 5000;

/** The edge node's own metric names (◆ northbound/line-node-metrics.ts, docs/northbound.md). */
const M = {
  state: "Line/State",
  mode: "Line/Mode",
  firstOut: "Line/First out",
  tripped: "Line/Tripped",
  inList: "Alarms/In list",
  unacknowledged: "Alarms/Unacknowledged",
  rollId: "Roll/Id",
  rollLength: "Roll/Length",
  bdSeq: "bdSeq",
} as const;

export type LineStatus = "never-seen" | "online" | "offline" | "unknown";
export type SpeedQuality = "Good" | "Uncertain" | "Bad";

export interface SiteLineState {
  readonly id: string;
  readonly name: string;
  /** The line's HMI; null for a line not in the site file. */
  readonly hmiUrl: string | null;
  readonly configured: boolean;
  /** unknown: the overview lost the broker, or has data of a session whose birth it did not see. */
  readonly status: LineStatus;
  readonly bdSeq: number | null;
  /** The last seq of the session. */
  readonly seq: number | null;
  readonly bornAt: number | null;
  readonly diedAt: number | null;
  readonly lastMessageAt: number | null;
  /** PackML state (Line/State). */
  readonly state: string | null;
  readonly mode: string | null;
  readonly firstOut: string;
  /** Latched trips. */
  readonly tripped: readonly string[];
  /** When the overview first received the trips now latched (none: null). */
  readonly trippedSince: number | null;
  readonly alarms: { readonly inList: number | null; readonly unacknowledged: number | null; readonly byPriority: Readonly<Record<string, number>> };
  readonly roll: { readonly id: string; readonly lengthM: number | null };
  readonly speed: { readonly value: number | null; readonly quality: SpeedQuality | null };
  readonly seqGaps: number;
  readonly rebirthRequestedAt: number | null;
}

export interface SiteState {
  readonly site: { readonly id: string; readonly name: string; readonly groupId: string };
  readonly speedMetric: { readonly device: string; readonly metric: string };
  readonly broker: { readonly connected: boolean; readonly since: number | null; readonly reason: string | null };
  /** In the site file's order, then the others in the order they appeared. */
  readonly lines: readonly SiteLineState[];
  readonly counters: {
    readonly messages: number;
    readonly malformed: number;
    /** Messages of another group, commands, data of a node without a session. */
    readonly ignored: number;
    /** NDEATHs whose bdSeq is not the session's. */
    readonly staleDeaths: number;
    readonly rebirthRequests: number;
  };
  /** Time of the last event (ms). */
  readonly updatedAt: number | null;
}

export type SiteRequest = { readonly kind: "rebirth"; readonly edgeNode: string };

export interface SiteSetup {
  readonly id: string;
  readonly name: string;
  readonly groupId: string;
  readonly speedMetric: { readonly device: string; readonly metric: string };
  readonly lines: readonly { readonly id: string; readonly name: string; readonly hmiUrl: string }[];
}

function newLine(id: string, name: string, hmiUrl: string | null, configured: boolean): SiteLineState {
  return {
    id,
    name,
    hmiUrl,
    configured,
    status: "never-seen",
    bdSeq: null,
    seq: null,
    bornAt: null,
    diedAt: null,
    lastMessageAt: null,
    state: null,
    mode: null,
    firstOut: "",
    tripped: [],
    trippedSince: null,
    alarms: { inList: null, unacknowledged: null, byPriority: {} },
    roll: { id: "", lengthM: null },
    speed: { value: null, quality: null },
    seqGaps: 0,
    rebirthRequestedAt: null,
  };
}

export function initialSiteState(setup: SiteSetup): SiteState {
  return {
    site: { id: setup.id, name: setup.name, groupId: setup.groupId },
    speedMetric: setup.speedMetric,
    broker: { connected: false, since: null, reason: null },
    lines: setup.lines.map((l) => newLine(l.id, l.name, l.hmiUrl, true)),
    counters: { messages: 0, malformed: 0, ignored: 0, staleDeaths: 0, rebirthRequests: 0 },
    updatedAt: null,
  };
}

const qualityOf = (code: number | undefined): SpeedQuality => (code === undefined || code >= 192 ? "Good" : code >= 64 ? "Uncertain" : "Bad");

/** The line's own metrics applied (NBIRTH, NDATA); historical ones skipped. */
function applyNodeMetrics(line: SiteLineState, metrics: readonly SiteMetric[], at: number): SiteLineState {
  let l = line;
  let byPriority: Record<string, number> | null = null;
  for (const m of metrics) {
    if (m.historical) continue;
    const v = m.value;
    const str = typeof v === "string" ? v : "";
    const num = typeof v === "number" && Number.isFinite(v) ? v : null;
    if (m.name === M.state) l = { ...l, state: typeof v === "string" ? v : null };
    else if (m.name === M.mode) l = { ...l, mode: typeof v === "string" ? v : null };
    else if (m.name === M.firstOut) l = { ...l, firstOut: str };
    else if (m.name === M.tripped) {
      const tripped = str === "" ? [] : str.split(",").map((s) => s.trim()).filter((s) => s !== "");
      const trippedSince = tripped.length === 0 ? null : (l.trippedSince ?? at);
      l = { ...l, tripped, trippedSince };
    } else if (m.name === M.inList) l = { ...l, alarms: { ...l.alarms, inList: num } };
    else if (m.name === M.unacknowledged) l = { ...l, alarms: { ...l.alarms, unacknowledged: num } };
    else if (m.name.startsWith("Alarms/") && num !== null) (byPriority ??= { ...l.alarms.byPriority })[m.name.slice("Alarms/".length)] = num;
    else if (m.name === M.rollId) l = { ...l, roll: { ...l.roll, id: str } };
    else if (m.name === M.rollLength) l = { ...l, roll: { ...l.roll, lengthM: num } };
  }
  return byPriority ? { ...l, alarms: { ...l.alarms, byPriority } } : l;
}

/** The speed tag, when the message is of its device and carries it. */
function applyDeviceMetrics(line: SiteLineState, metrics: readonly SiteMetric[], speedMetric: string): SiteLineState {
  let l = line;
  for (const m of metrics) {
    if (m.historical || m.name !== speedMetric) continue;
    const value = typeof m.value === "number" && Number.isFinite(m.value) ? m.value : null;
    l = { ...l, speed: { value, quality: value === null ? "Bad" : qualityOf(m.quality) } };
  }
  return l;
}

const bdSeqOf = (metrics: readonly SiteMetric[]): number | null => {
  const v = metrics.find((m) => m.name === M.bdSeq)?.value;
  return typeof v === "number" && Number.isInteger(v) ? v : null;
};

interface Step {
  line: SiteLineState;
  requests: SiteRequest[];
  ignored: boolean;
  staleDeath: boolean;
}

function askRebirth(line: SiteLineState, at: number): Step {
  const due = line.rebirthRequestedAt === null || at - line.rebirthRequestedAt >= REBIRTH_INTERVAL_MS;
  return {
    line: due ? { ...line, rebirthRequestedAt: at } : line,
    requests: due ? [{ kind: "rebirth", edgeNode: line.id }] : [],
    ignored: true,
    staleDeath: false,
  };
}

/** One Sparkplug message of the site's group applied to its line. */
function stepLine(line: SiteLineState, e: Extract<SiteEvent, { kind: "message" }>, speed: SiteState["speedMetric"]): Step {
  const at = e.at;
  const ok = (l: SiteLineState): Step => ({ line: { ...l, lastMessageAt: at }, requests: [], ignored: false, staleDeath: false });
  switch (e.type) {
    case "NBIRTH": {
      const bdSeq = bdSeqOf(e.metrics);
      // A rebirth (same session) keeps the time the session began.
      const bornAt = line.status === "online" && line.bdSeq === bdSeq && line.bornAt !== null ? line.bornAt : at;
      const born: SiteLineState = { ...line, status: "online", bdSeq, seq: e.seq ?? 0, bornAt, diedAt: null, rebirthRequestedAt: null, speed: { value: null, quality: null } };
      return ok(applyNodeMetrics(born, e.metrics, at));
    }
    case "NDEATH": {
      const bd = bdSeqOf(e.metrics);
      if (line.status === "offline" || (line.bdSeq !== null && bd !== null && bd !== line.bdSeq)) return { line, requests: [], ignored: true, staleDeath: true };
      return ok({ ...line, status: "offline", diedAt: at, seq: null, speed: { ...line.speed, quality: line.speed.value === null ? null : "Bad" } });
    }
    case "NCMD":
    case "DCMD":
      return { line, requests: [], ignored: true, staleDeath: false };
    default: {
      // Alive, but its session's birth was not seen here: the values cannot be trusted until a rebirth.
      if (line.status !== "online") return askRebirth({ ...line, status: "unknown", lastMessageAt: at }, at);
      const expected = ((line.seq ?? -1) + 1) % 256;
      const gap = e.seq !== null && e.seq !== expected;
      let l: SiteLineState = { ...line, seq: e.seq ?? line.seq, seqGaps: line.seqGaps + (gap ? 1 : 0) };
      if (e.type === "NDATA") l = applyNodeMetrics(l, e.metrics, at);
      else if (e.device === speed.device) {
        if (e.type === "DDEATH") l = { ...l, speed: { ...l.speed, quality: "Bad" } };
        else l = applyDeviceMetrics(l, e.metrics, speed.metric);
      }
      if (!gap) return ok(l);
      const r = askRebirth(l, at);
      return { ...r, line: { ...r.line, lastMessageAt: at }, ignored: false };
    }
  }
}

/** The next state for one event, and the requests the host should send (pure). */
export function foldSite(state: SiteState, e: SiteEvent): { state: SiteState; requests: SiteRequest[] } {
  const c = state.counters;
  if (e.kind === "malformed") return { state: { ...state, counters: { ...c, malformed: c.malformed + 1 }, updatedAt: e.at }, requests: [] };
  if (e.kind === "broker") {
    if (e.connected === state.broker.connected) return { state, requests: [] };
    const broker = { connected: e.connected, since: e.at, reason: e.reason ?? null };
    if (!e.connected) {
      // Nothing is known while the broker is away: an online line may have died unseen.
      const lines = state.lines.map((l) => (l.status === "online" ? { ...l, status: "unknown" as const } : l));
      return { state: { ...state, broker, lines, updatedAt: e.at }, requests: [] };
    }
    // Back: births of the sessions that went on meanwhile were missed: ask every known node again.
    const known = state.lines.filter((l) => l.status === "unknown");
    const lines = state.lines.map((l) => (l.status === "unknown" ? { ...l, rebirthRequestedAt: e.at } : l));
    const requests = known.map((l) => ({ kind: "rebirth" as const, edgeNode: l.id }));
    return { state: { ...state, broker, lines, counters: { ...c, rebirthRequests: c.rebirthRequests + requests.length }, updatedAt: e.at }, requests };
  }
  const counted = { ...c, messages: c.messages + 1 };
  if (e.group !== state.site.groupId) return { state: { ...state, counters: { ...counted, ignored: c.ignored + 1 }, updatedAt: e.at }, requests: [] };
  const index = state.lines.findIndex((l) => l.id === e.edgeNode);
  const line = index >= 0 ? state.lines[index]! : newLine(e.edgeNode, e.edgeNode, null, false);
  const step = stepLine(line, e, state.speedMetric);
  const lines = index >= 0 ? state.lines.map((l, i) => (i === index ? step.line : l)) : [...state.lines, step.line];
  return {
    state: {
      ...state,
      lines,
      counters: {
        ...counted,
        ignored: c.ignored + (step.ignored ? 1 : 0),
        staleDeaths: c.staleDeaths + (step.staleDeath ? 1 : 0),
        rebirthRequests: c.rebirthRequests + step.requests.length,
      },
      updatedAt: e.at,
    },
    requests: step.requests,
  };
}
