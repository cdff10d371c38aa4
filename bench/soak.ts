// `npm run soak -- --minutes N` (default 60): the line on the virtual plant for N minutes, as in a plant — the
// full runtime as `htr-scada start --sim` runs it (virtual plant in its own worker thread, both drivers, interlocks, alarms, roll record, HTTP) with history on (a managed
// influxd), HMI clients connected (socket.io-client, logged in, subscribed to the overview's tags) and the line
// producing BiSb in pulse mode, run after run (a run that completes or trips is reset and started again, as
// an operator would). Every minute one JSON line: heap, RSS, external memory, the historian's queue and spool,
// the audit journal's size, the event-loop delay of that minute, tag updates, HMI batches received, runs.
// At the end a summary: the growth of heap and RSS between the first and the last third of the run (a
// least-squares slope per minute, robust to GC saw-teeth) against the stated bounds, and the exit code says
// whether they held (0 held, 1 not). Bounds: heap ≤ 1 MB/min and RSS ≤ 2 MB/min over the last two thirds,
// and the HMI clients served every minute (a client whose session ends at the idle timeout logs in again).
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { type Socket, io as connect } from "socket.io-client";
import { loadConfigOrThrow } from "../src/config/config-loader.js";
import { silentLogger } from "../src/core/logger.js";
import { createRuntime } from "../src/runtime.js";
import type { Runtime } from "../src/runtime/runtime-options.js";
import { TEST_ADMIN_PASSWORD } from "../test/helpers/api-client.js";
import { realConfigOnFreePorts } from "../test/helpers/test-config.js";
import { AUDIT_JOURNAL_FILE } from "../src/stores/audit-journal.js";
import { sleep, OVERVIEW_TAGS } from "./bench-support.js";

const HEAP_BOUND_MB_PER_MIN = 1;
const RSS_BOUND_MB_PER_MIN = 2;
const CLIENTS = 10;

function minutesArg(): number {
  const i = process.argv.indexOf("--minutes");
  const v = i >= 0 ? Number(process.argv[i + 1]) : 60;
  if (!Number.isFinite(v) || v <= 0) {
    console.error(`soak: --minutes must be a positive number (got '${process.argv[i + 1] ?? ""}')`);
    process.exit(2);
  }
  return v;
}

const MB = 1024 * 1024;
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

/** Least-squares slope of y over x. */
function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

