import assert from "node:assert/strict";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Page, WebSocket } from "playwright-core";
import type { Runtime } from "../../src/runtime/runtime-options.js";
import { type ApiClient, TEST_ADMIN_PASSWORD, adminClient, apiClient, newUserClient, setSimFault } from "../helpers/api-client.js";
import { HMI_ARTIFACTS as ARTIFACTS, type TestBrowser, ensureHmiBuilt, hmiGo, hmiLogIn, hmiLogOut, launchChromium } from "../helpers/hmi-browser.js";
import { type TestConfig, realConfigOnFreePorts } from "../helpers/test-config.js";
import { waitFor } from "../helpers/wait-for.js";
import { testRuntime, waitForTagsGood } from "../helpers/test-runtime.js";

const PASSWORDS = { operator1: "Kiln-Orange-4417", viewer1: "Meadow-Signal-8053" };

interface AlarmRow {
  id: string;
  state: string;
  ackedBy: string | null;
}
interface AuditRow {
  action: string;
  target: string;
  user: string;
  result: string;
}

/**
 * The operator HMI in Chromium against a real runtime on the virtual plant with the historian on (a managed
 * private influxd, CQs every second): an operator acknowledges the whole alarm page at once (one audit record
 * per alarm), reads the e-stop's transitions in the alarm history and the KPIs, trends two tags, zooms by
 * dragging and downloads the CSV; a viewer gets no page acknowledgement. Then, on a runtime with a 4 s idle
 * timeout, a session left alone lands on the login page with the reason, its socket closed.
 * Screenshots in test-artifacts/hmi (hist-*.png).
 */
