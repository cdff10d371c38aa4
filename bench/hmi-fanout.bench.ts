// HMI fan-out: how many HMI socket clients the web tier (`htr-scada web`, socket-web-gateway.ts) keeps on
// time when they are spread over two web processes against one, with ONE line process and one Redis — the
// issue's goal: "clients served by two web processes against one, ≥ 1.7×".
//
// Real processes, as deployed: a private redis-server, the line (`htr-scada start --sim`, its gateway on the
// socket.io Redis streams adapter) running its virtual plant (the tags change every scan), and two
// `htr-scada web` processes on the line's data directory and Redis. Every client subscribes to the overview
// page's tags (OVERVIEW_TAGS: one subscription group, so the line emits one batch per flush into the Redis
// stream and each web process broadcasts it to its own sockets). The clients run in CLIENT_PROCS child
// processes (a client script written to a temp .mts under .scratch/ so it resolves node_modules), not in
// the bench's process.
//
// Method: a ramp per configuration — 1 web process (every client on web A) then 2 web processes (clients
// alternately on A and B) — adding clients step by step (STEPS). At each step, after SETTLE_MS, over STEP_MS:
// `tags` events received per second (all clients: "deliveries/s"), the p95 of (receive time − batch `t`)
// over every delivery, and the clients ON TIME: own p95 ≤ ON_TIME_MS and ≥ 95 % of the batches the line
// emitted in the window received by the report (GRACE_MS after the window). What the line emitted is counted
// by a probe: one socket of the bench's own process on the line's port, same tags. A ramp stops after the
// first step where fewer than 95 % of its clients are on time (or at the end of STEPS / the time budget),
// after one more step halfway back between it and the last step on time (clients closed: the steps are coarse).
// Capacity of a configuration = the most clients on time at any step; its deliveries/s figure is that
// step's. At a fixed client count the two configurations deliver nearly the same events/s on a small machine
// (one web process queues rather than drops: the batches arrive, late), so the figures are "on time" ones.
// CPU time of every process over each window is in the details (Linux /proc).
//
// On a machine with few cores (detail.cpus; 2 where this was written) the line, Redis, both web processes
// and the client processes share the CPU: a second web process gets no core of its own, and the clients'
// own receive cost grows with their number, so the 2/1 ratio is a lower bound of what web processes on
// separate machines give. Web B runs (idle: it reads the stream, has no socket) during the 1-web ramp,
// to keep the bench within its time budget — its CPU there is in the details.
//
// Env: BENCH_FANOUT_STEPS (client counts, default 300,400,…,1200), BENCH_FANOUT_STEP_MS (default 2000),
// BENCH_FANOUT_CLIENT_PROCS (default 2), BENCH_FANOUT_CLIENT=raw|ws|socket.io (the client kind, below; default
// raw), BENCH_FANOUT_DIRECT=1 (also ramp the clients on the line's own port, no web process: +20–30 s),
// BENCH_FANOUT_BUDGET_MS (default 85 000: no new step after it), BENCH_FANOUT_LOG_DIR (keep the servers' logs).
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type Socket as ClientSocket, io as connect } from "socket.io-client";
import { ALIVE_MS } from "../src/server/socket-cluster-contract.js";
import { CLUSTER_REQUEST_TIMEOUT_MS } from "../src/server/socket-web-backend.js";
import { apiClient, TEST_ADMIN_PASSWORD } from "../test/helpers/api-client.js";
import { type Child, spawnScada, spawnTsx } from "../test/helpers/child-process.js";
import { freePort } from "../test/helpers/free-port.js";
import { type TestRedis, startTestRedis } from "../test/helpers/redis.js";
import type { BenchFigure } from "./bench-figure.js";
import { OVERVIEW_TAGS, percentile, round, sleep } from "./bench-support.js";

const STEPS: readonly number[] = (process.env.BENCH_FANOUT_STEPS ?? "300,400,500,600,700,800,900,1000,1100,1200")
  .split(",")
  .map(Number)
  .filter((n) => n > 0)
  .sort((a, b) => a - b);
const STEP_MS = Number(process.env.BENCH_FANOUT_STEP_MS ?? 2000);
const CLIENT_PROCS = Math.max(1, Number(process.env.BENCH_FANOUT_CLIENT_PROCS ?? 2));
const DIRECT = process.env.BENCH_FANOUT_DIRECT === "1";
const BUDGET_MS = Number(process.env.BENCH_FANOUT_BUDGET_MS ?? 85_000);
/** After a step's new clients are subscribed, before its window (their first state, the stream's burst). */
const SETTLE_MS = 1000;
/** After the window: batches emitted in it that arrive later than this are counted as not delivered. */
const GRACE_MS = 500;
/** A client is on time when its own p95 (receive − batch t) is at most this (hmi-push's p95 goal). */
const ON_TIME_MS = 100;
/** A step is on time when at least this share of its clients is. */
const STEP_ON_TIME_SHARE = 0.95;
const TAGS: readonly string[] = OVERVIEW_TAGS;

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

