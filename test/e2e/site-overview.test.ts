import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import { get as sparkplugPayload } from "sparkplug-payload";
import { adminClient, setSimFault, TEST_ADMIN_PASSWORD } from "../helpers/api-client.js";
import { type Child, spawnScada } from "../helpers/child-process.js";
import { freePort } from "../helpers/free-port.js";
import { HMI_ARTIFACTS, type TestBrowser, launchChromium } from "../helpers/hmi-browser.js";
import { influxCsvRows, startTestInfluxd, type TestInfluxd } from "../helpers/influxd.js";
import { startTestMosquitto, type TestMosquitto } from "../helpers/mosquitto.js";
import { waitFor } from "../helpers/wait-for.js";

const spB = sparkplugPayload("spBv1.0")!;
const LINES = ["htr-line-1", "htr-line-2", "htr-line-3"] as const;

interface SiteJson {
  broker: { connected: boolean };
  lines: { id: string; status: string; state: string | null; firstOut: string; tripped: string[]; trippedSince: number | null; diedAt: number | null; hmiUrl: string | null; speed: { value: number | null } }[];
  counters: { malformed: number };
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * A site of three virtual lines on one machine, as `npm run site:demo` starts it (`htr-scada site-demo`: the
 * site overview, then each line as its own `htr-scada start --sim` with its own virtual plant, config and data
 * directory), on a real mosquitto and one real influxd of the test's own, watched by an independent Sparkplug
 * host (mqtt + Eclipse Tahu's decoder) and by the overview's page in headless Chromium: three lines online with
 * their states; an e-stop on one line shown by the overview within 1 s of the line latching the trip; SIGKILL of
 * another line → offline (the NDEATH will); every line writing to the one InfluxDB under its `line` tag; SIGTERM
 * of the launcher → no process left.
 */
describe("e2e: a site of three virtual lines and its overview (real mosquitto, influxd, Chromium)", function () {
  this.timeout(240_000);
  let broker: TestMosquitto;
  let influxd: TestInfluxd;
  let host: MqttClient;
  let demo: Child | undefined;
  let browser: TestBrowser | undefined;
  let dir: string;
  let overviewUrl: string;
  const ports: Record<string, { http: number; opcua: number; modbus: number }> = {};
  const seen: { type: string; node: string; at: number; bdSeq?: number }[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "site-e2e-"));
    [broker, influxd] = await Promise.all([startTestMosquitto(), startTestInfluxd()]);
    host = await mqtt.connectAsync(broker.url, { clientId: `e2e-independent-host-${process.pid}` });
    host.on("message", (topic, bytes) => {
      const [, , type, node] = topic.split("/");
      const p = spB.decodePayload(new Uint8Array(bytes));
      const bd = p.metrics?.find((m) => m.name === "bdSeq")?.value;
      seen.push({ type: type!, node: node!, at: Date.now(), ...(bd === undefined ? {} : { bdSeq: Number(bd) }) });
    });
    await host.subscribeAsync("spBv1.0/#", { qos: 1 });
    for (const id of LINES) ports[id] = { http: await freePort(), opcua: await freePort(), modbus: await freePort() };
    const overviewPort = await freePort();
    overviewUrl = `http://127.0.0.1:${overviewPort}`;
    const lines = LINES.map((id, i) => `  - { id: ${id}, name: Line ${i + 1}, httpPort: ${ports[id]!.http}, plant: { opcuaPort: ${ports[id]!.opcua}, modbusPort: ${ports[id]!.modbus} } }`);
    writeFileSync(
      join(dir, "site.yaml"),
      [
        "site:",
        "  id: e2e-site",
        "  name: E2E site",
        `  brokerUrl: ${broker.url}`,
        "  groupId: e2e-site",
        `  influxUrl: ${influxd.url}/htr`,
        `  baseConfigDir: ${resolve("plc-config")}`,
        `  overview: { port: ${overviewPort} }`,
        "lines:",
        ...lines,
        "",
      ].join("\n"),
    );
  });