async function login(url: string): Promise<string> {
  const res = await fetch(`${url}/api/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ user: "admin", password: TEST_ADMIN_PASSWORD }) });
  if (res.status !== 200) throw new Error(`login refused: ${res.status}`);
  return (res.headers.get("set-cookie") ?? "").split(";")[0]!;
}

/** Keeps the line producing: Aborted → clear, Stopped/Complete → reset, Idle → start, Held → unhold (after an interlock reset). */
async function keepRunning(rt: Runtime, runs: { started: number; refused: number }): Promise<void> {
  const s = rt.line.state();
  const cmd = s === "Aborted" ? "clear" : s === "Stopped" || s === "Complete" ? "reset" : s === "Idle" ? "start" : s === "Held" ? "unhold" : null;
  if (cmd === null) return;
  if (cmd === "unhold") rt.interlocks.reset("soak");
  const r = await rt.line.command({ command: cmd, by: "soak", ...(cmd === "start" ? { recipe: "BiSb" } : {}) });
  if (cmd === "start") r.accepted ? runs.started++ : runs.refused++;
}

async function main(): Promise<void> {
  const minutes = minutesArg();
  const tc = await realConfigOnFreePorts();
  const dataDir = mkdtempSync(join(tmpdir(), "soak-"));
  const rt = createRuntime(loadConfigOrThrow(tc.dir), {
    port: 0, host: "127.0.0.1", dataDir, sim: true, simThread: true, simPurged: true, historian: "auto", adminPassword: TEST_ADMIN_PASSWORD, logger: silentLogger(),
  });
  const clients: Socket[] = [];
  let batches = 0;
  let stopping = false;
  const stop = async () => {
    stopping = true;
    for (const c of clients) c.disconnect();
    await rt.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(tc.dir, { recursive: true, force: true });
  };
  process.once("SIGINT", () => void stop().then(() => process.exit(130)));
  try {
    const { url } = await rt.start();
    // Each client is an HMI on a control-room screen: when its session ends (the 15 min idle timeout: nobody
    // touched it), the server drops the socket and the operator logs in again — here at once, counted.
    const relogins = { n: 0, failed: 0 };
    const connectClient = async (): Promise<Socket> => {
      const cookie = await login(url);
      const c = connect(url, { transports: ["websocket"], reconnection: true, forceNew: true, extraHeaders: { cookie } }) as Socket;
      c.on("tags", () => void batches++);
      await new Promise<void>((resolve, reject) => (c.once("connect", () => resolve()), c.once("connect_error", reject)));
      await c.timeout(10_000).emitWithAck("subscribe", OVERVIEW_TAGS);
      c.on("disconnect", (reason) => {
        if (stopping || reason !== "io server disconnect") return;
        const i = clients.indexOf(c);
        connectClient().then(
          (fresh) => {
            relogins.n++;
            if (i >= 0) clients[i] = fresh;
          },
          () => void relogins.failed++,
        );
      });
      return c;
    };
    for (let i = 0; i < CLIENTS; i++) clients.push(await connectClient());
    const runs = { started: 0, refused: 0 };
    const driver = setInterval(() => void keepRunning(rt, runs).catch(() => undefined), 1000);
    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    const t0 = Date.now();
    const samples: { min: number; heapMB: number; rssMB: number; hmiBatchesPerS: number }[] = [];
    let lastUpdates = rt.tags.counters().updates;
    let lastBatches = 0;
    console.log(JSON.stringify({ soak: "start", minutes, url, dataDir, clients: CLIENTS, bounds: { heapMBPerMin: HEAP_BOUND_MB_PER_MIN, rssMBPerMin: RSS_BOUND_MB_PER_MIN } }));
    for (let m = 1; m <= minutes; m++) {
      await sleep(Math.max(0, t0 + m * 60_000 - Date.now()));
      const mem = process.memoryUsage();
      const h = rt.historian?.status();
      const updates = rt.tags.counters().updates;
      const line = {
        min: m,
        heapMB: round(mem.heapUsed / MB),
        rssMB: round(mem.rss / MB),
        externalMB: round(mem.external / MB),
        historian: h ? { online: h.online, queued: h.queuedPoints, spoolKB: round(h.spoolBytes / 1024, 1), written: h.writtenPoints, dropped: h.droppedPoints } : null,
        journalKB: round(sizeOf(join(dataDir, "audit", AUDIT_JOURNAL_FILE)) / 1024, 1),
        loopMs: { p50: round(loop.percentile(50) / 1e6, 3), p99: round(loop.percentile(99) / 1e6, 3), max: round(loop.max / 1e6, 3) },
        tagUpdatesPerS: Math.round((updates - lastUpdates) / 60),
        hmiBatchesPerS: Math.round((batches - lastBatches) / 60),
        hmiConnected: clients.filter((c) => c.connected).length,
        relogins: { ...relogins },
        line: rt.line.state(),
        runs,
      };
      lastUpdates = updates;
      lastBatches = batches;
      loop.reset();
      samples.push({ min: m, heapMB: line.heapMB, rssMB: line.rssMB, hmiBatchesPerS: line.hmiBatchesPerS });
      console.log(JSON.stringify(line));
    }
    clearInterval(driver);
    const judged = samples.slice(Math.floor(samples.length / 3));
    const heapSlope = slope(judged.map((s) => s.min), judged.map((s) => s.heapMB));
    const rssSlope = slope(judged.map((s) => s.min), judged.map((s) => s.rssMB));
    // The HMI kept being served: every minute its clients received batches (a minute without any is a failure).
    const hmiQuietMinutes = samples.filter((x) => x.hmiBatchesPerS === 0).map((x) => x.min);
    const held = heapSlope <= HEAP_BOUND_MB_PER_MIN && rssSlope <= RSS_BOUND_MB_PER_MIN && hmiQuietMinutes.length === 0;
    console.log(JSON.stringify({
      soak: "summary", minutes, held,
      heapMBPerMin: round(heapSlope, 3), rssMBPerMin: round(rssSlope, 3),
      judgedFromMin: judged[0]?.min ?? null,
      bounds: { heapMBPerMin: HEAP_BOUND_MB_PER_MIN, rssMBPerMin: RSS_BOUND_MB_PER_MIN },
      first: samples[0], last: samples.at(-1), runs, relogins, hmiQuietMinutes,
    }));
    process.exitCode = held ? 0 : 1;
  } finally {
    await stop();
  }
}

await main();