// ── The client process ─────────────────────────────────────────────────────────────────────────────────
// Config in FANOUT_CLIENT (JSON); stdin: "add <k>" (k more sockets), "drop <k>" (closes the last k),
// "window <t0> <t1>" (epoch ms: counters reset), "report", "exit"; stdout: "STARTED", "ADDED <ok>/<k>",
// "DROPPED <k>", "REPORT <json>". Its i-th socket connects to urls[i % urls.length]. Three kinds of client
// (BENCH_FANOUT_CLIENT), the same wire traffic — what socket.io-client sends on its WebSocket transport:
// engine.io v4 open → "40" connect → `420["subscribe",[…]]` with an ack → pongs; `42["tags",{t,…}]` events:
// - "raw" (default): a WebSocket over a bare TCP socket (the upgrade and the frames by hand), reading only
//   the batch's `t` out of each frame — the cheapest receiver, so on a small machine the clients take as
//   little as possible of the cores the web tier needs;
// - "ws": the same over the `ws` package's WebSocket (≈ 1.5–2× raw's CPU per event);
// - "socket.io": socket.io-client itself, as the HMI (and .scratch/try.mts) — about twice "ws"'s CPU per event.
const CLIENT_COMMON = String.raw`
import { createInterface } from "node:readline";
const cfg = JSON.parse(process.env.FANOUT_CLIENT);
const stats = [];
const closers = [];
const errors = new Map();
let disconnects = 0;
let win = null;
const note = (m) => errors.set(m, (errors.get(m) ?? 0) + 1);
const when = () => (win ? " (" + Math.round((Date.now() - win.t0) / 1000) + " s after the window's start)" : " (before the window)");
function received(st, t) {
  if (!win) return;
  const now = Date.now();
  if (now >= win.t0 && now < win.t1) { st.recv++; st.lat.push(now - t); }
  if (t >= win.t0 && t < win.t1) st.emitted++;
}
`;

const OPEN_SOCKET_IO = String.raw`
import { io } from "socket.io-client";
function open(i) {
  const st = { recv: 0, emitted: 0, lat: [], up: () => s.connected };
  stats.push(st);
  const s = io(cfg.urls[i % cfg.urls.length], { transports: ["websocket"], reconnection: false, forceNew: true, extraHeaders: { cookie: cfg.cookie } });
  let dropped = false;
  closers.push(() => { dropped = true; s.close(); });
  s.on("tags", (b) => received(st, b.t));
  s.on("disconnect", (reason) => { if (dropped) return; disconnects++; note("disconnect: " + reason + when()); });
  return new Promise((resolve) => {
    const timer = setTimeout(() => { note("connect+subscribe timeout"); resolve(false); }, 30000);
    s.once("connect_error", (e) => { clearTimeout(timer); note("connect_error: " + e.message); resolve(false); });
    s.once("connect", async () => {
      try {
        const ack = await s.timeout(20000).emitWithAck("subscribe", cfg.tags);
        if (!ack.ok) note("subscribe refused: " + JSON.stringify(ack.error));
        clearTimeout(timer);
        resolve(ack.ok);
      } catch (e) { clearTimeout(timer); note("subscribe: " + e.message); resolve(false); }
    });
  });
}
`;

const OPEN_LITE = String.raw`
import WebSocket from "ws";
// 42["tags",
const TAGS_PREFIX = Buffer.from('42["tags",');
const T_KEY = Buffer.from('"t":');
function open(i) {
  let up = false;
  const st = { recv: 0, emitted: 0, lat: [], up: () => up };
  stats.push(st);
  const url = cfg.urls[i % cfg.urls.length].replace(/^http/, "ws") + "/socket.io/?EIO=4&transport=websocket";
  const ws = new WebSocket(url, { headers: { cookie: cfg.cookie }, perMessageDeflate: false });
  closers.push(() => { up = false; ws.close(); });
  const gone = (why) => { if (!up) return; up = false; disconnects++; note(why + when()); };
  return new Promise((resolve) => {
    let done = false;
    const finish = (ok, why) => { if (done) return; done = true; clearTimeout(timer); if (!ok) note(why); resolve(ok); };
    const timer = setTimeout(() => finish(false, "connect+subscribe timeout"), 30000);
    ws.on("error", (e) => finish(false, "ws error: " + e.message));
    ws.on("close", (code) => { gone("disconnect: websocket closed " + code); finish(false, "closed before subscribed"); });
    ws.on("message", (data) => {
      const c0 = data[0];
      if (c0 === 0x34) { // engine.io message → a socket.io packet
        const c1 = data[1];
        if (c1 === 0x32) { // EVENT
          if (data.compare(TAGS_PREFIX, 0, TAGS_PREFIX.length, 0, TAGS_PREFIX.length) !== 0) return;
          const k = data.indexOf(T_KEY, TAGS_PREFIX.length);
          let t = 0;
          for (let j = k + T_KEY.length; j < data.length; j++) { const d = data[j] - 48; if (d < 0 || d > 9) break; t = t * 10 + d; }
          received(st, t);
        } else if (c1 === 0x30) { // CONNECT accepted: subscribe, ack id 0
          up = true;
          ws.send("420" + JSON.stringify(["subscribe", cfg.tags]));
        } else if (c1 === 0x33) { // ACK
          const s = data.toString();
          const ack = JSON.parse(s.slice(s.indexOf("[")))[0];
          finish(ack.ok === true, "subscribe refused: " + JSON.stringify(ack.error));
        } else if (c1 === 0x34) { // CONNECT_ERROR
          finish(false, "connect_error: " + data.toString().slice(2));
        } else if (c1 === 0x31) { // DISCONNECT by the server
          gone("disconnect: io server disconnect");
        }
      } else if (c0 === 0x30) ws.send("40"); // engine.io open → socket.io connect
      else if (c0 === 0x32) ws.send("3"); // ping → pong
    });
  });
}
`;

