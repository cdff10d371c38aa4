import assert from "node:assert/strict";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { io as connect } from "socket.io-client";
import type { Runtime } from "../../src/runtime/runtime-options.js";
import type { Ack } from "../../src/server/socket-contract.js";
import { type ApiClient, TEST_ADMIN_PASSWORD, adminClient, newUserClient } from "../helpers/api-client.js";
import { HMI_ARTIFACTS as ARTIFACTS, type TestBrowser, ensureHmiBuilt, hmiGo, hmiLogIn, hmiLogOut, launchChromium } from "../helpers/hmi-browser.js";
import { type TestConfig, editRecipe, realConfigOnFreePorts } from "../helpers/test-config.js";
import { testRuntime, waitForTagsGood } from "../helpers/test-runtime.js";
import { waitFor } from "../helpers/wait-for.js";

const PASSWORDS = { operator1: "Kiln-Orange-4417", engineer1: "Quartz-Ladder-2290", viewer1: "Meadow-Signal-8053" };

/**
 * The operator HMI in Chromium against a real runtime on the virtual plant: an operator starts a BiSb run
 * from the HTR display and watches the web temperature climb; a web break shows the first-out and a new
 * alarm, acknowledged on the alarm page; a viewer sees no commands, and an operation sent on the viewer's
 * own session is refused and audited; a dead server turns every value stale. Screenshots in test-artifacts/hmi.
 */
