import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type BrowserContext, type Page, chromium } from "playwright-core";

/** Where the browser tests put their screenshots. */
export const HMI_ARTIFACTS = resolve("test-artifacts", "hmi");

const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/** `npm test` builds the HMI when stale (scripts/ensure-deps.mjs); a lone mocha run asks the same script for that step. */
export function ensureHmiBuilt(): void {
  const b = spawnSync(process.execPath, ["scripts/ensure-deps.mjs", "--hmi-only"], { encoding: "utf8" });
  assert.equal(b.status, 0, `HMI build failed: ${b.stdout}${b.stderr}`);
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