const OPEN_RAW = String.raw`
import net from "node:net";
import { randomBytes } from "node:crypto";
const TAGS_PREFIX = Buffer.from('42["tags",');
const T_KEY = Buffer.from('"t":');
/** A client → server text frame (masked, as RFC 6455 requires; a zero mask: the payload as is). */
function textFrame(text) {
  const p = Buffer.from(text);
  const head = p.length < 126 ? Buffer.from([0x81, 0x80 | p.length, 0, 0, 0, 0]) : Buffer.from([0x81, 0x80 | 126, p.length >> 8, p.length & 0xff, 0, 0, 0, 0]);
  return Buffer.concat([head, p]);
}
function open(i) {
  let up = false;
  const st = { recv: 0, emitted: 0, lat: [], up: () => up };
  stats.push(st);
  const u = new URL(cfg.urls[i % cfg.urls.length]);
  const sock = net.connect(Number(u.port), u.hostname);
  sock.setNoDelay(true);
  closers.push(() => { up = false; sock.destroy(); });
  const send = (text) => sock.write(textFrame(text));
  const gone = (why) => { if (!up) return; up = false; disconnects++; note(why + when()); };
  return new Promise((resolve) => {
    let done = false;
    const finish = (ok, why) => { if (done) return; done = true; clearTimeout(timer); if (!ok) note(why); resolve(ok); };
    const timer = setTimeout(() => finish(false, "connect+subscribe timeout"), 30000);
    sock.on("error", (e) => finish(false, "socket error: " + e.message));
    sock.on("close", () => { gone("disconnect: connection closed"); finish(false, "closed before subscribed"); });
    sock.on("connect", () => sock.write("GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: " + u.host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + randomBytes(16).toString("base64") + "\r\nSec-WebSocket-Version: 13\r\nCookie: " + cfg.cookie + "\r\n\r\n"));
    // One socket.io packet in buf[s, e).
    const packet = (buf, s, e) => {
      const c0 = buf[s];
      if (c0 === 0x34) { // engine.io message → a socket.io packet
        const c1 = buf[s + 1];
        if (c1 === 0x32) { // EVENT
          if (e - s < TAGS_PREFIX.length || buf.compare(TAGS_PREFIX, 0, TAGS_PREFIX.length, s, s + TAGS_PREFIX.length) !== 0) return;
          const k = buf.indexOf(T_KEY, s + TAGS_PREFIX.length);
          let t = 0;
          for (let j = k + T_KEY.length; j < e; j++) { const d = buf[j] - 48; if (d < 0 || d > 9) break; t = t * 10 + d; }
          received(st, t);
        } else if (c1 === 0x30) { up = true; send("420" + JSON.stringify(["subscribe", cfg.tags])); } // CONNECT accepted: subscribe, ack id 0
        else if (c1 === 0x33) { // ACK
          const txt = buf.toString("utf8", s, e);
          const ack = JSON.parse(txt.slice(txt.indexOf("[")))[0];
          finish(ack.ok === true, "subscribe refused: " + JSON.stringify(ack.error));
        } else if (c1 === 0x34) finish(false, "connect_error: " + buf.toString("utf8", s + 2, e)); // CONNECT_ERROR
        else if (c1 === 0x31) gone("disconnect: io server disconnect"); // DISCONNECT by the server
      } else if (c0 === 0x30) send("40"); // engine.io open → socket.io connect
      else if (c0 === 0x32) send("3"); // ping → pong
    };
    let buf = null;
    let upgraded = false;
    sock.on("data", (chunk) => {
      buf = buf ? Buffer.concat([buf, chunk]) : chunk;
      if (!upgraded) {
        const end = buf.indexOf("\r\n\r\n");
        if (end < 0) return;
        const status = buf.toString("latin1", 0, buf.indexOf("\r\n"));
        if (!status.includes(" 101 ")) { finish(false, "upgrade refused: " + status); sock.destroy(); return; }
        upgraded = true;
        buf = buf.subarray(end + 4);
      }
      let off = 0;
      while (buf.length - off >= 2) {
        const b0 = buf[off];
        let len = buf[off + 1] & 0x7f;
        let h = 2;
        if (len === 126) { if (buf.length - off < 4) break; len = buf.readUInt16BE(off + 2); h = 4; }
        else if (len === 127) { if (buf.length - off < 10) break; len = Number(buf.readBigUInt64BE(off + 2)); h = 10; }
        if (buf.length - off < h + len) break;
        const opcode = b0 & 0x0f;
        if (opcode === 1) packet(buf, off + h, off + h + len);
        else if (opcode === 8) sock.destroy();
        off += h + len;
      }
      buf = off >= buf.length ? null : buf.subarray(off);
    });
  });
}
`;

