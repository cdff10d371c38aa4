// HMI tag change → value shown in a real browser, with 50 connected clients (ARCHITECTURE.md "Performance
// budgets": change → browser p95 ≤ 100 ms at 50 clients; issue 12 tightened it to ≤ 20 ms, the goal judged here).
//
// Ours: a real runtime on the virtual plant (simPurged, historian off, line idle; the plant in its own worker
// thread as under `npm start` — up to 2026-12-04 it ran in the measured thread); 49 socket.io-client clients,
// each logged in with its own POST /api/login session, subscribed to the overview page's tags (in a child
// process since 2026-12-07: bench/latency-clients.ts — they stand for other browsers, not the SCADA's load); 1 Chromium page
// (playwright-core, /usr/bin/chromium) logged in (the same kind of session cookie) on #/overview. The change is
// injected straight into the runtime's TagTable (`runtime.tags.onUpdates`), so the path measured is gateway
// (batching, tick) + socket.io + the HMI's own state/render loop (one requestAnimationFrame per batch) — not the
// PLC drivers. The tag is `htr.pulse_count` (the overview's "Pulses" KPI, `data-testid="value-htr.pulse_count"`):
// a counter that the idle line's plant never changes, so nothing but the bench moves it (foreign changes are
// counted and reported). Values count up, so "shown" for change k = the first moment the element's text shows
// that value or a later one (a change superseded within a gateway tick or an animation frame is shown by its
// successor — the same thing an operator sees).
// Timing: Node stamps the change with performance.timeOrigin + performance.now() right before injecting it; in the
// page a MutationObserver (installed via page.evaluate) on the element stamps performance.timeOrigin +
// performance.now() when its text changes (same machine, same wall clock; the offset between the two clocks is
// measured over CDP and reported). Changes every 20–80 ms (uniform random), so nothing aligns with the tick.
//
// Baseline, same run, same browser page, same background load (the runtime keeps running): a raw socket.io server
// on its own tiny HTTP server, with 49 socket.io-client clients connected (in their own process too), `io.emit("tags", one-change batch)` at
// once per change (no batching); the page (served by that server, socket.io.min.js from node_modules) sets the
// element's textContent on every message. Ratio = baseline / ours (lower is better, so > 1 would be better).
// Run with the runtime's default gateway tick (50 ms) and, for comparison, a 100 ms tick (gatewayTickMs).
import { readFileSync, mkdtempSync, rmSync } from "node:fs";
import { type Server as HttpServer, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { type BrowserContext, type Page, chromium } from "playwright-core";
import { Server } from "socket.io";
import { GOOD } from "../src/core/tag-value.js";
import { adminClient } from "../test/helpers/api-client.js";
import { realConfigOnFreePorts } from "../test/helpers/test-config.js";
import { waitFor } from "../test/helpers/wait-for.js";
import { testRuntime } from "../test/helpers/test-runtime.js";
import type { BenchFigure } from "./bench-figure.js";
import { LatencyClients } from "./latency-clients.js";
import { percentile, prng, round, sleep, OVERVIEW_TAGS } from "./bench-support.js";
import { GATEWAY_TICK_MS } from "../src/server/socket-gateway.js";

/** The goal for the default tick's p95, ms (issue 12; the architecture's budget is 100). */
const GOAL_P95_MS = 20;
const SAMPLES = Number(process.env.BENCH_HMI_BROWSER_SAMPLES ?? 300);
const WARMUP = 15;
const GAP_MIN_MS = 20;
const GAP_MAX_MS = 80;
const NODE_CLIENTS = 49;
const SLOW_TICK_MS = 100;
const TAG = "htr.pulse_count";
const SELECTOR = `[data-testid="value-${TAG}"]`;
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

const now = (): number => performance.timeOrigin + performance.now();

/**
 * In the page (a string: tsx's helpers must not leak into page code): a MutationObserver on the element; every
 * time its number goes up, push [value, wall ms] to window.__shown, and [value, wall ms of the next animation
 * frame callback] to window.__frames.
 */
const PROBE = `(() => {
  const el = document.querySelector(${JSON.stringify(SELECTOR)});
  if (!el) throw new Error("no ${SELECTOR.replace(/"/g, "'")} in the page");
  const num = el.querySelector(".num") || el;
  let max = -Infinity;
  window.__shown = [];
  window.__frames = [];
  window.__reset = () => { window.__shown = []; window.__frames = []; window.__arrived = []; };
  const check = () => {
    const v = Number((num.textContent || "").replace(/,/g, ""));
    if (!Number.isFinite(v) || v <= max) return;
    max = v;
    const t = performance.timeOrigin + performance.now();
    const frames = window.__frames;
    window.__shown.push(v, t);
    requestAnimationFrame(() => frames.push(v, performance.timeOrigin + performance.now()));
  };
  new MutationObserver(check).observe(el, { subtree: true, childList: true, characterData: true });
  check();
})()`;

/**
 * Installed in every page before its scripts run: stamps each WebSocket message that carries the tag, as the
 * page receives it (before socket.io's handler, whose listener is added later) — window.__arrived, flat
 * [value, wall ms], rising values. Splits the page's latency into arrival and the page's own render.
 */
const ARRIVAL_PROBE = `(() => {
  const Native = window.WebSocket;
  const re = /"name":"${TAG.replace(/\./g, "\\.")}","value":(\\d+)/;
  let max = -Infinity;
  window.__arrived = [];
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (e) => {
        if (typeof e.data !== "string") return;
        const m = re.exec(e.data);
        if (!m) return;
        const v = Number(m[1]);
        if (v > max) { max = v; window.__arrived.push(v, performance.timeOrigin + performance.now()); }
      });
    }
  };
})()`;

/** Browser wall clock − Node wall clock (ms), from the page.evaluate round trip with the smallest RTT. */
async function clockOffset(page: Page): Promise<{ offsetMs: number; rttMs: number }> {
  let best = { offsetMs: NaN, rttMs: Infinity };
  for (let i = 0; i < 15; i++) {
    const t0 = now();
    const b = await page.evaluate(() => performance.timeOrigin + performance.now());
    const t1 = now();
    if (t1 - t0 < best.rttMs) best = { offsetMs: b - (t0 + t1) / 2, rttMs: t1 - t0 };
  }
  return { offsetMs: round(best.offsetMs, 3), rttMs: round(best.rttMs, 3) };
}

interface PhaseResult {
  /** Change → text shown in the page, ms, one per change. */
  browser: number[];
  /** Change → the page's next animation frame after the text changed, ms. */
  browserNextFrame: number[];
  /** Change → the page's WebSocket receiving it (before any handler), ms. */
  browserArrived: number[];
  /** Change → receipt by each node client (value or a later one), ms. */
  nodeClients: number[];
  /** Changes whose exact value the page showed (the rest were superseded before they were shown). */
  shownExactly: number;
  /** Changes never shown (nor any later value) within the wait: must be 0. */
  lost: number;
  nodeLost: number;
}

/** For each sent [value, t]: first time a value ≥ it shows up in `seen` (flat [value, t, …], values rising). */
function latencies(sent: readonly (readonly [number, number])[], seen: readonly number[]): { lat: number[]; lost: number; exact: number } {
  const lat: number[] = [];
  let lost = 0;
  let exact = 0;
  let j = 0;
  for (const [v, t] of sent) {
    while (j < seen.length && seen[j]! < v) j += 2;
    if (j >= seen.length) {
      lost++;
      continue;
    }
    if (seen[j] === v) exact++;
    lat.push(seen[j + 1]! - t);
  }
  return { lat, lost, exact };
}

/**
 * One measured stream: WARMUP uncounted changes, then SAMPLES changes `gap` apart; `send(value)` makes the change.
 * `clients`: the node clients (in their own process), reset here.
 */
async function phase(page: Page, send: (value: number) => void, firstValue: number, clients: LatencyClients, seed: number): Promise<PhaseResult> {
  const rnd = prng(seed);
  const gap = () => GAP_MIN_MS + (GAP_MAX_MS - GAP_MIN_MS) * rnd();
  let v = firstValue;
  const waitShown = async (value: number) => {
    await waitFor(`the page showing ${value}`, 10_000, async () => {
      const shown = await page.evaluate(() => (window as unknown as { __shown: number[] }).__shown);
      return shown.length > 0 && shown[shown.length - 2]! >= value;
    }, 50);
    await clients.waitAll(value, 10_000);
  };
  for (let k = 0; k < WARMUP; k++) {
    await sleep(gap());
    send(++v);
  }
  await waitShown(v);
  await page.evaluate(() => (window as unknown as { __reset: () => void }).__reset());
  await clients.reset();
  const sent: [number, number][] = [];
  for (let k = 0; k < SAMPLES; k++) {
    await sleep(gap());
    v++;
    sent.push([v, now()]);
    send(v);
  }
  await waitShown(v).catch(() => undefined); // a lost value is counted below, not thrown
  await sleep(100); // the last frame callbacks
  const { shown, frames, arrived } = await page.evaluate(() => {
    const w = window as unknown as { __shown: number[]; __frames: number[]; __arrived: number[] };
    return { shown: w.__shown, frames: w.__frames, arrived: w.__arrived };
  });
  const b = latencies(sent, shown);
  const f = latencies(sent, frames);
  const nodeClients: number[] = [];
  let nodeLost = 0;
  for (const s of await clients.seen()) {
    const r = latencies(sent, s);
    nodeClients.push(...r.lat);
    nodeLost += r.lost;
  }
  return { browser: b.lat, browserNextFrame: f.lat, browserArrived: latencies(sent, arrived).lat, nodeClients, shownExactly: b.exact, lost: b.lost, nodeLost };
}

/** The baseline: a raw socket.io server and the page it serves. */
async function rawServer(): Promise<{ url: string; io: Server; close(): Promise<void> }> {
  const clientJs = readFileSync(resolve("node_modules/socket.io-client/dist/socket.io.min.js"));
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>raw socket.io</title></head><body>
<span class="readout" data-testid="value-${TAG}"><span class="num">----</span></span>
<script src="/socket.io.min.js"></script>
<script>
  const num = document.querySelector('[data-testid="value-${TAG}"] .num');
  const s = io({ transports: ["websocket"] });
  s.on("connect", () => { window.__connected = true; });
  s.on("tags", (b) => { for (const c of b.changes) if (c.name === ${JSON.stringify(TAG)}) num.textContent = String(c.value); });
</script></body></html>`;
  const http: HttpServer = createServer((q, s) => {
    if (q.url === "/") s.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(html);
    else if (q.url === "/socket.io.min.js") s.writeHead(200, { "content-type": "text/javascript" }).end(clientJs);
    else s.writeHead(404).end();
  });
  const io = new Server(http, { serveClient: false });
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    io,
    async close() {
      io.close();
      http.closeAllConnections();
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}

interface Stats {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}
function stats(samples: readonly number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  return { n: s.length, p50: round(percentile(s, 50), 2), p95: round(percentile(s, 95), 2), p99: round(percentile(s, 99), 2), max: round(s[s.length - 1] ?? NaN, 2) };
}

interface TickRun {
  tickMs: number;
  ours: PhaseResult;
  baseline?: PhaseResult;
  clock: { offsetMs: number; rttMs: number };
  foreignChanges: number;
  setupMs: number;
}

/** One runtime with the given gateway tick: ours, then (when `baseline`) the raw server on the same page. */
async function runTick(context: BrowserContext, page: Page, tickMs: number | undefined, baseline: boolean, seed: number): Promise<TickRun> {
  const t0 = Date.now();
  const tc = await realConfigOnFreePorts();
  // The virtual plant in its own thread, as `npm start` runs it (its physics and servers are not the SCADA's work).
  const { runtime, dispose } = testRuntime(tc, { simThread: true, ...(tickMs === undefined ? {} : { gatewayTickMs: tickMs }) });
  let clients: LatencyClients | undefined;
  let raw: Awaited<ReturnType<typeof rawServer>> | undefined;
  try {
    const { url } = await runtime.start();
    await waitFor("all tags Good", 20_000, () => runtime.tags.all().every((e) => e.value.quality.status === "Good"), 100);
    let foreign = 0;
    let injecting = false;
    runtime.tags.onChange((c) => {
      if (c.name === TAG && !injecting) foreign++;
    });
    const inject = (value: number): void => {
      const ts = Date.now();
      injecting = true;
      runtime.tags.onUpdates([{ name: TAG, value, quality: GOOD, sourceTs: ts, serverTs: ts }]);
      injecting = false;
    };
    // 49 node clients in their own process, each with its own session; one session for the page.
    clients = await LatencyClients.start({ url, n: NODE_CLIENTS, tag: TAG, subscribe: OVERVIEW_TAGS });
    const session = await adminClient(url);
    const [name, value] = session.cookie.split("=") as [string, string];
    await context.clearCookies();
    await context.addCookies([{ name, value, url }]);
    await page.goto(`${url}/#/overview`);
    await page.locator(`${SELECTOR}[data-stale="false"]`).waitFor({ timeout: 15_000 });
    await page.evaluate(PROBE);
    const clock = await clockOffset(page);
    const setupMs = Date.now() - t0;
    const ours = await phase(page, inject, 1000, clients, seed);
    let base: PhaseResult | undefined;
    if (baseline) {
      await clients.stop();
      clients = undefined;
      raw = await rawServer();
      const r = raw;
      await page.goto(r.url);
      await waitFor("baseline page connected", 10_000, () => page.evaluate(() => (window as unknown as { __connected?: boolean }).__connected === true), 20);
      await page.evaluate(PROBE);
      clients = await LatencyClients.start({ url: r.url, n: NODE_CLIENTS, tag: TAG, subscribe: null });
      base = await phase(
        page,
        (v) => {
          const ts = Date.now();
          r.io.emit("tags", { t: ts, changes: [{ name: TAG, value: v, quality: "Good", ts }] });
        },
        5000,
        clients,
        seed + 1,
      );
    }
    return { tickMs: tickMs ?? GATEWAY_TICK_MS, ours, ...(base ? { baseline: base } : {}), clock, foreignChanges: foreign, setupMs };
  } finally {
    await clients?.stop();
    await raw?.close();
    await page.goto("about:blank").catch(() => undefined);
    await dispose();
    rmSync(tc.dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<BenchFigure[]> {
  const browserDir = mkdtempSync(join(tmpdir(), "bench-chromium-"));
  const t0 = Date.now();
  let context: BrowserContext | undefined;
  const runs: TickRun[] = [];
  try {
    context = await chromium.launchPersistentContext(browserDir, { executablePath: "/usr/bin/chromium", headless: true, viewport: { width: 1400, height: 900 }, args: CHROMIUM_ARGS });
    await context.addInitScript(ARRIVAL_PROBE);
    const page = context.pages()[0] ?? (await context.newPage());
    runs.push(await runTick(context, page, undefined, true, 101));
    runs.push(await runTick(context, page, SLOW_TICK_MS, false, 202));
  } finally {
    await context?.close();
    rmSync(browserDir, { recursive: true, force: true });
  }
  const totalS = round((Date.now() - t0) / 1000, 1);
  const base = runs[0]!.baseline!;
  const b = stats(base.browser);
  const figures: BenchFigure[] = [];
  for (const r of runs) {
    const o = stats(r.ours.browser);
    const detail = {
      tag: TAG,
      element: SELECTOR,
      drive: "injected into runtime.tags (TagTable.onUpdates): gateway + socket.io + HMI render, no PLC driver",
      clients: { browser: 1, node: NODE_CLIENTS, subscribedTags: OVERVIEW_TAGS.length },
      tickMs: r.tickMs,
      changes: SAMPLES,
      gapMs: [GAP_MIN_MS, GAP_MAX_MS],
      ours: o,
      oursShownExactly: r.ours.shownExactly,
      oursLost: r.ours.lost,
      oursToNextFrame: stats(r.ours.browserNextFrame),
      oursArrivedInPage: stats(r.ours.browserArrived),
      oursNodeClients: { ...stats(r.ours.nodeClients), lost: r.ours.nodeLost },
      baseline: b,
      baselineShownExactly: base.shownExactly,
      baselineLost: base.lost,
      baselineToNextFrame: stats(base.browserNextFrame),
      baselineArrivedInPage: stats(base.browserArrived),
      baselineNodeClients: { ...stats(base.nodeClients), lost: base.nodeLost },
      browserMinusNodeClockMs: r.clock,
      foreignChangesOfTag: r.foreignChanges,
      setupMs: r.setupMs,
      benchTotalS: totalS,
      note:
        "shown = the MutationObserver saw the element's text at that value or a later one; the HMI updates the DOM inside a requestAnimationFrame callback (painted in that frame), the baseline in the message handler (painted at the next frame: see baselineToNextFrame)",
      baselineIs: "raw socket.io io.emit of a one-change batch per change to the same page (textContent on each message) + 49 node clients, same run, runtime still running",
    };
    const isDefault = r.tickMs === GATEWAY_TICK_MS && r === runs[0];
    for (const key of ["p50", "p95", "p99"] as const) {
      figures.push({
        name: `HMI change → browser shows it ${key} (${NODE_CLIENTS} node clients + 1 Chromium page, gateway tick ${r.tickMs} ms${isDefault ? ", default" : ""})`,
        unit: "ms",
        value: o[key],
        baseline: b[key],
        ratio: round(b[key] / o[key], 4),
        goal: key === "p95" && isDefault ? `<= ${GOAL_P95_MS} ms` : "informational",
        pass: key === "p95" && isDefault ? o.p95 <= GOAL_P95_MS && r.ours.lost === 0 : null,
        detail,
      });
    }
  }
  return figures;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.env.LOG_LEVEL ??= "silent";
  process.env.NODEOPCUA_LOG_LEVEL ??= "3";
  for (const figure of await run()) console.log(JSON.stringify(figure));
}