describe("e2e: the HMI in Chromium", function () {
  this.timeout(300_000);
  let tc: TestConfig;
  let runtime: Runtime;
  let url: string;
  let dataDir: string;
  let browser: TestBrowser | undefined;
  let context: BrowserContext;
  let page: Page;
  let admin: ApiClient;
  let engineer: ApiClient;

  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  const packml = async () => (await page.getByTestId("header-packml").textContent())?.trim() ?? "";
  const go = (hash: string) => hmiGo(page, hash);
  const logIn = (user: string, password: string) => hmiLogIn(page, url, user, password);
  const logOut = () => hmiLogOut(page);
  /** Clicks a line command and returns the outcome line. */
  const command = async (cmd: string) => {
    await page.getByTestId(`cmd-${cmd}`).click();
    const result = page.getByTestId("cmd-result");
    await waitFor(`${cmd} answered`, 10_000, async () => /accepted|refused/.test((await result.textContent()) ?? ""), 100);
    return (await result.textContent()) ?? "";
  };
  /** What the line says now, for failure messages (a trip of its own on a loaded machine, e.g. IL-08). */
  const lineNow = async () => {
    const l = (await engineer.getJson("/api/line")) as { state: string; stopReason: unknown; interlocks: { firstOut: { interlock: string } | null; tripped: string[] } };
    return `line ${l.state}, first-out ${l.interlocks.firstOut?.interlock ?? "none"}, tripped [${l.interlocks.tripped.join(", ")}], stop reason ${JSON.stringify(l.stopReason)}`;
  };
  /** waitFor, naming the line's state when it times out. */
  const waitLine = async (what: string, timeoutMs: number, check: () => Promise<boolean>, everyMs = 100) => {
    try {
      await waitFor(what, timeoutMs, check, everyMs);
    } catch (err) {
      throw new Error(`${(err as Error).message} — ${await lineNow()}`);
    }
  };
  /**
   * Drives the line to Execute through the HMI (HTR display commands; interlock reset on the matrix when a
   * trip is latched). Also the way back when the line trips on its own: on a loaded machine the fail-safe
   * IL-08 (a PLC heartbeat late) may hold the line mid-test — the SCADA doing its job, not the HMI's subject.
   */
  const driveToExecute = async (timeoutMs = 150_000) => {
    let last = "";
    await waitLine("the line in Execute, driven from the HMI", timeoutMs, async () => {
      const s = await packml();
      if (s === "Execute") return true;
      const l = (await engineer.getJson("/api/line")) as { interlocks: { tripped: string[] } };
      const settled = /^(Held|Suspended|Aborted|Stopped|Complete|Idle)$/.test(s);
      if (settled && l.interlocks.tripped.length > 0) {
        if (last !== `il-reset ${s}`) console.log(`      line ${s} with ${l.interlocks.tripped.join(", ")} latched: interlock reset from the matrix`);
        last = `il-reset ${s}`;
        await go("#/interlocks");
        await page.getByTestId("il-reset").click();
        await waitFor("the interlock reset answered", 10_000, async () => (await page.getByTestId("il-result").getAttribute("data-outcome")) !== null, 50);
        await go("#/station/htr");
        await page.getByTestId("line-commands").waitFor();
        return false;
      }
      const next = s === "Aborted" ? "clear" : /^(Held|Suspended)$/.test(s) ? "stop" : /^(Stopped|Complete)$/.test(s) ? "reset" : s === "Idle" ? "start" : null;
      if (next && last !== `${next} ${s}`) {
        last = `${next} ${s}`;
        if (next === "start") await page.getByTestId("recipe-select").selectOption("BiSb");
        const outcome = await command(next);
        if (!/accepted/.test(outcome)) console.log(`      ${outcome}`);
      }
      return false;
    }, 300);
  };
  const webTemp = async () => Number(await page.getByTestId("value-htr.web_temp").getAttribute("data-value"));

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    ensureHmiBuilt();
    tc = await realConfigOnFreePorts();
    editRecipe(tc, "BiSb", (r) => {
      r.targetRollLengthM = 30; // keeps running for the whole test
    });
    ({ runtime, dataDir } = testRuntime(tc));
    ({ url } = await runtime.start());
    await waitForTagsGood(runtime, 20_000);
    await waitFor("safe boot outputs written", 5000, () => runtime.line.bootOutputsWritten());
    admin = await adminClient(url);
    engineer = await newUserClient(admin, "engineer1", "engineer", PASSWORDS.engineer1);
    await newUserClient(admin, "operator1", "operator", PASSWORDS.operator1);
    await newUserClient(admin, "viewer1", "viewer", PASSWORDS.viewer1);
    browser = await launchChromium();
    ({ context, page } = browser);
  });

  after(async () => {
    await browser?.close();
    await runtime?.stop();
    for (const d of [dataDir, tc?.dir]) if (d) rmSync(d, { recursive: true, force: true });
  });

  it("serves the HMI at / with the login page; a wrong password is refused with the server's reason", async () => {
    const res = await fetch(`${url}/`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("cache-control"), "no-cache");
    await page.goto(`${url}/`);
    await page.getByTestId("login-user").fill("operator1");
    await page.getByTestId("login-password").fill("not-the-password");
    await page.getByTestId("login-submit").click();
    await page.getByTestId("login-error").waitFor();
    assert.match((await page.getByTestId("login-error").textContent()) ?? "", /\S/);
    await shot("01-login-refused");
  });

  it("operator: the overview mimic shows live, Good values with units and the PackML state", async () => {
    await logIn("operator1", PASSWORDS.operator1);
    await page.getByTestId("mimic").waitFor();
    const temp = page.getByTestId("mimic-value-htr.web_temp");
    await waitFor("a live web temperature in the mimic", 10_000, async () => (await temp.getAttribute("data-stale")) === "false", 50);
    assert.match((await temp.textContent()) ?? "", /^\d+\s*K$/);
    assert.match((await page.getByTestId("mimic-value-htr.o2").textContent()) ?? "", /ppm/);
    // Every readout's background box fits its text (sized after each render, all boxes read in one layout).
    const misfits = () =>
      page.evaluate<string[]>(`[...document.querySelectorAll('[data-testid="mimic"] g.sv')].flatMap((g) => {
        const text = g.querySelector("text.sv-val");
        const width = Number(g.querySelector("rect.sv-bg").getAttribute("width"));
        const need = Math.max(10, text.getComputedTextLength() + 4);
        return Math.abs(width - need) < 0.5 ? [] : [text.dataset.testid + ": box " + width + ", text needs " + need.toFixed(1)];
      })`);
    await waitFor("every mimic readout's box fitting its text", 5000, async () => (await misfits()).length === 0, 50).catch(async () => assert.deepEqual(await misfits(), []));
    assert.match(await packml(), /Stopped|Aborted|Idle/);
    // Stop and Abort in the header of every display, one click away.
    assert.equal(await page.getByTestId("header-cmd-stop").isVisible(), true);
    assert.equal(await page.getByTestId("header-cmd-abort").isVisible(), true);
    await shot("02-overview-operator");
  });

  it("operator: from the HTR display, (clear →) reset → start with BiSb → Execute, and the web temperature climbs", async () => {
    await go("#/station/htr");
    await page.getByTestId("line-commands").waitFor();
    if ((await packml()) === "Aborted") {
      assert.match(await command("clear"), /clear accepted/);
      await waitLine("Stopped", 30_000, async () => (await packml()) === "Stopped");
    }
    // Start before reset: refused, with the state's reason on screen.
    assert.match(await command("start"), /start refused: .*not allowed in state/);
    // reset → Idle → start BiSb → Execute (each command's outcome read on screen).
    await driveToExecute();
    const before = await webTemp();
    let peak = before;
    for (let attempt = 1; ; attempt++) {
      try {
        await waitLine("the web temperature above 1000 K on the HTR display", 60_000, async () => {
          if ((await packml()) !== "Execute") throw new Error(`line left Execute: ${await lineNow()}`);
          peak = Math.max(peak, await webTemp());
          return peak > 1000;
        });
        break;
      } catch (err) {
        if (attempt >= 3) throw err;
        console.log(`      ${(err as Error).message}; again`);
        await driveToExecute();
      }
    }
    console.log(`      web temperature on the HTR display: ${before.toFixed(0)} K → ${peak.toFixed(0)} K`);
    assert.ok(before < 600, `started cold (${before} K)`);
    // Into the hold for the picture: the chart shows ramp, band and trace, the pulse held in the band a while (unless the line left Execute).
    const heldS = async () => Number(/held (\d+(?:[.,]\d+)?) s/.exec((await page.getByTestId("thermal-profile-figures").textContent()) ?? "")?.[1]?.replace(",", ".") ?? 0);
    await waitLine("the pulse 2.5 s into its hold on the chart", 60_000, async () => (await heldS()) >= 2.5 || (await packml()) !== "Execute");
    assert.match((await page.getByTestId("thermal-profile-figures").textContent()) ?? "", /BiSb: peak 1340 ± 15 K/);
    assert.equal(await page.getByTestId("thermal-profile-chart").locator("canvas").count(), 1);
    await shot("03-htr-execute");
  });

  it("operator: Abort from the header of another display (the alarm page) takes the running line to Aborted, heater off, audited", async () => {
    if ((await packml()) !== "Execute") {
      await go("#/station/htr");
      await driveToExecute();
    }
    await go("#/alarms");
    await page.getByTestId("header-cmd-abort").click();
    await waitLine("Aborted after the header's Abort", 15_000, async () => (await packml()) === "Aborted");
    assert.match((await page.getByTestId("header-stop-result").textContent()) ?? "", /abort accepted/);
    const heater = (await engineer.getJson("/api/tags/htr.heater_enable")) as { value: unknown };
    assert.equal(heater.value, false, "heater off");
    const audit = (await engineer.getJson("/api/audit?action=line.command&user=operator1&limit=5")) as { records: { newValue: { command?: string }; result: string }[] };
    assert.ok(audit.records.some((r) => r.newValue.command === "abort" && r.result === "ok"), "the abort is in the audit trail");
  });

  it("a web break (engineer, REST fault) shows the first-out banner and a new critical alarm", async () => {
    await go("#/overview");
    await page.getByTestId("mimic").waitFor();
    if ((await packml()) !== "Execute") {
      await go("#/station/htr");
      await driveToExecute();
      await go("#/overview");
      await page.getByTestId("mimic").waitFor();
    }
    const r = await engineer.post("/api/sim/faults/web-break", { active: true });
    assert.equal(r.status, 200, await r.text());
    const banner = page.getByTestId("first-out-banner");
    await banner.waitFor({ state: "visible", timeout: 15_000 });
    await waitLine("first-out IL-06", 10_000, async () => (await page.getByTestId("first-out-id").textContent()) === "IL-06");
    assert.match((await page.getByTestId("first-out-title").textContent()) ?? "", /[Ww]eb break/);
    assert.match((await page.getByTestId("first-out-cause").textContent()) ?? "", /cause: \S/);
    await waitFor("critical alarm counted", 10_000, async () => Number(await page.getByTestId("alarm-count-critical").getAttribute("data-count")) > 0, 50);
    await waitLine("the header showing the trip's end state (Aborted)", 15_000, async () => (await packml()) === "Aborted");
    await shot("04-overview-web-break-first-out");
  });

  it("the alarm summary lists IL-06-TRIP unacknowledged; Ack acknowledges it", async () => {
    await page.getByTestId("alarm-banner").click();
    const row = page.getByTestId("alarm-row-IL-06-TRIP");
    await row.waitFor({ timeout: 10_000 });
    assert.equal(await row.getAttribute("data-state"), "unack-active");
    await page.getByTestId("alarm-ack-IL-06-TRIP").click();
    await waitFor("ack done", 10_000, async () => /ack IL-06-TRIP: done/.test((await page.getByTestId("alarm-result").textContent()) ?? ""), 100);
    await waitFor("row acknowledged", 10_000, async () => (await row.getAttribute("data-state")) === "ack-active", 50);
    const alarms = (await engineer.getJson("/api/alarms")) as { alarms: { id: string; state: string; ackedBy: string | null }[] };
    const il06 = alarms.alarms.find((a) => a.id === "IL-06-TRIP")!;
    assert.equal(il06.state, "ack-active");
    assert.match(String(il06.ackedBy), /operator1/);
    await shot("05-alarms-acked");
  });

  it("the interlock matrix marks IL-06 tripped and first-out", async () => {
    await go("#/interlocks");
    const row = page.getByTestId("il-row-IL-06");
    await row.waitFor();
    await waitFor("IL-06 first-out row", 10_000, async () => (await row.getAttribute("data-first-out")) === "true", 50);
    assert.match(String(await row.getAttribute("data-state")), /tripped|latched/);
    await shot("06-interlocks-first-out");
  });

  it("viewer: no line commands on the HTR display; an operation sent on the viewer's session is refused and audited", async () => {
    await logOut();
    await logIn("viewer1", PASSWORDS.viewer1);
    await go("#/station/htr");
    await page.getByTestId("line-commands").waitFor();
    assert.equal(await page.getByTestId("cmd-start").count(), 0);
    assert.equal(await page.getByTestId("cmd-stop").count(), 0);
    assert.equal(await page.getByTestId("header-cmd-stop").count(), 0, "no Stop in the viewer's header");
    assert.equal(await page.getByTestId("no-commands").isVisible(), true);
    await shot("07-htr-viewer");

    const cookie = (await context.cookies(url)).find((c) => c.name === "htr_session");
    assert.ok(cookie, "the browser holds the viewer's session cookie");
    const socket = connect(url, { forceNew: true, reconnection: false, transports: ["websocket"], extraHeaders: { cookie: `${cookie.name}=${cookie.value}` } });
    try {
      await new Promise<void>((res, rej) => {
        socket.once("connect", () => res());
        socket.once("connect_error", rej);
      });
      const ack = await new Promise<Ack>((res) => socket.emit("operate", { op: "line.command", input: { command: "start", recipe: "BiSb" } }, res));
      assert.equal(ack.ok, false);
      if (!ack.ok) assert.match(`${ack.error.code} ${ack.error.message}`, /FORBIDDEN|permission/i);
    } finally {
      socket.disconnect();
    }
    const audit = (await admin.getJson("/api/audit?user=viewer1&result=refused")) as { records: { action: string; target: string; result: string; role: string; resultReason: string }[] };
    const refused = audit.records.find((r) => r.action === "line.command");
    assert.ok(refused, `a refused line.command by viewer1 in the audit trail: ${JSON.stringify(audit.records)}`);
    assert.equal(refused.role, "viewer");
    assert.match(refused.resultReason, /FORBIDDEN/);
  });

  it("admin: a signed bypass from the interlock matrix (wrong password refused in the dialog, then accepted)", async () => {
    await logOut();
    await logIn("admin", TEST_ADMIN_PASSWORD);
    await go("#/interlocks");
    await page.getByTestId("il-bypass-IL-10").click();
    const dialog = page.getByTestId("signature-dialog");
    await dialog.waitFor();
    await page.getByTestId("sig-minutes").fill("15");
    await page.getByTestId("sig-reason").fill("tank level transmitter being recalibrated");
    await page.getByTestId("sig-password").fill("wrong-password-123");
    await page.getByTestId("sig-submit").click();
    await page.getByTestId("sig-error").waitFor();
    assert.match((await page.getByTestId("sig-error").textContent()) ?? "", /Refused: .*signature/i);
    await page.getByTestId("sig-password").fill(TEST_ADMIN_PASSWORD);
    await page.getByTestId("sig-submit").click();
    await dialog.waitFor({ state: "detached", timeout: 10_000 });
    await waitFor("IL-10 bypassed", 10_000, async () => (await page.getByTestId("il-row-IL-10").getAttribute("data-state")) === "bypassed", 50);
    assert.match((await page.getByTestId("il-state-IL-10").textContent()) ?? "", /BYPASSED by admin/);
    await shot("08-interlocks-bypassed");
  });

  it("admin: the audit viewer shows the viewer's refusal and the signed bypass, and the chain verifies", async () => {
    await go("#/audit");
    await page.getByTestId("audit-action").selectOption("interlock.bypass");
    await page.getByTestId("audit-result").selectOption("ok");
    await page.getByTestId("audit-search").click();
    const signed = page.locator('[data-testid^="audit-row-"][data-action="interlock.bypass"][data-result="ok"]');
    await waitFor("the signed bypass listed", 10_000, async () => (await signed.count()) === 1, 50);
    assert.match((await signed.locator('[data-testid^="audit-signature-"]').textContent()) ?? "", /admin — Approved/);
    await page.getByTestId("audit-action").selectOption("");
    await page.getByTestId("audit-user").fill("viewer1");
    await page.getByTestId("audit-result").selectOption("refused");
    await page.getByTestId("audit-search").click();
    await waitFor("the refused record listed", 10_000, async () => (await page.locator('[data-testid^="audit-row-"][data-action="line.command"][data-result="refused"]').count()) > 0, 50);
    await page.getByTestId("audit-verify").click();
    await waitFor("verdict", 10_000, async () => (await page.getByTestId("audit-verdict").getAttribute("data-ok")) !== null, 50);
    assert.equal(await page.getByTestId("audit-verdict").getAttribute("data-ok"), "true", (await page.getByTestId("audit-verdict").textContent()) ?? "");
    await shot("09-audit-refused-verified");
  });

  it("admin: users page adds a user, changes its role and disables it", async () => {
    await go("#/users");
    await page.getByTestId("new-user-name").fill("qa1");
    await page.getByTestId("new-user-role").selectOption("qa");
    await page.getByTestId("new-user-password").fill("Harbor-Violet-6621");
    await page.getByTestId("new-user-submit").click();
    const row = page.getByTestId("user-row-qa1");
    await row.waitFor({ timeout: 10_000 });
    await page.getByTestId("user-role-qa1").selectOption("viewer");
    await waitFor("role changed", 10_000, async () => /role of qa1 → viewer: done/.test((await page.getByTestId("users-result").textContent()) ?? ""), 100);
    await page.getByTestId("user-toggle-qa1").click();
    await waitFor("disabled", 10_000, async () => /DISABLED/.test((await page.getByTestId("user-row-qa1").textContent()) ?? ""), 100);
    const users = (await admin.getJson("/api/users")) as { users: { name: string; role: string; disabled: boolean }[] };
    assert.deepEqual(users.users.find((u) => u.name === "qa1") && { role: users.users.find((u) => u.name === "qa1")!.role, disabled: users.users.find((u) => u.name === "qa1")!.disabled }, { role: "viewer", disabled: true });
    await shot("10-users");
  });

  it("the server gone: connection banner, every value stale", async () => {
    await go("#/overview");
    await page.getByTestId("mimic").waitFor();
    await runtime.stop();
    await page.getByTestId("connection-banner").waitFor({ state: "visible", timeout: 10_000 });
    assert.match((await page.getByTestId("connection-banner").textContent()) ?? "", /Connection lost — values stale/);
    await waitFor("mimic values stale", 5000, async () => (await page.getByTestId("mimic-value-htr.web_temp").getAttribute("data-stale")) === "true", 50);
    await shot("11-connection-lost");
  });
});
