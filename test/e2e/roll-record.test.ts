import assert from "node:assert/strict";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Runtime } from "../../src/runtime/runtime-options.js";
import type { RollJson, SegmentJson } from "../../src/server/socket-contract.js";
import type { StateTransition } from "../../src/control/state-transition.js";
import { type ApiClient, adminClient, newUserClient, setSimFault } from "../helpers/api-client.js";
import { launchChromium } from "../helpers/hmi-browser.js";
import { type TestInfluxd, influxCsvRows, startTestInfluxd } from "../helpers/influxd.js";
import { type TestConfig, editLine, editRecipe, realConfigOnFreePorts } from "../helpers/test-config.js";
import { testRuntime, waitForTagsGood } from "../helpers/test-runtime.js";
import { waitFor } from "../helpers/wait-for.js";

const ARTIFACTS = join("test-artifacts", "roll-record");
const LOT = "11000042";
/**
 * BiSb's target length here (12 pulses of 0.30 m). The line counts it per run (PackML): the start after the
 * pyrometer abort begins a new run on the same roll, so the roll comes out longer (docs/quality.md).
 */
const TARGET_M = 3.6;

interface Live {
  lengthM: number;
  inZone: { fromM: number; toM: number };
}

/**
 * The per-metre roll record end to end on the virtual plant, through the REST API as operators and QA use it:
 * a BiSb roll started with its lot (a lot off the recipe's pattern refused); `pyrometer-bad` injected during a
 * pulse at ≈ 1.5 m → exactly the segments in the zone then are unverified; a `door-open` trip at ≈ 2.7 m →
 * the segments in the zone fail with IL-07; the rest pass. Then QA's lab result out of spec at 2.0 m rejects
 * the stretch it stands for; bad input is refused and changes nothing; a split at 1.0 m gives two children
 * with their records; the report renders in Chromium (its map agrees with the API) and prints to PDF; OEE
 * agrees with the state transitions seen; the segment points are read back with the `influx` CLI.
 *
 * To keep it short the test line measures the rinse at 1.8–2.0 m of web path (the real one: 2.5–3.5 m)
 * and BiSb pulses 1.5 / 2.0 / 3.0 s (the paper: 3 / 7 / 5 s): a segment's record closes 1.0 m after the zone.
 */