const CLIENT_MAIN = String.raw`
let opened = 0;
async function add(k) {
  let ok = 0;
  for (let i = 0; i < k; i += cfg.chunk) {
    const n = Math.min(cfg.chunk, k - i);
    const r = await Promise.all(Array.from({ length: n }, () => open(opened++)));
    ok += r.filter(Boolean).length;
  }
  return ok;
}
process.stdout.write("STARTED\n");
const rl = createInterface({ input: process.stdin });
let queue = Promise.resolve();
rl.on("line", (line) => (queue = queue.then(() => command(line))));
async function command(line) {
  const [cmd, a, b] = line.trim().split(" ");
  if (cmd === "add") {
    const ok = await add(Number(a));
    process.stdout.write("ADDED " + ok + "/" + Number(a) + "\n");
  } else if (cmd === "drop") {
    const k = Math.min(Number(a), stats.length);
    for (const close of closers.splice(closers.length - k, k)) close();
    stats.splice(stats.length - k, k);
    process.stdout.write("DROPPED " + k + "\n");
  } else if (cmd === "window") {
    win = { t0: Number(a), t1: Number(b) };
    for (const st of stats) { st.recv = 0; st.emitted = 0; st.lat = []; }
  } else if (cmd === "report") {
    const hist = new Map();
    const per = stats.map((st) => {
      st.lat.sort((x, y) => x - y);
      for (const l of st.lat) hist.set(l, (hist.get(l) ?? 0) + 1);
      const p95 = st.lat.length ? st.lat[Math.min(st.lat.length, Math.max(1, Math.ceil(0.95 * st.lat.length))) - 1] : null;
      return [st.recv, st.emitted, p95];
    });
    const connected = stats.filter((st) => st.up()).length;
    process.stdout.write("REPORT " + JSON.stringify({ per, hist: [...hist], connected, disconnects, errors: [...errors] }) + "\n");
  } else if (cmd === "exit") {
    for (const close of closers) close();
    setTimeout(() => process.exit(0), 100);
  }
}
rl.on("close", () => process.exit(0));
`;

const CLIENT_KINDS = { raw: OPEN_RAW, ws: OPEN_LITE, "socket.io": OPEN_SOCKET_IO } as const;
const CLIENT_KIND: keyof typeof CLIENT_KINDS = (Object.keys(CLIENT_KINDS) as (keyof typeof CLIENT_KINDS)[]).find((k) => k === process.env.BENCH_FANOUT_CLIENT) ?? "raw";
const CLIENT_SCRIPT = CLIENT_COMMON + CLIENT_KINDS[CLIENT_KIND] + CLIENT_MAIN;

interface ClientReport {
  per: [recv: number, emitted: number, p95: number | null][];
  hist: [ms: number, count: number][];
  connected: number;
  disconnects: number;
  errors: [string, number][];
}

// ── CPU accounting (Linux /proc; empty elsewhere) ──────────────────────────────────────────────────────
const HZ = 100;
function cpuMsOf(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
    return ((Number(f[11]) + Number(f[12])) * 1000) / HZ;
  } catch {
    return null;
  }
}
function machineBusy(): { busy: number; total: number } | null {
  try {
    const f = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
    const total = f.reduce((a, b) => a + b, 0);
    return { busy: total - (f[3] ?? 0) - (f[4] ?? 0), total };
  } catch {
    return null;
  }
}
/** The redis-server of `redis` (TestRedis does not expose its pid): found by its --port argument. */
function redisPid(redis: TestRedis): number | undefined {
  try {
    for (const d of readdirSync("/proc")) {
      if (!/^\d+$/.test(d)) continue;
      try {
        const argv = readFileSync(`/proc/${d}/cmdline`, "utf8").split("\0");
        // redis-server rewrites its argv to "redis-server 127.0.0.1:<port>".
        if (argv[0]?.includes("redis-server") && argv.some((a) => a === String(redis.port) || a.endsWith(`:${redis.port}`))) return Number(d);
      } catch {
        /* gone */
      }
    }
  } catch {
    /* no /proc */
  }
  return undefined;
}

// ── The probe: what the line emits ─────────────────────────────────────────────────────────────────────
interface Probe {
  window(t0: number, t1: number): void;
  /** Batches with t in the window, and the probe's own latencies. */
  result(): { emitted: number; lat: number[] };
  close(): void;
}
async function probe(url: string, cookie: string): Promise<Probe> {
  const s: ClientSocket = connect(url, { transports: ["websocket"], reconnection: false, forceNew: true, extraHeaders: { cookie } });
  let win: { t0: number; t1: number } | null = null;
  let emitted = 0;
  let lat: number[] = [];
  s.on("tags", (b: { t: number }) => {
    if (!win) return;
    const now = Date.now();
    if (b.t >= win.t0 && b.t < win.t1) emitted++;
    if (now >= win.t0 && now < win.t1) lat.push(now - b.t);
  });
  await new Promise<void>((res, rej) => {
    s.once("connect", () => res());
    s.once("connect_error", rej);
  });
  const ack = (await s.timeout(10_000).emitWithAck("subscribe", TAGS)) as { ok: boolean };
  if (!ack.ok) throw new Error(`probe subscribe refused: ${JSON.stringify(ack)}`);
  return {
    window(t0, t1) {
      win = { t0, t1 };
      emitted = 0;
      lat = [];
    },
    result: () => ({ emitted, lat: [...lat].sort((a, b) => a - b) }),
    close: () => void s.close(),
  };
}

