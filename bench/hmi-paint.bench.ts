// HMI time to first meaningful paint: from navigation start to the first frame painted after the overview's
// mimic shows a live (Good, connected) web temperature — login already done (session cookie), so it covers
// index.html, the bundle, the REST snapshot, the socket.io handshake and the first push. Chromium
// (playwright-core, /usr/bin/chromium) against a real runtime on the virtual plant.
//
// Baseline, same run, same server: a static HTML page of the same byte size as the HMI's payload
// (index.html + its JS + CSS), served by the runtime's own HMI static handler from hmi/dist (written there
// for the run and removed after), whose inline SVG already holds the same element with a value: its
// "meaningful paint" is measured the same way (MutationObserver on the element, then the next frame).
// Warm: the browser's cache on (the hashed assets come from it, index.html is revalidated, as in a control
// room); cold: cache disabled over CDP. Ratio = baseline / ours (lower is better, so > 1 would be better).
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type BrowserContext, chromium } from "playwright-core";
import { silentLogger } from "../src/core/logger.js";
import { createRuntime } from "../src/runtime.js";
import { HMI_DIST_DIR } from "../src/server/hmi-static.js";
import { TEST_ADMIN_PASSWORD, adminClient } from "../test/helpers/api-client.js";
import { realConfigOnFreePorts } from "../test/helpers/test-config.js";
import { waitFor } from "../test/helpers/wait-for.js";
import type { BenchFigure } from "./bench-figure.js";
import { percentile, round } from "./bench-support.js";

const RUNS = Number(process.env.BENCH_HMI_PAINT_RUNS ?? 12);
const SELECTOR = '[data-testid="mimic-value-htr.web_temp"][data-stale="false"]';
const GOAL_MS = 1000;

/** Installed before any page script: resolves `window.__meaningfulPaint` with performance.now() of the first frame after SELECTOR exists. */
const PROBE = `(() => {
  const sel = ${JSON.stringify(SELECTOR)};
  window.__meaningfulPaint = new Promise((resolve) => {
    const done = () => requestAnimationFrame(() => setTimeout(() => resolve(performance.now()), 0));
    const obs = new MutationObserver(() => { if (document.querySelector(sel)) { obs.disconnect(); done(); } });
    obs.observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-stale"] });
  });
})();`;

/** index.html and the JS / CSS it references, in bytes. */
function hmiPayloadBytes(): number {
  const index = readFileSync(join(HMI_DIST_DIR, "index.html"), "utf8");
  let bytes = Buffer.byteLength(index);
  for (const m of index.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)) bytes += statSync(join(HMI_DIST_DIR, m[1]!)).size;
  return bytes;
}