describe("e2e: the roll record on the virtual plant", function () {
  this.timeout(600_000);
  let tc: TestConfig;
  let influxd: TestInfluxd;
  let runtime: Runtime;
  let url: string;
  let dataDir: string;
  let op: ApiClient;
  let qa: ApiClient;
  let admin: ApiClient;
  let roll: RollJson;
  const transitions: StateTransition[] = [];
  let pyrometerZone: { fromM: number; toM: number };
  let doorZone: { fromM: number; toM: number };
  let segments: SegmentJson[] = [];
  /** Segments covered by a trip the test did not inject (see the verdicts step). */
  const spurious: number[] = [];

  const json = async <T>(api: ApiClient, path: string): Promise<T> => (await (await api.get(path)).json()) as T;
  const post = async (api: ApiClient, path: string, body: unknown) => {
    const res = await api.post(path, body);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> & { error?: { code: string; message: string } } };
  };
  const line = () => json<{ state: string }>(op, "/api/line");
  const command = (command: string, extra: Record<string, unknown> = {}) => post(op, "/api/line/commands", { command, ...extra });
  const current = () => json<(RollJson & { live: Live | null }) | null>(op, "/api/rolls/current");
  const phase = () => runtime.tags.get("htr.profile_phase")?.value.value;

  /** Waits for a pulse holding at temperature with the roll's metres [from, to] in reach, and returns what is in the zone. */
  async function duringPulseNear(metre: number): Promise<{ fromM: number; toM: number }> {
    let zone: { fromM: number; toM: number } | undefined;
    await waitFor(`a pulse holding with ≈ ${metre} m in the zone`, 300_000, async () => {
      // A trip on the way (a loaded machine can miss a heartbeat) is recovered from as an operator would.
      if ((await line()).state !== "Execute") await recover();
      const c = await current();
      if (!c?.live || phase() !== 2) return false;
      zone = c.live.inZone;
      return zone.toM >= metre - 1e-6 && zone.fromM <= metre + 0.3;
    }, 50);
    return zone!;
  }

  /** After a trip (Held or Aborted): interlock reset, clear, reset, start / unhold until the line runs again. */
  async function recover(): Promise<void> {
    await waitFor("Execute again", 300_000, async () => {
      const s = (await line()).state;
      if (s === "Execute") return true;
      if (s === "Held") {
        await post(op, "/api/interlocks/reset", {});
        await command("unhold");
      }
      if (s === "Aborted") await command("clear");
      if (s === "Stopped") {
        await post(op, "/api/interlocks/reset", {});
        await command("reset");
      }
      if (s === "Idle") await command("start", { recipe: "BiSb", lot: LOT });
      return false;
    }, 500);
  }

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    tc = await realConfigOnFreePorts();
    tc = editLine(tc, (l) => {
      const tracking = l.tracking as { windows: Record<string, unknown> };
      tracking.windows.rinse = { from: 1.8, to: 2.0 };
    });
    editRecipe(tc, "BiSb", (r) => {
      const htr = r.htr as Record<string, unknown>;
      Object.assign(htr, { rampTimeS: 1.5, holdTimeS: 2.0, coolTimeS: 3.0, minCoolingRateKps: 400 });
      r.targetRollLengthM = TARGET_M;
    });
    influxd = await startTestInfluxd();
    ({ runtime, dataDir } = testRuntime(tc, { historian: "auto", influxUrl: influxd.url }));
    runtime.line.onTransition((t) => {
      if (t.scope === "line") transitions.push(t);
    });
    ({ url } = await runtime.start());
    admin = await adminClient(url);
    op = await newUserClient(admin, "op1", "operator");
    qa = await newUserClient(admin, "qa1", "qa");
    await waitForTagsGood(runtime, 15_000);
    await waitFor("safe boot outputs written", 5000, () => runtime.line.bootOutputsWritten());
  });

  after(async () => {
    await setSimFault(admin, "pyrometer-bad", false).catch(() => undefined);
    await setSimFault(admin, "door-open", false).catch(() => undefined);
    await runtime?.stop();
    await influxd?.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(tc.dir, { recursive: true, force: true });
  });

  it("a start with a lot off the recipe's pattern is refused (400) and begins no roll", async () => {
    if ((await line()).state === "Aborted") {
      await command("clear");
      await waitFor("Stopped", 30_000, async () => (await line()).state === "Stopped", 100);
    }
    assert.equal((await command("reset")).status, 200);
    await waitFor("Idle", 30_000, async () => (await line()).state === "Idle", 100);
    const r = await command("start", { recipe: "BiSb", lot: "99000001" });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.error?.code, "SCADA_ERR_ROLL_LOT_INVALID");
    assert.match(r.body.error!.message, /lot '99000001' does not match recipe BiSb's lot pattern/);
    assert.deepEqual(await json<RollJson[]>(op, "/api/rolls"), []);
    assert.equal((await line()).state, "Idle");
  });

  it("start with BiSb and lot 11000042 → a roll opens with the lot and the approved recipe version", async () => {
    const r = await command("start", { recipe: "BiSb", lot: LOT });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const c = await current();
    assert.ok(c, "a current roll");
    assert.match(c.id, /^htr-line-1-\d{8}-001$/);
    assert.equal(c.lot, LOT);
    assert.equal(c.state, "open");
    await waitFor("Execute", 90_000, async () => (await line()).state === "Execute", 200);
    await waitFor("the recipe range", 5000, async () => ((await current())?.recipes.length ?? 0) > 0, 100);
    roll = (await current())!;
    assert.deepEqual([roll.recipes[0]!.alloy, roll.recipes[0]!.version, roll.recipes[0]!.trial, roll.recipes[0]!.fromM], ["BiSb", 1, false, 0]);
  });

  it("pyrometer-bad during a pulse at ≈ 1.5 m: IL-08 first-out, the line aborts (IL-02 cannot be decided); recovered, the same roll runs on", async () => {
    pyrometerZone = await duringPulseNear(1.5);
    await setSimFault(admin, "pyrometer-bad", true);
    await waitFor("Aborted", 10_000, async () => (await line()).state === "Aborted", 50);
    await setSimFault(admin, "pyrometer-bad", false);
    await waitFor("web temperature Good again", 10_000, () => runtime.tags.get("htr.web_temp")?.value.quality.status === "Good", 50);
    await recover();
    assert.equal((await current())?.id, roll.id, "a start after a trip continues the open roll");
  });

  it("door-open during a pulse at ≈ 2.7 m: IL-07 trips, the line holds; closed, purged, reset, unheld it runs on", async () => {
    doorZone = await duringPulseNear(2.7);
    await setSimFault(admin, "door-open", true);
    await waitFor("Held", 10_000, async () => (await line()).state === "Held", 50);
    await setSimFault(admin, "door-open", false);
    await recover();
  });

  it("the roll ends at the line's target; every segment up to the rinse has a record, in order, none twice", async () => {
    let last: unknown;
    await waitFor(
      "the roll ended (the line reached its target: Completing)",
      400_000,
      async () => {
        const l = await json<{ state: string; stopReason: unknown; counts: unknown }>(op, "/api/line");
        const r = await json<RollJson>(op, `/api/rolls/${roll.id}`);
        last = { state: l.state, stopReason: l.stopReason, counts: l.counts, roll: r.state, lengthM: r.lengthM };
        if (l.state === "Held" || l.state === "Aborted" || l.state === "Stopped" || l.state === "Idle") await recover();
        return r.state === "ended";
      },
      { everyMs: 500, observe: () => last },
    );
    assert.match((await line()).state, /^(Completing|Complete)$/);
    roll = await json<RollJson>(op, `/api/rolls/${roll.id}`);
    assert.ok(roll.lengthM >= TARGET_M + 1.2, `length ${roll.lengthM}: the run after the abort made ${TARGET_M} m on top of ≈ 1.5 m`);
    segments = await json<SegmentJson[]>(op, `/api/rolls/${roll.id}/segments`);
    assert.ok(segments.length >= 30, `${segments.length} segments recorded (≥ 3 m)`);
    assert.deepEqual(segments.map((s) => s.index), segments.map((_, i) => i));
    for (const s of segments) assert.ok(Math.abs(s.toM - s.fromM - 0.1) < 1e-9 && Math.abs(s.fromM - s.index * 0.1) < 1e-9, `segment ${s.index} spans ${s.fromM}–${s.toM}`);
    const counts = { pass: 0, fail: 0, unverified: 0, trial: 0 };
    for (const s of segments) counts[s.verdict] += 1;
    assert.deepEqual(roll.counts, counts);
  });

  it("verdicts: the pyrometer zone unverified, the door zone failed with IL-07, the rest pass", async () => {
    // Trips outside the two injected faults, as the interlock service recorded them.
    const tripsNotInjected = runtime.interlocks
      .status()
      .recentEvents.flatMap((e) => (e.type === "trip" ? [{ interlock: e.interlock, text: e.cause.text }] : []))
      .filter((e) => !["IL-07", "IL-02"].includes(e.interlock) && !(e.interlock === "IL-08" && /htr\.web_temp/.test(e.text)))
      .map((e) => `${e.interlock}: ${e.text.slice(0, 80)}`);
    // In the zone as the record counts it (docs/quality.md): more than 5 mm of the segment inside — an index may
    // stop a mm short of the 0.1 m grid, and the zone read from /api/rolls/current then ends at e.g. 1.799 m.
    const inside = (s: SegmentJson, z: { fromM: number; toM: number }) => Math.min(s.toM, z.toM) - Math.max(s.fromM, z.fromM) > 0.005;
    const table = segments.map((s) => `${s.index} ${s.fromM.toFixed(1)} ${s.verdict} ${s.reasons.map((r) => r.rule).join(",")}`).join("\n");
    const detail = segments.map((s) => `${s.index} ${s.verdict} peak ${s.peakK?.toFixed(1)} K, ${s.timeInBandS?.toFixed(2)} s in band, rinse ${s.exitConductivityUsCm?.toFixed(0)} µS/cm: ${s.reasons.map((r) => `${r.rule}: ${r.message}`).join(" | ")}`);
    writeFileSync(join(ARTIFACTS, "segments.txt"), detail.join("\n") + "\n");
    console.log(`      pyrometer zone ${pyrometerZone.fromM.toFixed(2)}–${pyrometerZone.toM.toFixed(2)} m, door zone ${doorZone.fromM.toFixed(2)}–${doorZone.toM.toFixed(2)} m`);
    for (const s of segments) {
      if (inside(s, pyrometerZone)) {
        assert.equal(s.verdict, "unverified", `segment ${s.index} was in the zone with the pyrometer Bad:\n${table}`);
        assert.ok(s.reasons.some((r) => r.rule === "SIGNAL-NOT-GOOD" || r.rule === "IL-08"), JSON.stringify(s.reasons));
      } else if (inside(s, doorZone)) {
        assert.equal(s.verdict, "fail", `segment ${s.index} was in the zone when the door opened:\n${table}`);
        assert.ok(s.reasons.some((r) => r.rule === "IL-07"), JSON.stringify(s.reasons));
      } else if (s.verdict !== "pass" && s.reasons.some((r) => /^IL-\d\d$|^PULSE-NONE$/.test(r.rule)) && tripsNotInjected.length > 0) {
        // A trip this test did not inject (a busy machine: the in-process plant's Modbus answers late → IL-08,
        // or the PLC missing the SCADA heartbeat → IL-13). The segments it covered, or that got no pulse because
        // of it, must say so — never pass.
        assert.notEqual(s.verdict, "pass");
        spurious.push(s.index);
      } else {
        assert.equal(s.verdict, "pass", `segment ${s.index} should pass:\n${table}`);
        assert.equal(s.pulses, 1);
        assert.ok(s.peakK !== null && Math.abs(s.peakK - 1340) <= 15, `peak ${s.peakK}`);
      }
    }
    if (spurious.length > 0) console.log(`      segments ${spurious.join(", ")} carry trips the test did not inject (${tripsNotInjected.join("; ")}): not pass, as they must be`);
    assert.ok(spurious.length <= 6, `at most one spurious trip's worth of segments (${spurious.length})`);
  });

  it("a lab result out of spec at 2.0 m: QA's reject covers its stretch; bad lab input is refused and changes nothing", async () => {
    const bad = [
      { atM: 2.0, alloyContentPct: 120 },
      { atM: 2.0, particleSizeNm: -3 },
      { atM: 50, particleSizeNm: 15 },
    ];
    for (const b of bad) {
      const r = await post(qa, `/api/rolls/${roll.id}/lab-results`, b);
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.equal(r.body.error?.code, "SCADA_ERR_ROLL_LAB_INVALID");
    }
    assert.equal((await post(op, `/api/rolls/${roll.id}/lab-results`, { atM: 2.0, particleSizeNm: 31 })).status, 403, "operators enter no lab results");
    assert.deepEqual(await json<unknown[]>(qa, `/api/rolls/${roll.id}/lab-results`), []);
    const r = await post(qa, `/api/rolls/${roll.id}/lab-results`, { atM: 2.0, particleSizeNm: 31, alloyContentPct: 74, note: "TEM: coarse particles" });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.disposition, "reject");
    assert.equal(r.body.inSpec, false);
    const around = await json<SegmentJson[]>(qa, `/api/rolls/${roll.id}/segments?from=1.5&to=2.5`);
    for (const s of around) {
      const covered = s.toM > 1.75 + 1e-6 && s.fromM < 2.25 - 1e-6;
      assert.equal(s.disposition?.disposition ?? null, covered ? "reject" : null, `segment ${s.index} (${s.fromM}–${s.toM} m)`);
    }
  });

  it("a split at 1.0 m gives two children with the parent's records; bad splits and unknown rolls are refused", async () => {
    for (const [atM, status] of [[[1.05], 409], [[0], 409], [[99], 409]] as const) {
      const r = await post(qa, `/api/rolls/${roll.id}/split`, { atM });
      assert.equal(r.status, status, `split at ${JSON.stringify(atM)}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error?.code, "SCADA_ERR_ROLL_SPLIT_INVALID");
    }
    assert.equal((await qa.get("/api/rolls/htr-line-1-20000101-001/report")).status, 404);
    const r = await post(qa, `/api/rolls/${roll.id}/split`, { atM: [1.0] });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const children = r.body.children as RollJson[];
    assert.deepEqual(children.map((c) => c.id), [`${roll.id}-A`, `${roll.id}-B`]);
    const a = await json<SegmentJson[]>(qa, `/api/rolls/${roll.id}-A/segments`);
    const b = await json<SegmentJson[]>(qa, `/api/rolls/${roll.id}-B/segments`);
    assert.equal(a.length, 10);
    assert.equal(a.length + b.length, segments.length);
    assert.deepEqual(a.map((s) => s.verdict), segments.slice(0, 10).map((s) => s.verdict));
    assert.deepEqual(b.map((s) => s.verdict), segments.slice(10).map((s) => s.verdict));
    assert.equal(b[0]!.fromM, 0);
    assert.equal((await json<RollJson>(qa, `/api/rolls/${roll.id}`)).state, "split");
  });

  it("the report renders in Chromium, its map agrees with the API, and it prints to PDF", async () => {
    const res = await qa.get(`/api/rolls/${roll.id}/report?format=html`);
    assert.equal(res.status, 200);
    const html = await res.text();
    writeFileSync(join(ARTIFACTS, "report.html"), html);
    const browser = await launchChromium();
    try {
      const page = browser.page;
      await page.setContent(html);
      await page.screenshot({ path: join(ARTIFACTS, "report.png"), fullPage: true });
      assert.equal(await page.locator("#roll-map").count(), 1);
      const verdicts = await page.locator("#roll-map [data-verdict]").evaluateAll((els) => els.map((e) => e.getAttribute("data-verdict")));
      for (const v of ["pass", "fail", "unverified"]) assert.ok(verdicts.includes(v), `the map shows ${v}: ${[...new Set(verdicts)].join(",")}`);
    } finally {
      await browser.close();
    }
    const pdf = await qa.get(`/api/rolls/${roll.id}/report?format=pdf`);
    assert.equal(pdf.status, 200);
    const bytes = Buffer.from(await pdf.arrayBuffer());
    assert.equal(bytes.subarray(0, 5).toString(), "%PDF-");
    writeFileSync(join(ARTIFACTS, "report.pdf"), bytes);
    const csv = await (await qa.get(`/api/rolls/${roll.id}/segments?format=csv`)).text();
    assert.equal(csv.trim().split("\r\n").length, segments.length + 1);
  });

  it("OEE over the roll agrees with the state transitions seen", async () => {
    const from = roll.startedAt;
    const to = roll.endedAt!;
    const oee = await json<{ overall: { executeMs: number; availability: number; quality: number; metresMade: number } }>(qa, `/api/oee?from=${from}&to=${to}`);
    let executeMs = 0;
    for (let i = 0; i < transitions.length; i++) {
      const t = transitions[i]!;
      if (t.to !== "Execute") continue;
      const end = transitions[i + 1]?.at ?? to;
      executeMs += Math.max(0, Math.min(end, to) - Math.max(t.at, from));
    }
    assert.ok(Math.abs(oee.overall.executeMs - executeMs) < 200, `executeMs ${oee.overall.executeMs} vs ${executeMs} from the transitions`);
    const pass = segments.filter((s) => s.verdict === "pass").length;
    assert.ok(Math.abs(oee.overall.quality - pass / segments.length) < 1e-6, `quality ${oee.overall.quality}`);
    assert.ok(oee.overall.availability > 0 && oee.overall.availability <= 1);
  });

  it("the segment points are in InfluxDB, read back with the influx CLI", async () => {
    await waitFor("segment points written", 20_000, () => {
      const rows = influxCsvRows(influxd, `SELECT count(fromM) FROM segment WHERE roll = '${roll.id}'`, { database: "htr" });
      return rows.length === 1 && Number(rows[0]![2]) === segments.length;
    }, 500);
    const failed = influxCsvRows(influxd, `SELECT fromM, reasons FROM segment WHERE roll = '${roll.id}' AND verdict = 'fail'`, { database: "htr" });
    assert.equal(failed.length, segments.filter((s) => s.verdict === "fail").length);
    const spuriousM = new Set(spurious.map((i) => (i * 0.1).toFixed(1)));
    assert.ok(failed.every((r) => /IL-07/.test(r.join(",")) || spuriousM.has(Number(r[2]).toFixed(1))), JSON.stringify(failed));
  });
});