// ── A ramp ─────────────────────────────────────────────────────────────────────────────────────────────
interface StepResult {
  clients: number;
  connected: number;
  deliveriesPerS: number;
  offeredPerS: number;
  batchesEmitted: number;
  /** Deliveries of batches emitted in the window received by the report, / connected × emitted. */
  deliveredShare: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  clientsOnTime: number;
  probeP95: number;
  cpuPctOfOneCore: Record<string, number | null>;
  machineBusyPct: number | null;
}
interface RampResult {
  label: string;
  steps: StepResult[];
  stoppedBy: string;
  /** The most clients on time at any step, and that step. */
  capacity: number;
  best: StepResult | null;
  disconnects: number;
  errors: [string, number][];
}

/** Waits until `re` (global) matches `n` times in the child's stdout; returns the n-th match. */
async function nth(c: Child, re: RegExp, n: number, timeoutMs: number): Promise<RegExpExecArray> {
  const t0 = Date.now();
  for (;;) {
    const all = [...c.stdout().matchAll(re)];
    if (all.length >= n) return all[n - 1]!;
    if (c.proc.exitCode !== null || c.proc.signalCode !== null) throw new Error(`client process exited (${c.proc.exitCode ?? c.proc.signalCode}):\n${c.output().slice(-3000)}`);
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${re} #${n}:\n${c.output().slice(-3000)}`);
    await sleep(20);
  }
}

function mergeErrors(list: [string, number][]): [string, number][] {
  const m = new Map<string, number>();
  for (const [k, n] of list) m.set(k, (m.get(k) ?? 0) + n);
  return [...m];
}

async function ramp(
  label: string,
  urls: readonly string[],
  cookie: string,
  lineProbe: Probe,
  scriptPath: string,
  servers: Record<string, number | undefined>,
  children: Set<Child>,
  deadline: number,
): Promise<RampResult> {
  const procs: Child[] = [];
  const steps: StepResult[] = [];
  let stoppedBy = "end of the steps";
  let last: ClientReport[] = [];
  try {
    for (let k = 0; k < CLIENT_PROCS; k++) {
      const cfg = { urls, chunk: 50, cookie, tags: TAGS };
      const c = spawnTsx([scriptPath], { env: { ...process.env, FANOUT_CLIENT: JSON.stringify(cfg) }, name: `fan-out clients ${label} #${k}` });
      procs.push(c);
      children.add(c);
    }
    await Promise.all(procs.map((c) => c.waitForOutput("STARTED", 30_000)));
    const pids: Record<string, number | undefined> = { ...servers };
    procs.forEach((c, k) => (pids[`clients#${k}`] = c.proc.pid));
    let have = 0;
    const seen = { ADDED: 0, DROPPED: 0, REPORT: 0 };
    /** Every client process answers `cmd` with a `reply` line; returns each one's payload. */
    const ask = async (cmds: string[], reply: keyof typeof seen, timeoutMs: number): Promise<string[]> => {
      procs.forEach((c, k) => c.proc.stdin!.write(`${cmds[k]}\n`));
      const n = ++seen[reply];
      return (await Promise.all(procs.map((c) => nth(c, new RegExp(`^${reply} (.*)$`, "gm"), n, timeoutMs)))).map((m) => m[1]!);
    };
    const split = (k: number) => procs.map((_, j) => Math.floor(k / procs.length) + (j < k % procs.length ? 1 : 0));
    /** Sets the client count to `n` (adds or drops), settles, measures one window. */
    const measure = async (n: number): Promise<StepResult> => {
      if (n > have) await ask(split(n - have).map((k) => `add ${k}`), "ADDED", 60_000);
      else if (n < have) await ask(split(have - n).map((k) => `drop ${k}`), "DROPPED", 10_000);
      have = n;
      await sleep(SETTLE_MS);
      const t0 = Date.now() + 100;
      const t1 = t0 + STEP_MS;
      for (const c of procs) c.proc.stdin!.write(`window ${t0} ${t1}\n`);
      lineProbe.window(t0, t1);
      await sleep(t0 - Date.now());
      const cpu0 = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, cpuMsOf(p)]));
      const own0 = process.cpuUsage();
      const m0 = machineBusy();
      await sleep(t1 - Date.now());
      const cpu1 = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, cpuMsOf(p)]));
      const own1 = process.cpuUsage(own0);
      const m1 = machineBusy();
      await sleep(GRACE_MS);
      const reports = (await ask(procs.map(() => "report"), "REPORT", 30_000)).map((j) => JSON.parse(j) as ClientReport);
      last = reports;
      const step = stepResult(n, reports, lineProbe.result(), pids, cpu0, cpu1, own1, m0, m1);
      steps.push(step);
      return step;
    };
    const onTime = (st: StepResult) => st.clientsOnTime >= STEP_ON_TIME_SHARE * st.clients;
    let lastOk = 0;
    for (const n of STEPS) {
      if (Date.now() > deadline) {
        stoppedBy = "time budget";
        break;
      }
      const st = await measure(n);
      if (onTime(st)) {
        lastOk = n;
        continue;
      }
      stoppedBy = `step ${n}: ${st.clientsOnTime} clients on time (< ${STEP_ON_TIME_SHARE * 100} %)`;
      // One refinement between the last step on time and this one (the steps are coarse).
      const mid = Math.round((lastOk + n) / 2 / 10) * 10;
      if (lastOk > 0 && mid > lastOk && mid < n && Date.now() < deadline) {
        const r = await measure(mid);
        stoppedBy += `; refined: ${mid} clients ${onTime(r) ? "on time" : "late"} (${r.clientsOnTime} on time)`;
      }
      break;
    }
  } finally {
    for (const c of procs) c.proc.stdin?.write("exit\n");
    await Promise.all(procs.map((c) => c.kill("SIGTERM", 3000)));
    for (const c of procs) children.delete(c);
    await sleep(500); // the servers drop the clients' subscriptions
  }
  let best: StepResult | null = null;
  for (const s of steps) if (!best || s.clientsOnTime > best.clientsOnTime) best = s;
  return {
    label,
    steps,
    stoppedBy,
    capacity: best?.clientsOnTime ?? 0,
    best,
    disconnects: last.reduce((a, r) => a + r.disconnects, 0),
    errors: mergeErrors(last.flatMap((r) => r.errors)),
  };
}