describe("e2e: the HMI in Chromium with the historian: page acknowledgement, alarm history and KPIs, trends, session expiry", function () {
  this.timeout(300_000);
  let tc: TestConfig;
  let runtime: Runtime;
  let disposeRuntime: () => Promise<void>;
  let url: string;
  let browser: TestBrowser | undefined;
  let page: Page;
  let admin: ApiClient;
  /** From when the historian records. */
  let tData = 0;
  /** The alarms the page acknowledgement sent (by the operator). */
  let acked: string[] = [];

  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `hist-${name}.png`), fullPage: true });
  const go = (hash: string) => hmiGo(page, hash);
  const logIn = (base: string, user: string, password: string) => hmiLogIn(page, base, user, password);
  const logOut = () => hmiLogOut(page);
  const alarms = async () => (await admin.getJson<{ alarms: AlarmRow[] }>("/api/alarms")).alarms;
  const alarm = async (id: string) => (await alarms()).find((a) => a.id === id)!;
  const fault = (name: string, active: boolean) => setSimFault(admin, name, active);
  const dataset = (testid: string) => page.getByTestId(testid).evaluate((el) => ({ ...(el as HTMLElement).dataset }));

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    ensureHmiBuilt();
    tc = await realConfigOnFreePorts();
    ({ runtime, dispose: disposeRuntime } = testRuntime(tc, {
      historian: "auto",
      historianTuning: { cqRunInterval: "1s", cq1s: { every: "1s", for: "30s" }, cq1m: { every: "10s", for: "5m" }, flushIntervalMs: 200 },
    }));
    ({ url } = await runtime.start());
    await waitForTagsGood(runtime, 20_000);
    await waitFor("managed historian online", 20_000, () => runtime.historian?.status().online === true && runtime.historian.status().schemaReady, 100);
    assert.equal(runtime.historian!.status().mode, "managed");
    tData = Date.now();
    admin = await adminClient(url);
    await newUserClient(admin, "operator1", "operator", PASSWORDS.operator1);
    await newUserClient(admin, "viewer1", "viewer", PASSWORDS.viewer1);
    browser = await launchChromium({ acceptDownloads: true });
    ({ page } = browser);
  });

  after(async () => {
    await browser?.close();
    await disposeRuntime?.();
    if (tc?.dir) rmSync(tc.dir, { recursive: true, force: true });
  });

  it("operator: 'Acknowledge all shown' asks first (Cancel sends nothing), then acknowledges every unacknowledged alarm listed, one alarm.ack audit record each", async () => {
    // An e-stop pressed and released (REST, admin): HTR-ESTOP returns unacknowledged, beside what boot left.
    await fault("estop", true);
    await waitFor("HTR-ESTOP unack-active", 10_000, async () => (await alarm("HTR-ESTOP")).state === "unack-active", 100);
    await fault("estop", false);
    await waitFor("HTR-ESTOP rtn-unack", 10_000, async () => (await alarm("HTR-ESTOP")).state === "rtn-unack", 100);

    await logIn(url, "operator1", PASSWORDS.operator1);
    await go("#/alarms");
    const button = page.getByTestId("alarms-ack-page");
    await waitFor("HTR-ESTOP listed", 10_000, async () => (await page.getByTestId("alarm-row-HTR-ESTOP").count()) === 1, 50);
    const unacked = async () => (await alarms()).filter((a) => a.state === "unack-active" || a.state === "rtn-unack").map((a) => a.id);
    // The button counts what the server calls unacknowledged (boot transients may still be settling: both read again).
    let unackedNow: string[] = [];
    let shownCount = -1;
    await waitFor("the button's count = the server's unacknowledged alarms", 10_000, async () => {
      unackedNow = await unacked();
      shownCount = Number(await button.getAttribute("data-count"));
      return shownCount === unackedNow.length;
    }, 100);
    console.log(`      ${shownCount} unacknowledged alarms shown: ${unackedNow.join(", ")}`);
    assert.ok(shownCount >= 2, `several unacknowledged alarms on the page (${shownCount})`);

    // Cancel: nothing sent.
    await button.click();
    await page.getByTestId("ack-page-form").waitFor();
    await page.getByTestId("ack-page-cancel").click();
    await page.getByTestId("ack-page-form").waitFor({ state: "hidden" });
    await page.waitForTimeout(300); // nothing more happens: no acknowledgement sent in 300 ms after Cancel
    assert.equal((await admin.getJson<{ records: AuditRow[] }>("/api/audit?user=operator1&action=alarm.ack")).records.length, 0, "Cancel acknowledged nothing");

    // Ask again, confirm: the question names the count and the alarms.
    await button.click();
    const form = page.getByTestId("ack-page-form");
    await form.waitFor();
    const asked = Number(await form.getAttribute("data-count"));
    const question = (await page.getByTestId("ack-page-question").textContent()) ?? "";
    assert.match(question, new RegExp(`Acknowledge the ${asked} unacknowledged alarms shown \\(.*HTR-ESTOP.*\\)\\?`));
    acked = /\(([^)]*)\)\?/.exec(question)![1]!.split(", ");
    assert.equal(acked.length, asked);
    await shot("01-ack-page-confirm");
    await page.getByTestId("ack-page-confirm").click();
    const result = page.getByTestId("alarm-result");
    await waitFor("page acknowledged", 20_000, async () => (await result.getAttribute("data-acked")) !== null, 50);
    const text = (await result.textContent()) ?? "";
    console.log(`      ${text}`);
    assert.equal(await result.getAttribute("data-refused"), "0", text);
    assert.equal(Number(await result.getAttribute("data-acked")), asked, text);
    assert.equal(text, `${asked} of ${asked} alarms acknowledged`);

    // The server: one alarm.ack record per alarm, by operator1, ok; the e-stop (fault cleared) back to normal.
    // (Another alarm may have come back since its ack — the plant's business; the records are the point.)
    const audit = (await admin.getJson<{ records: AuditRow[] }>("/api/audit?user=operator1&action=alarm.ack&limit=1000")).records;
    assert.deepEqual(audit.map((r) => r.target).sort(), [...acked].sort(), "one alarm.ack record per alarm");
    assert.ok(audit.every((r) => r.result === "ok" && r.user === "operator1"), JSON.stringify(audit));
    assert.equal((await alarm("HTR-ESTOP")).state, "normal");
    await waitFor("the button counts what is left", 10_000, async () => (await button.getAttribute("data-count")) === String((await unacked()).length), 50);
    await shot("02-ack-page-done");
  });

  it("alarm history: the e-stop's transitions, the acknowledgement naming operator1", async () => {
    await go("#/alarms/history");
    await page.getByTestId("ah-alarm").fill("HTR-ESTOP");
    const rows = async () =>
      page.locator('[data-testid="ah-table"] tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll("td"), (td) => td.textContent ?? "")));
    let table: string[][] = [];
    await waitFor("the ack in the alarm history", 15_000, async () => {
      await page.getByTestId("ah-load").click();
      await waitFor("the alarm history loaded", 10_000, async () => !/loading/.test((await page.getByTestId("ah-status").textContent()) ?? "loading"), 50);
      table = await rows();
      return table.some((r) => r[3] === "ack");
    });
    // Columns: Time, Alarm, Priority, Transition, From → to, Station, User, Value, Message (newest first).
    const transitions = table.map((r) => `${r[3]}:${r[4]}`).reverse();
    console.log(`      HTR-ESTOP history: ${transitions.join(" · ")}`);
    assert.ok(table.every((r) => r[1] === "HTR-ESTOP"), "filtered to the alarm");
    assert.ok(transitions.some((t) => /^activate:.*→ unack-active$/.test(t)), transitions.join(" "));
    assert.ok(transitions.some((t) => /→ rtn-unack$/.test(t)), transitions.join(" "));
    const ack = table.find((r) => r[3] === "ack")!;
    assert.equal(ack[6], "operator1 (operator)", "who acknowledged");
    assert.match(ack[4]!, /rtn-unack → normal/);
    assert.match((await page.getByTestId("ah-status").textContent()) ?? "", new RegExp(`^${table.length} events$`));
    await shot("03-alarm-history");
  });

  it("alarm KPIs: the figures, the priority split and the bad actors over the last hour", async () => {
    await go("#/alarms/kpis");
    await page.getByTestId("ak-from").selectOption("-1h");
    const count = page.getByTestId("ak-alarms");
    await waitFor("KPI figures", 15_000, async () => (await count.count()) === 1 && Number(await count.textContent()) > 0, 100);
    const kpis = await admin.getJson<{ alarms: number; priorities: Record<string, { count: number }> }>("/api/alarms/kpis?from=-1h");
    const figures = Object.fromEntries(
      await Promise.all(["ak-alarms", "ak-avg", "ak-max", "ak-flood", "ak-chattering", "ak-stale"].map(async (t) => [t, ((await page.getByTestId(t).textContent()) ?? "").trim()] as const)),
    );
    console.log(`      KPIs shown: ${JSON.stringify(figures)}`);
    assert.ok(Math.abs(Number(figures["ak-alarms"]) - kpis.alarms) <= 2, `alarm count as the API says (${figures["ak-alarms"]} vs ${kpis.alarms})`);
    assert.match(figures["ak-avg"]!, /^\d+([.,]\d+)?$/);
    assert.match(figures["ak-max"]!, /^\d+$/);
    assert.match(figures["ak-flood"]!, /^\d+([.,]\d+)? %$/);
    const body = (await page.getByTestId("ak-body").textContent()) ?? "";
    assert.match(body, /Priority distribution/);
    assert.match(body, /critical/);
    assert.match(body, /Bad actors/);
    await shot("04-alarm-kpis");
  });

  it("trends: htr.web_temp and htr.ar_flow over the last 5 min have points; dragging zooms in; the CSV downloads with a header and rows", async () => {
    // Enough history for a zoom that still has data in it: the condition is the clock itself (20 s recorded).
    await page.waitForTimeout(Math.max(0, tData + 20_000 - Date.now()));
    await go("#/trends");
    const host = page.getByTestId("trend-plot");
    await page.getByTestId("trend-tag-htr.web_temp").waitFor();
    await page.getByTestId("trend-range").selectOption("-5m");
    if (!(await page.getByTestId("trend-tag-htr.web_temp").isChecked())) await page.getByTestId("trend-tag-htr.web_temp").check();
    if (await page.getByTestId("trend-tag-htr.o2").isChecked()) await page.getByTestId("trend-tag-htr.o2").uncheck();
    await page.getByTestId("trend-tag-htr.ar_flow").check();
    await waitFor("two tags drawn", 15_000, async () => {
      const d = await dataset("trend-plot");
      return d.state === "ready" && d.tags === "htr.web_temp,htr.ar_flow" && Number(d.points) > 0;
    });
    const before = await dataset("trend-plot");
    console.log(`      trend: ${before.points} points, ${before.bucketMs} ms buckets over ${((Number(before.to) - Number(before.from)) / 1000).toFixed(0)} s`);
    assert.ok(Math.abs(Number(before.to) - Number(before.from) - 300_000) < 5000, "a 5 min window");
    assert.ok(Number(before.points) >= 20, `points drawn (${before.points})`);
    assert.equal(await host.locator("canvas").count(), 1, "uPlot drew on a canvas");
    assert.equal(await host.locator(".u-legend .u-series").count(), 3, "legend: time + two pens");
    assert.match((await page.getByTestId("trend-status").textContent()) ?? "", /buckets · drag to zoom/);
    await shot("05-trends");

    // Drag across the middle of the recorded stretch (x in the plot maps from..to linearly).
    const over = host.locator(".u-over");
    const box = (await over.boundingBox())!;
    const [from, to] = [Number(before.from), Number(before.to)];
    const recorded = { a: Math.max(from, tData), b: Math.min(to, Date.now()) };
    const xAt = (t: number) => box.x + ((t - from) / (to - from)) * box.width;
    const x1 = xAt(recorded.a + 0.25 * (recorded.b - recorded.a));
    const x2 = xAt(recorded.a + 0.75 * (recorded.b - recorded.a));
    const y = box.y + box.height / 2;
    await page.mouse.move(x1, y);
    await page.mouse.down();
    await page.mouse.move((x1 + x2) / 2, y, { steps: 5 });
    await page.mouse.move(x2, y, { steps: 5 });
    await page.mouse.up();
    await waitFor("zoomed window drawn", 15_000, async () => {
      const d = await dataset("trend-plot");
      return d.state === "ready" && d.from !== before.from && Number(d.to) - Number(d.from) < (to - from) / 2;
    });
    const zoomed = await dataset("trend-plot");
    const span = Number(zoomed.to) - Number(zoomed.from);
    const asked = ((x2 - x1) / box.width) * (to - from);
    console.log(`      zoomed: ${(span / 1000).toFixed(1)} s (dragged ${(asked / 1000).toFixed(1)} s), ${zoomed.points} points, ${zoomed.bucketMs} ms buckets`);
    assert.ok(Math.abs(span - asked) < Math.max(2000, asked * 0.1), `the window is what was dragged (${span} vs ${asked} ms)`);
    assert.ok(Number(zoomed.points) > 0, "the zoomed window has data");
    assert.ok(Number(zoomed.bucketMs) < Number(before.bucketMs), `finer buckets when zoomed (${zoomed.bucketMs} < ${before.bucketMs} ms)`);
    await shot("06-trends-zoomed");

    // CSV of what is shown, through the browser's download.
    const href = (await page.getByTestId("trend-csv").getAttribute("href")) ?? "";
    assert.match(href, new RegExp(`from=${Math.round(Number(zoomed.from))}.*format=csv`));
    const [download] = await Promise.all([page.waitForEvent("download", { timeout: 15_000 }), page.getByTestId("trend-csv").click()]);
    const csv = readFileSync((await download.path())!, "utf8").trim().split("\n");
    console.log(`      CSV ${download.suggestedFilename()}: ${csv.length} lines; ${csv[1]}`);
    assert.match(csv[0]!, /^tag,time,t_ms,value,min,max,quality/);
    assert.ok(csv.length > 5, `header and rows (${csv.length} lines)`);
    const tags = new Set(csv.slice(1).map((l) => l.split(",")[0]));
    // htr.web_temp changes all the time; htr.ar_flow is recorded on change only and may have none in a 10 s window.
    assert.ok(tags.has("htr.web_temp") && [...tags].every((t) => t === "htr.web_temp" || t === "htr.ar_flow"), [...tags].join(", "));
    const times = csv.slice(1).map((l) => Number(l.split(",")[2]));
    assert.ok(times.every((t) => t >= Number(zoomed.from) - Number(zoomed.bucketMs) && t <= Number(zoomed.to)), "rows inside the zoomed window");
  });

  it("viewer: the alarm page has no page acknowledgement (no alarms:ack)", async () => {
    await logOut();
    await logIn(url, "viewer1", PASSWORDS.viewer1);
    await go("#/alarms");
    await page.getByTestId("alarms-page").waitFor();
    await page.getByTestId("alarm-rows").waitFor();
    assert.equal(await page.getByTestId("alarms-ack-page").count(), 0);
    assert.equal(await page.getByTestId("ack-page-form").count(), 0);
    await logOut();
  });

  it("lockout: five wrong passwords → the login page says until when; admin's Users page shows LOCKED and 'Unlock (enable)' lifts it", async () => {
    await newUserClient(admin, "locked1", "operator", "Copper-Lantern-3381");
    await page.goto(`${url}/`);
    await page.getByTestId("login-user").fill("locked1");
    const answers: number[] = [];
    for (let i = 0; i < 5; i++) {
      await page.getByTestId("login-password").fill(`wrong-password-${i}`);
      const [res] = await Promise.all([page.waitForResponse((r) => r.url().endsWith("/api/login")), page.getByTestId("login-submit").click()]);
      answers.push(res.status());
    }
    assert.deepEqual(answers, [401, 401, 401, 401, 423], "the fifth failure locks the name");
    const error = page.getByTestId("login-error");
    await waitFor("lockout shown", 5000, async () => (await error.getAttribute("data-locked-until")) !== null, 50);
    const until = Number(await error.getAttribute("data-locked-until"));
    assert.ok(until > Date.now() + 14 * 60_000 && until < Date.now() + 16 * 60_000, `locked for 15 min (${new Date(until).toISOString()})`);
    const text = (await error.textContent()) ?? "";
    // The lock end in the browser's local time, as the page formats it (no named helpers inside evaluate: tsx adds __name).
    const local = await page.evaluate((t) => [new Date(t).getHours(), new Date(t).getMinutes(), new Date(t).getSeconds()].map((n) => String(n).padStart(2, "0")).join(":"), until);
    console.log(`      ${text}`);
    assert.match(text, new RegExp(`^Locked after too many failed logins\\. Try again after \\d{4}-\\d\\d-\\d\\d ${local} \\(in 1[45] min\\)`));
    // Even the right password is refused while locked, with the same lock end.
    await page.getByTestId("login-password").fill("Copper-Lantern-3381");
    const [locked] = await Promise.all([page.waitForResponse((r) => r.url().endsWith("/api/login")), page.getByTestId("login-submit").click()]);
    assert.equal(locked.status(), 423);
    await shot("09-login-locked");

    await logIn(url, "admin", TEST_ADMIN_PASSWORD);
    await go("#/users");
    const row = page.getByTestId("user-row-locked1");
    await row.waitFor({ timeout: 10_000 });
    assert.equal(await row.getAttribute("data-locked"), "true");
    assert.match((await page.getByTestId("user-state-locked1").textContent()) ?? "", new RegExp(`^LOCKED until .*${local}$`));
    await shot("10-users-locked");
    await page.getByTestId("user-unlock-locked1").click();
    await waitFor("unlocked", 10_000, async () => /unlock locked1: done/.test((await page.getByTestId("users-result").textContent()) ?? ""), 50);
    await waitFor("row not locked", 10_000, async () => (await row.getAttribute("data-locked")) === "false", 50);
    assert.equal((await page.getByTestId("user-state-locked1").textContent())?.trim(), "enabled");
    assert.equal(await page.getByTestId("user-unlock-locked1").count(), 0);
    const change = (await admin.getJson<{ records: (AuditRow & { oldValue: Record<string, unknown>; newValue: Record<string, unknown> })[] }>("/api/audit?action=user.change&target=locked1")).records.find((r) => r.oldValue && "lockedUntil" in r.oldValue);
    assert.ok(change, "the unlock is recorded");
    assert.equal(change.oldValue.lockedUntil, until, JSON.stringify(change));
    assert.equal(change.newValue.lockedUntil, null);
    await apiClient(url, "locked1", "Copper-Lantern-3381"); // logs in again
    await logOut();
  });

  it("session expiry (idle 4 s, another runtime): back to the login page with the reason, the socket closed", async () => {
    const IDLE_MS = 4000;
    const tc2 = await realConfigOnFreePorts();
    const short = testRuntime(tc2, { auth: { idleTimeoutMs: IDLE_MS } });
    try {
      // Same host as the first runtime (cookies are per host, not port): its session was logged out above.
      const base = (await short.runtime.start()).url;
      await waitForTagsGood(short.runtime, 20_000);
      const admin2 = await adminClient(base);
      await newUserClient(admin2, "operator1", "operator", PASSWORDS.operator1);
      const sockets: WebSocket[] = [];
      const onSocket = (ws: WebSocket) => sockets.push(ws);
      page.on("websocket", onSocket);
      try {
        await logIn(base, "operator1", PASSWORDS.operator1);
        const me = await page.evaluate(async () => (await (await fetch("/api/me")).json()) as { idleTimeoutMs: number });
        assert.equal(me.idleTimeoutMs, IDLE_MS);
        const ws = sockets.find((s) => s.url().includes("/socket.io/") && !s.isClosed());
        assert.ok(ws, `the HMI's socket.io websocket (${sockets.map((s) => s.url()).join(", ")})`);
        const closed = new Promise<number>((res) => ws.once("close", () => res(Date.now())));
        const t0 = Date.now();
        await page.getByTestId("mimic").waitFor();
        await shot("07-before-idle");
        // Nothing done: the gateway ends the session after the idle timeout and closes the socket.
        await page.getByTestId("login-reason").waitFor({ timeout: IDLE_MS + 10_000 });
        const landed = Date.now() - t0;
        assert.equal(await page.getByTestId("login-form").isVisible(), true);
        assert.equal(await page.getByTestId("login-reason").getAttribute("data-reason"), "idle-timeout");
        assert.match((await page.getByTestId("login-reason").textContent()) ?? "", /Session ended: .*idle timeout/);
        const closedAt = await Promise.race([closed, new Promise<number>((_, rej) => setTimeout(() => rej(new Error("the websocket was not closed")), 5000))]);
        console.log(`      login page ${landed} ms after the last activity (idle ${IDLE_MS} ms); websocket closed at +${closedAt - t0} ms`);
        assert.ok(landed >= IDLE_MS - 1500, `not before the idle timeout (${landed} ms)`);
        // The server agrees: no socket left, and the session cookie is refused.
        const admin3 = await apiClient(base, "admin", TEST_ADMIN_PASSWORD);
        const metrics = await (await admin3.get("/metrics")).text();
        assert.match(metrics, /^scada_socket_connected 0$/m);
        assert.equal(await page.evaluate(async () => (await fetch("/api/line")).status), 401);
        await shot("08-session-expired");
        // Logging in again works from there.
        await page.getByTestId("login-user").fill("operator1");
        await page.getByTestId("login-password").fill(PASSWORDS.operator1);
        await page.getByTestId("login-submit").click();
        await page.getByTestId("header-user").filter({ hasText: "operator1" }).waitFor({ timeout: 10_000 });
      } finally {
        page.off("websocket", onSocket);
      }
    } finally {
      await short.dispose();
      rmSync(tc2.dir, { recursive: true, force: true });
    }
  });
});