function baselineHtml(bytes: number): string {
  const texts = Array.from({ length: 24 }, (_, i) => `<text x="${20 + (i % 8) * 150}" y="${60 + Math.floor(i / 8) * 60}">${(100 + i * 7.3).toFixed(1)} K</text>`).join("");
  const head = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>baseline</title><style>body{background:#c8c8c8;font-family:sans-serif}</style></head><body><h1>Static baseline</h1><svg viewBox="0 0 1280 240" width="1280" height="240"><rect x="10" y="10" width="1260" height="220" fill="#bdbdbd"/>${texts}<text data-testid="mimic-value-htr.web_temp" data-stale="false" x="20" y="220">1340 K</text></svg><!--`;
  const tail = `--></body></html>`;
  return head + "x".repeat(Math.max(0, bytes - Buffer.byteLength(head) - Buffer.byteLength(tail))) + tail;
}

async function measure(context: BrowserContext, url: string, cold: boolean): Promise<{ paint: number; fcp: number | null }> {
  const page = await context.newPage();
  try {
    if (cold) {
      const cdp = await context.newCDPSession(page);
      await cdp.send("Network.enable");
      await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
    }
    await page.goto(url, { waitUntil: "commit" });
    const paint = await page.evaluate(() => (window as unknown as { __meaningfulPaint: Promise<number> }).__meaningfulPaint);
    const fcp = await page.evaluate(() => performance.getEntriesByType("paint").find((e) => e.name === "first-contentful-paint")?.startTime ?? null);
    return { paint, fcp };
  } finally {
    await page.close();
  }
}

export async function run(): Promise<BenchFigure[]> {
  const tc = await realConfigOnFreePorts();
  const { loadConfigOrThrow } = await import("../src/config/config-loader.js");
  const dataDir = mkdtempSync(join(tmpdir(), "bench-hmi-paint-"));
  const browserDir = mkdtempSync(join(tmpdir(), "bench-chromium-"));
  const baselineName = `bench-baseline-${process.pid}.html`;
  const baselineFile = join(HMI_DIST_DIR, baselineName);
  const runtime = createRuntime(loadConfigOrThrow(tc.dir), { port: 0, host: "127.0.0.1", dataDir, sim: true, simPurged: true, historian: "off", adminPassword: TEST_ADMIN_PASSWORD, logger: silentLogger() });
  let context: BrowserContext | undefined;
  try {
    const { url } = await runtime.start();
    await waitFor("all tags Good", 20_000, () => runtime.tags.all().every((e) => e.value.quality.status === "Good"), 100);
    const bytes = hmiPayloadBytes();
    writeFileSync(baselineFile, baselineHtml(bytes));
    const admin = await adminClient(url);
    context = await chromium.launchPersistentContext(browserDir, {
      executablePath: "/usr/bin/chromium",
      headless: true,
      viewport: { width: 1400, height: 900 },
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    const [name, value] = admin.cookie.split("=") as [string, string];
    await context.addCookies([{ name, value, url }]);
    await context.addInitScript(PROBE);
    const targets = { hmi: `${url}/#/overview`, baseline: `${url}/${baselineName}` };
    // Warm-up: first load of each (compiles, fills the cache), not counted.
    await measure(context, targets.hmi, false);
    await measure(context, targets.baseline, false);
    const samples = { warm: { hmi: [] as number[], baseline: [] as number[], fcp: [] as number[] }, cold: { hmi: [] as number[], baseline: [] as number[], fcp: [] as number[] } };
    for (const mode of ["warm", "cold"] as const) {
      for (let i = 0; i < RUNS; i++) {
        // Interleaved, so drift on a shared machine hits both alike.
        const h = await measure(context, targets.hmi, mode === "cold");
        const b = await measure(context, targets.baseline, mode === "cold");
        samples[mode].hmi.push(h.paint);
        if (h.fcp !== null) samples[mode].fcp.push(h.fcp);
        samples[mode].baseline.push(b.paint);
      }
    }
    const sorted = (a: number[]) => [...a].sort((x, y) => x - y);
    return (["warm", "cold"] as const).map((mode) => {
      const ours = sorted(samples[mode].hmi);
      const base = sorted(samples[mode].baseline);
      const p50 = percentile(ours, 50);
      const b50 = percentile(base, 50);
      return {
        name: `overview first meaningful paint after login (${mode} cache)`,
        unit: "ms",
        value: round(p50, 1),
        baseline: round(b50, 1),
        ratio: round(b50 / p50, 3),
        goal: `p50 <= ${GOAL_MS} ms (ratio: a static page of the same ${Math.round(bytes / 1024)} KiB from the same server)`,
        pass: p50 <= GOAL_MS,
        detail: {
          runs: RUNS,
          payloadBytes: bytes,
          p95Ms: round(percentile(ours, 95), 1),
          baselineP95Ms: round(percentile(base, 95), 1),
          hmiFirstContentfulPaintP50Ms: round(percentile(sorted(samples[mode].fcp), 50), 1),
        },
      };
    });
  } finally {
    await context?.close();
    rmSync(baselineFile, { force: true });
    await runtime.stop();
    for (const d of [dataDir, browserDir, tc.dir]) rmSync(d, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const figure of await run()) console.log(JSON.stringify(figure));
}