function stepResult(
  n: number,
  reports: ClientReport[],
  pr: { emitted: number; lat: number[] },
  pids: Record<string, number | undefined>,
  cpu0: Record<string, number | null>,
  cpu1: Record<string, number | null>,
  own: NodeJS.CpuUsage,
  m0: ReturnType<typeof machineBusy>,
  m1: ReturnType<typeof machineBusy>,
): StepResult {
  const per = reports.flatMap((r) => r.per);
  const connected = reports.reduce((a, r) => a + r.connected, 0);
  const hist = new Map<number, number>();
  for (const r of reports) for (const [ms, k] of r.hist) hist.set(ms, (hist.get(ms) ?? 0) + k);
  const sorted = [...hist].sort((a, b) => a[0] - b[0]);
  const total = sorted.reduce((a, [, k]) => a + k, 0);
  const pct = (p: number): number => {
    const rank = Math.max(1, Math.ceil((p * total) / 100 - 1e-9));
    let acc = 0;
    for (const [ms, k] of sorted) if ((acc += k) >= rank) return ms;
    return NaN;
  };
  const received = per.reduce((a, [r]) => a + r, 0);
  const emittedGot = per.reduce((a, [, e]) => a + e, 0);
  const cpuPct: Record<string, number | null> = {};
  for (const k of Object.keys(pids)) {
    const a = cpu0[k];
    const b = cpu1[k];
    cpuPct[k] = a == null || b == null ? null : round(((b - a) / STEP_MS) * 100, 1);
  }
  cpuPct["bench (probe)"] = round(((own.user + own.system) / 1000 / STEP_MS) * 100, 1);
  return {
    clients: n,
    connected,
    deliveriesPerS: received / (STEP_MS / 1000),
    offeredPerS: (connected * pr.emitted) / (STEP_MS / 1000),
    batchesEmitted: pr.emitted,
    deliveredShare: pr.emitted > 0 && connected > 0 ? emittedGot / (connected * pr.emitted) : NaN,
    p50: pct(50),
    p95: pct(95),
    p99: pct(99),
    max: sorted.length ? sorted[sorted.length - 1]![0] : NaN,
    clientsOnTime: per.filter(([, e, p95]) => p95 !== null && p95 <= ON_TIME_MS && e >= 0.95 * pr.emitted).length,
    probeP95: percentile(pr.lat, 95),
    cpuPctOfOneCore: cpuPct,
    machineBusyPct: m0 && m1 ? round(((m1.busy - m0.busy) / Math.max(1, m1.total - m0.total)) * 100, 1) : null,
  };
}

/** Warnings and errors a process logged (pino JSON, level ≥ 40), by message. */
function logProblems(output: string): [string, number][] {
  const m = new Map<string, number>();
  for (const line of output.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      const j = JSON.parse(line) as { level?: number; msg?: string };
      if ((j.level ?? 0) >= 40) m.set(`${j.level} ${j.msg}`, (m.get(`${j.level} ${j.msg}`) ?? 0) + 1);
    } catch {
      /* not a log line */
    }
  }
  return [...m];
}