  after(async () => {
    await browser?.close();
    await demo?.kill("SIGTERM", 30_000);
    // Whatever the test did not get to: no line may outlive it.
    for (const id of LINES) {
      const pidFile = join(dir, "var", "lines", id, "data", "scada.pid");
      const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, "utf8").trim()) : NaN;
      if (Number.isInteger(pid) && alive(pid)) process.kill(pid, "SIGKILL");
    }
    await host?.endAsync();
    await broker?.cleanup();
    await influxd?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it("three lines online; a trip on one shown within 1 s; a killed line offline; one InfluxDB with the line tag; nothing left after SIGTERM", async () => {
    const t0 = Date.now();
    demo = spawnScada(["site-demo", "--config", join(dir, "site.yaml"), "--data", join(dir, "var"), "--external-broker"], { SCADA_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD });
    await demo.waitForOutput("HTR site demo ready", 180_000);
    console.log(`      site of three lines up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const site = async (): Promise<SiteJson> => (await fetch(`${overviewUrl}/api/site`)).json() as Promise<SiteJson>;
    const line = (s: SiteJson, id: string) => s.lines.find((l) => l.id === id)!;

    // Three lines online with their PackML states, each with a link into its own HMI.
    await waitFor("three lines online with a state", 20_000, async () => {
      const s = await site();
      return LINES.every((id) => line(s, id).status === "online" && line(s, id).state !== null);
    }, { observe: site });
    const s1 = await site();
    assert.equal(s1.broker.connected, true);
    assert.deepEqual(s1.lines.map((l) => l.id), [...LINES]);
    for (const id of LINES) assert.equal(line(s1, id).hmiUrl, `http://127.0.0.1:${ports[id]!.http}/`);
    assert.ok(!line(s1, "htr-line-2").tripped.includes("IL-01"), "no e-stop trip before the fault");
    const bootTrips = LINES.filter((id) => line(s1, id).tripped.length > 0).map((id) => `${id}: ${line(s1, id).tripped.join(",")}`);
    if (bootTrips.length > 0) console.log(`      trips latched at start-up: ${bootTrips.join("; ")}`);
    // The independent host saw each line's birth.
    for (const id of LINES) assert.ok(seen.some((m) => m.type === "NBIRTH" && m.node === id), `NBIRTH of ${id}`);

    browser = await launchChromium();
    const page = browser.page;
    await page.goto(`${overviewUrl}/`);
    await page.waitForSelector('#feed[data-live="true"]', { timeout: 10_000 });
    await waitFor("three online tiles on the page", 10_000, async () => (await page.locator('[data-line][data-status="online"]').count()) === 3);
    assert.equal(await page.locator('[data-line="htr-line-2"] [data-field="hmi"]').getAttribute("href"), `http://127.0.0.1:${ports["htr-line-2"]!.http}/`);

    // An e-stop at line 2's virtual plant: IL-01 trips (and aborts the line).
    const line2 = await adminClient(`http://127.0.0.1:${ports["htr-line-2"]!.http}`);
    // A trip latched before the fault (an IL-08 of a stall while the next line started, on a busy machine) is
    // the line's matter: reset it, so the e-stop is the first-out and its latency is measured from a clean line.
    const resetLine2 = async (why: string): Promise<void> => {
      console.log(`      line 2 had latched ${line(await site(), "htr-line-2").tripped.join(", ")} ${why}: reset`);
      // On a machine busy with other tests another stall may trip it again: reset until it stays reset.
      let lastReset = 0;
      await waitFor("line 2 untripped on the overview", 30_000, async () => {
        if (line(await site(), "htr-line-2").tripped.length === 0) return true;
        if (Date.now() - lastReset > 2000) {
          lastReset = Date.now();
          await (await line2.post("/api/interlocks/reset", {})).text();
        }
        return false;
      }, { observe: async () => ({ overview: line(await site(), "htr-line-2"), line: await line2.getJson("/api/interlocks") }) });
    };
    if (line(await site(), "htr-line-2").tripped.length > 0) await resetLine2("before the fault");
    let injected = 0;
    let apiSaw = 0;
    let latchedAt = 0;
    let pageSawTrip: Promise<number> = Promise.resolve(0);
    // Up to three tries: on a machine busy with the whole suite, a stall's IL-08 latched just before the e-stop
    // once made IL-08 the first-out (seen in CI); the e-stop is then cleared, the line reset, and it is tried again.
    for (let attempt = 1; ; attempt++) {
      await page.waitForSelector('[data-line="htr-line-2"][data-tripped="false"][data-status="online"]', { timeout: 10_000 });
      // The page notes the time it draws line 2 tripped (same machine clock as the line's), without Playwright's polling in between.
      await page.evaluate(() => {
        const w = window as unknown as { trippedAt?: number };
        delete w.trippedAt;
        new MutationObserver((_m, obs) => {
          if (document.querySelector('[data-line="htr-line-2"][data-tripped="true"]')) {
            w.trippedAt = Date.now();
            obs.disconnect();
          }
        }).observe(document.getElementById("lines")!, { childList: true, subtree: true, attributes: true });
      });
      pageSawTrip = page.waitForSelector('[data-line="htr-line-2"][data-tripped="true"]', { timeout: 15_000 }).then(() => Date.now());
      injected = Date.now();
      await setSimFault(line2, "estop", true);
      await waitFor("the overview showing line 2 tripped", 10_000, async () => line(await site(), "htr-line-2").tripped.includes("IL-01"), { everyMs: 10 });
      apiSaw = Date.now();
      const il = (await line2.getJson("/api/interlocks")) as { firstOut: { interlock: string; at: number } | null };
      if (il.firstOut?.interlock === "IL-01" || attempt === 3) {
        assert.equal(il.firstOut?.interlock, "IL-01");
        latchedAt = il.firstOut!.at;
        break;
      }
      await pageSawTrip;
      await setSimFault(line2, "estop", false);
      await resetLine2(`(first-out ${il.firstOut?.interlock} ${il.firstOut ? il.firstOut.at - injected : "?"} ms after the e-stop was asked for, try ${attempt})`);
    }
    const s2 = await site();
    const l2 = line(s2, "htr-line-2");
    assert.equal(l2.firstOut, "IL-01");
    const playwrightSaw = await pageSawTrip;
    const drawnAt = await page.evaluate(() => (window as unknown as { trippedAt?: number }).trippedAt ?? null);
    assert.ok(drawnAt !== null, "the page drew line 2 tripped");
    const figures = {
      latchedAfterInjectMs: latchedAt - injected,
      overviewReceivedMs: l2.trippedSince! - latchedAt,
      apiPollMs: apiSaw - latchedAt,
      pageDrawnMs: drawnAt - latchedAt,
      playwrightSawMs: playwrightSaw - latchedAt,
    };
    console.log(`      trip latched by line 2 → shown by the overview: ${JSON.stringify(figures)}`);
    assert.ok(figures.overviewReceivedMs <= 1000, `overview received the trip ${figures.overviewReceivedMs} ms after it was latched`);
    assert.ok(figures.apiPollMs <= 1000, `/api/site showed the trip ${figures.apiPollMs} ms after it was latched`);
    assert.ok(figures.pageDrawnMs <= 1000, `the page drew the trip ${figures.pageDrawnMs} ms after it was latched`);
    await waitFor("line 2 Aborted on the overview", 10_000, async () => line(await site(), "htr-line-2").state === "Aborted");
    for (const id of ["htr-line-1", "htr-line-3"]) assert.ok(!line(await site(), id).tripped.includes("IL-01"), `${id} is not tripped by line 2's e-stop`);
    mkdirSync(HMI_ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(HMI_ARTIFACTS, "site-overview-trip.png"), fullPage: true });

    // SIGKILL of line 3: the broker publishes its NDEATH will; the overview shows it offline.
    const pid3 = Number(readFileSync(join(dir, "var", "lines", "htr-line-3", "data", "scada.pid"), "utf8").trim());
    const bdSeq3 = seen.filter((m) => m.type === "NBIRTH" && m.node === "htr-line-3").at(-1)?.bdSeq;
    const killedAt = Date.now();
    process.kill(pid3, "SIGKILL");
    await waitFor("line 3 offline on the overview", 10_000, async () => line(await site(), "htr-line-3").status === "offline", { everyMs: 20 });
    console.log(`      SIGKILL of line 3 → offline on the overview after ${Date.now() - killedAt} ms`);
    const death = seen.find((m) => m.type === "NDEATH" && m.node === "htr-line-3" && m.at >= killedAt);
    assert.ok(death, "the independent host saw line 3's NDEATH");
    assert.equal(death.bdSeq, bdSeq3, "the will names the session that died");
    await page.waitForSelector('[data-line="htr-line-3"][data-status="offline"]', { timeout: 5000 });
    assert.match((await page.locator('[data-line="htr-line-3"] [data-field="status"]').textContent()) ?? "", /OFFLINE since/);
    await page.screenshot({ path: join(HMI_ARTIFACTS, "site-overview-offline.png"), fullPage: true });
    const s3 = await site();
    assert.deepEqual(s3.lines.map((l) => l.status), ["online", "online", "offline"]);
    assert.equal(s3.counters.malformed, 0);

    // One InfluxDB: every line's history in it, told apart by the line tag (read with the influx CLI).
    await waitFor("the three lines' process points in the one influxd", 30_000, () => {
      const rows = influxCsvRows(influxd, 'SHOW TAG VALUES FROM "process" WITH KEY = "line"', { database: "htr" });
      return LINES.every((id) => rows.some((r) => r.includes(id)));
    }, 500);

    // SIGTERM of the launcher: every line and the overview end with it.
    const pids = ["htr-line-1", "htr-line-2"].map((id) => Number(readFileSync(join(dir, "var", "lines", id, "data", "scada.pid"), "utf8").trim()));
    await demo.kill("SIGTERM", 40_000);
    assert.equal(demo.proc.signalCode, null, `the launcher stopped by itself:\n${demo.output().slice(-2000)}`);
    await waitFor("no line process left", 10_000, () => pids.every((p) => !alive(p)), 100);
    await assert.rejects(fetch(`${overviewUrl}/api/site`), "the overview is gone too");
    // Each line said goodbye itself on the clean stop.
    for (const id of ["htr-line-1", "htr-line-2"]) assert.ok(seen.some((m) => m.type === "NDEATH" && m.node === id), `NDEATH of ${id} on the clean stop`);
  });
});
