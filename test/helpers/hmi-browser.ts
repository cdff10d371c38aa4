import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type BrowserContext, type Page, chromium } from "playwright-core";
import { HMI_DIST_DIR } from "../../src/server/hmi-static.js";

/** Where the browser tests put their screenshots. */
export const HMI_ARTIFACTS = resolve("test-artifacts", "hmi");

const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/** Newest modification time under `dir` (dist and dot folders left out). */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === "dist" || e.name === "node_modules" || e.name.startsWith(".")) continue;
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** `npm test` builds the HMI when stale (scripts/ensure-deps.mjs); a lone mocha run does it here, the same way. */
export function ensureHmiBuilt(): void {
  const index = join(HMI_DIST_DIR, "index.html");
  const sources = Math.max(newestMtime(resolve("hmi")), statSync(resolve("src", "server", "socket-contract.ts")).mtimeMs);
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  const b = spawnSync("npm", ["run", "--silent", "build:hmi"], { encoding: "utf8" });
  assert.equal(b.status, 0, `npm run build:hmi failed: ${b.stdout}${b.stderr}`);
}

export interface TestBrowser {
  readonly context: BrowserContext;
  /** The one page the tests drive; page errors are logged. */
  readonly page: Page;
  /** Closes the browser and removes its profile directory. */
  close(): Promise<void>;
}

/** Headless /usr/bin/chromium with a fresh profile, 1400 × 900. */
export async function launchChromium(opts: { acceptDownloads?: boolean } = {}): Promise<TestBrowser> {
  const dir = mkdtempSync(join(tmpdir(), "chromium-"));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(dir, {
      executablePath: "/usr/bin/chromium",
      headless: true,
      viewport: { width: 1400, height: 900 },
      ...(opts.acceptDownloads ? { acceptDownloads: true } : {}),
      args: CHROMIUM_ARGS,
    });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  page.on("pageerror", (err) => console.log(`      [page error] ${err.message}`));
  return {
    context,
    page,
    async close() {
      try {
        await context.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Logs in on the HMI's login page at `base` and waits until it is live (user shown, no connection banner). */
export async function hmiLogIn(page: Page, base: string, user: string, password: string): Promise<void> {
  await page.goto(`${base}/`);
  await page.getByTestId("login-user").fill(user);
  await page.getByTestId("login-password").fill(password);
  await page.getByTestId("login-submit").click();
  await page.getByTestId("header-user").filter({ hasText: user }).waitFor({ timeout: 10_000 });
  // Live: the socket is up (no connection banner) and the line state has come.
  await page.getByTestId("connection-banner").waitFor({ state: "hidden", timeout: 10_000 });
}

/** Logs out from the header and waits for the login form. */
export async function hmiLogOut(page: Page): Promise<void> {
  await page.getByTestId("logout").click();
  await page.getByTestId("login-form").waitFor();
}

/** Navigates the HMI to `hash` (`#/alarms`, …). */
export async function hmiGo(page: Page, hash: string): Promise<void> {
  await page.evaluate((h) => (location.hash = h), hash);
}