const stepRow = (s: StepResult) => ({
  clients: s.clients,
  connected: s.connected,
  onTime: s.clientsOnTime,
  deliveriesPerS: Math.round(s.deliveriesPerS),
  offeredPerS: Math.round(s.offeredPerS),
  lineBatchesPerS: round(s.batchesEmitted / (STEP_MS / 1000), 1),
  deliveredShare: round(s.deliveredShare, 4),
  latencyMs: { p50: s.p50, p95: s.p95, p99: s.p99, max: s.max, probeOnLineP95: s.probeP95 },
  cpuPctOfOneCore: s.cpuPctOfOneCore,
  machineBusyPct: s.machineBusyPct,
  // What the machine did besides the bench's processes (another job running would show here).
  otherLoadPct: s.machineBusyPct === null ? null : round(s.machineBusyPct - Object.values(s.cpuPctOfOneCore).reduce<number>((a, v) => a + (v ?? 0), 0) / cpus().length, 1),
  // CPU of the serving web process(es) per delivery: flat across the ramps = each web process scales with its share.
  webCpuUsPerDelivery: webUs(s),
});
function webUs(s: StepResult): number | null {
  const web = Object.entries(s.cpuPctOfOneCore).filter(([k]) => k.startsWith("web") && !k.includes("idle"));
  if (web.length === 0 || s.deliveriesPerS <= 0) return null;
  return round((web.reduce((a, [, v]) => a + (v ?? 0), 0) / 100 / s.deliveriesPerS) * 1e6, 2);
}
const rampSummary = (r: RampResult | null) =>
  r && { capacity: r.capacity, stoppedBy: r.stoppedBy, disconnects: r.disconnects, clientErrors: r.errors, steps: r.steps.map(stepRow) };

export async function run(): Promise<BenchFigure[]> {
  const started = Date.now();
  const deadline = started + BUDGET_MS;
  const children = new Set<Child>();
  let redis: TestRedis | undefined;
  let dataDir: string | undefined;
  let scriptDir: string | undefined;
  let probeSocket: Probe | undefined;
  let line: Child | undefined;
  const webs: Child[] = [];
  let direct: RampResult | null = null;
  let one: RampResult;
  let two: RampResult;
  let problems: Record<string, [string, number][]> = {};
  const timings: Record<string, number> = {};
  const mark = (what: string) => (timings[what] = round((Date.now() - started) / 1000, 1));
  try {
    mkdirSync(join(ROOT, ".scratch"), { recursive: true });
    scriptDir = mkdtempSync(join(ROOT, ".scratch", "hmi-fanout-"));
    const scriptPath = join(scriptDir, "client.mts");
    writeFileSync(scriptPath, CLIENT_SCRIPT);
    redis = await startTestRedis();
    dataDir = mkdtempSync(join(tmpdir(), "bench-fanout-"));
    const linePort = await freePort();
    line = spawnScada(["start", "--sim", "--port", String(linePort), "--data", dataDir], { SCADA_REDIS_URL: redis.url, SCADA_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD, INFLUX_URL: "" });
    await line.waitForOutput("HTR SCADA", 60_000);
    mark("line up");
    const lineUrl = `http://127.0.0.1:${linePort}`;
    const api = await apiClient(lineUrl, "admin", TEST_ADMIN_PASSWORD);
    probeSocket = await probe(lineUrl, api.cookie);
    const startWeb = async (): Promise<{ url: string; child: Child }> => {
      const port = await freePort();
      const child = spawnScada(["web", "--port", String(port), "--data", dataDir!], { SCADA_REDIS_URL: redis!.url });
      webs.push(child);
      await child.waitForOutput("HMI web process for line", 30_000);
      const listeningAt = Date.now();
      await child.waitForOutput("HMI web process ready", 30_000);
      // The web process's first `scada:alive` goes out before its Redis subscription is up and goes
      // unanswered; its timeout (CLUSTER_REQUEST_TIMEOUT_MS) lands after later alives were answered, marks the
      // line unreachable, and the next answer closes every socket ("clients reconnect for a fresh state").
      // Clients are connected only once that has passed (socket-web-backend.ts; see the report).
      await sleep(listeningAt + CLUSTER_REQUEST_TIMEOUT_MS + ALIVE_MS - Date.now());
      if (child.output().includes("does not answer") && !child.output().includes("answers again")) await child.waitForOutput("answers again", ALIVE_MS * 3);
      return { url: `http://127.0.0.1:${port}`, child };
    };
    const servers: Record<string, number | undefined> = { line: line.proc.pid, redis: redisPid(redis) };
    if (DIRECT) {
      direct = await ramp("direct", [lineUrl], api.cookie, probeSocket, scriptPath, servers, children, deadline);
      mark("direct ramp done");
    }
    // Both web processes at once (B idle during the 1-web ramp): their start-up glitch wait overlaps.
    const [a, b] = await Promise.all([startWeb(), startWeb()]);
    servers["web A"] = a.child.proc.pid;
    servers["web B (idle)"] = b.child.proc.pid;
    mark("web processes up");
    // The 1-web ramp may take at most 40 % of what is left, so the 2-web ramp gets its turn.
    one = await ramp("1 web", [a.url], api.cookie, probeSocket, scriptPath, servers, children, Date.now() + 0.4 * (deadline - Date.now()));
    mark("1-web ramp done");
    delete servers["web B (idle)"];
    servers["web B"] = b.child.proc.pid;
    two = await ramp("2 web", [a.url, b.url], api.cookie, probeSocket, scriptPath, servers, children, deadline);
    mark("2-web ramp done");
    problems = { line: logProblems(line.output()), ...Object.fromEntries(webs.map((w, i) => [`web ${"AB"[i]}`, logProblems(w.output())])) };
  } finally {
    const logDir = process.env.BENCH_FANOUT_LOG_DIR;
    if (logDir) {
      mkdirSync(logDir, { recursive: true });
      if (line) writeFileSync(join(logDir, "line.log"), line.output());
      webs.forEach((w, i) => writeFileSync(join(logDir, `web-${"AB"[i]}.log`), w.output()));
    }
    probeSocket?.close();
    for (const c of children) await c.kill("SIGKILL");
    await Promise.all(webs.map((w) => w.kill("SIGTERM", 10_000)));
    await line?.kill("SIGTERM", 15_000);
    await redis?.cleanup();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    if (scriptDir) rmSync(scriptDir, { recursive: true, force: true });
  }
  mark("cleaned up");

  const cores = cpus().length;
  const note =
    `${cores} CPU core(s): the line, Redis, both web processes, ${CLIENT_PROCS} client processes and the bench's probe share them — ` +
    "a second web process gets no core of its own, so the 2/1 ratio is a lower bound of what web processes on separate machines give";
  const lowerBound = (r: RampResult) => (r.stoppedBy.startsWith("step") ? "" : ` (lower bound: ${r.stoppedBy})`);
  const detail = {
    cpus: cores,
    clientKind: CLIENT_KIND,
    clientProcesses: CLIENT_PROCS,
    tags: TAGS.length,
    steps: STEPS,
    stepMs: STEP_MS,
    onTimeIs: `own p95 (receive − batch t) ≤ ${ON_TIME_MS} ms and ≥ 95 % of the window's batches received ≤ ${GRACE_MS} ms after it; a ramp stops at the first step with < ${STEP_ON_TIME_SHARE * 100} % on time`,
    note,
    ramps: { direct: rampSummary(direct), oneWeb: rampSummary(one), twoWeb: rampSummary(two) },
    logWarningsAndErrors: problems,
    timingsS: timings,
  };
  const capRatio = one.capacity > 0 ? two.capacity / one.capacity : null;
  const d1 = one.best?.deliveriesPerS ?? 0;
  const d2 = two.best?.deliveriesPerS ?? 0;
  const dRatio = d1 > 0 ? d2 / d1 : null;
  // Latency at the same client count: the most clients both ramps ran (normally where 1 web stopped being on time).
  const common = one.steps.map((s) => s.clients).filter((c) => two.steps.some((s) => s.clients === c));
  const at = common.length > 0 ? Math.max(...common) : undefined;
  const l1 = one.steps.find((s) => s.clients === at);
  const l2 = two.steps.find((s) => s.clients === at);
  return [
    {
      name: `HMI fan-out clients on time (p95 ≤ ${ON_TIME_MS} ms), 2 web processes against 1 (one line, one Redis, ${TAGS.length} tags each)`,
      unit: "clients",
      value: two.capacity,
      baseline: one.capacity,
      ratio: capRatio === null ? null : round(capRatio, 3),
      goal: ">= 1.7x one web process",
      pass: capRatio === null ? null : capRatio >= 1.7,
      detail: { ...detail, capacityNote: `2 web${lowerBound(two)}; 1 web${lowerBound(one)}` },
    },
    {
      name: "HMI fan-out tags events/s delivered on time (at each configuration's capacity), 2 web processes against 1",
      unit: "deliveries/s",
      value: Math.round(d2),
      baseline: Math.round(d1),
      ratio: dRatio === null ? null : round(dRatio, 3),
      goal: ">= 1.7x one web process",
      pass: dRatio === null ? null : dRatio >= 1.7,
      detail: { note, atClients: { oneWeb: one.best?.clients ?? null, twoWeb: two.best?.clients ?? null }, lineBatchesPerS: { oneWeb: one.best && round(one.best.batchesEmitted / (STEP_MS / 1000), 1), twoWeb: two.best && round(two.best.batchesEmitted / (STEP_MS / 1000), 1) } },
    },
    {
      name: `HMI fan-out latency p95 (receive − batch t) at ${at ?? "?"} clients, 2 web processes against 1`,
      unit: "ms",
      value: l2?.p95 ?? NaN,
      baseline: l1?.p95 ?? null,
      ratio: l1 && l2 ? round(l1.p95 / l2.p95, 3) : null,
      goal: `informational (the most clients both ramps ran; ≤ ${ON_TIME_MS} ms is on time)`,
      pass: null,
      detail: { note, oneWeb: l1 ? stepRow(l1) : null, twoWeb: l2 ? stepRow(l2) : null },
    },
    {
      name: "HMI fan-out latency p95 at each configuration's capacity, 2 web processes against 1",
      unit: "ms",
      value: two.best?.p95 ?? NaN,
      baseline: one.best?.p95 ?? null,
      ratio: one.best && two.best ? round(one.best.p95 / two.best.p95, 3) : null,
      goal: "informational",
      pass: null,
      detail: { note, atClients: { oneWeb: one.best?.clients ?? null, twoWeb: two.best?.clients ?? null }, direct: direct && { capacity: direct.capacity, p95AtCapacity: direct.best?.p95 ?? null, deliveriesPerSAtCapacity: direct.best ? Math.round(direct.best.deliveriesPerS) : null } },
    },
  ];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const figure of await run()) console.log(JSON.stringify(figure));
}
