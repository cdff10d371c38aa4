import assert from "node:assert/strict";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { parseDocument } from "yaml";
import { loadConfigOrThrow } from "../../src/config/config-loader.js";
import type { Runtime } from "../../src/runtime/runtime-options.js";
import type { AuditRecord } from "../../src/audit/audit-record.js";
import type { DeviceStatusJson, ServerCertificateJson } from "../../src/server/socket-contract.js";
import { type ApiClient, TEST_ADMIN_PASSWORD, adminClient, newUserClient, setSimFault } from "../helpers/api-client.js";
import { HMI_ARTIFACTS as ARTIFACTS, type TestBrowser, ensureHmiBuilt, hmiGo, hmiLogIn, launchChromium } from "../helpers/hmi-browser.js";
import { type TestConfig, realConfigOnFreePorts } from "../helpers/test-config.js";
import { testRuntime, waitForTagsGood } from "../helpers/test-runtime.js";
import { waitFor } from "../helpers/wait-for.js";

/** The test config with the OPC UA PLC on a signed channel (the certificate is checked only when signed). */
async function signedConfig(): Promise<TestConfig> {
  const tc = await realConfigOnFreePorts();
  const file = join(tc.dir, "devices.yaml");
  const doc = parseDocument(readFileSync(file, "utf8"));
  const devices = doc.get("devices") as { items: { get(k: string): unknown; set(k: string, v: unknown): void }[] };
  for (const d of devices.items) {
    if (d.get("protocol") !== "opcua") continue;
    d.set("securityMode", "Sign");
    d.set("securityPolicy", "Basic256Sha256");
  }
  writeFileSync(file, doc.toString());
  return { ...tc, config: loadConfigOrThrow(tc.dir) };
}

/**
 * OPC UA trust through the HMI, on the virtual plant with the HTR PLC on a signed channel and no
 * acceptUnknownCertificate: the plant's certificate is trusted at its own start (it works out of the box);
 * an admin rejects it (signed), the PLC drops off and comes back, and the SCADA refuses it, naming the
 * thumbprint on the Devices page; the admin trusts it there with an e-signature and the link comes back
 * without a restart. Refusals (no permission, no signature, a wrong password) change nothing.
 */
describe("e2e: OPC UA server trust on the HMI's Devices page (signed), connected without restart", function () {
  this.timeout(240_000);
  let tc: TestConfig;
  let runtime: Runtime;
  let dataDir: string;
  let url: string;
  let admin: ApiClient;
  let operator: ApiClient;
  let browser: TestBrowser | undefined;
  let page: Page;

  const htr = async () => (await admin.getJson<{ devices: DeviceStatusJson[] }>("/api/devices")).devices.find((d) => d.id === "htr-plc")!;
  const certificates = async () => (await admin.getJson<{ certificates: ServerCertificateJson[] }>("/api/devices/certificates")).certificates;
  const decide = (client: ApiClient, thumbprint: string, verb: "trust" | "reject", body: Record<string, unknown>) => client.post(`/api/devices/certificates/${thumbprint}/${verb}`, body);

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    ensureHmiBuilt();
    tc = await signedConfig();
    ({ runtime, dataDir } = testRuntime(tc));
    ({ url } = await runtime.start());
    admin = await adminClient(url);
    operator = await newUserClient(admin, "operator1", "operator", "Kiln-Orange-4417");
  });

  after(async () => {
    await browser?.close();
    await runtime?.stop();
    for (const d of [dataDir, tc?.dir]) if (d) rmSync(d, { recursive: true, force: true });
  });

  it("the virtual plant on a signed channel works out of the box: its own certificate is the one trusted", async () => {
    assert.equal(runtime.config.devices.find((d) => d.id === "htr-plc")?.protocol === "opcua" && (runtime.config.devices.find((d) => d.id === "htr-plc") as { acceptUnknownCertificate: boolean }).acceptUnknownCertificate, false);
    await waitForTagsGood(runtime, 30_000);
    const d = await htr();
    assert.equal(d.state, "OK");
    assert.equal(d.security, "Sign / Basic256Sha256");
    assert.equal(d.refusedCertificate, null);
    const list = await certificates();
    assert.equal(list.length, 1, JSON.stringify(list));
    assert.equal(list[0]!.status, "trusted");
    assert.equal(list[0]!.applicationUri, "urn:htr-scada:sim:htr-plc");
  });

  it("refused: an operator (no devices:trust), no signature, a wrong password — nothing changes", async () => {
    const [c] = await certificates();
    const sig = { password: TEST_ADMIN_PASSWORD, meaning: "Responsible: this server must not be trusted" };
    const asOperator = await decide(operator, c!.thumbprint, "reject", { reason: "testing the guard", signature: sig });
    assert.equal(asOperator.status, 403, await asOperator.text());
    const unsigned = await decide(admin, c!.thumbprint, "reject", { reason: "testing the guard" });
    assert.equal(unsigned.status, 400, await unsigned.text());
    const wrong = await decide(admin, c!.thumbprint, "reject", { reason: "testing the guard", signature: { ...sig, password: "not-the-password-1" } });
    assert.ok(wrong.status === 401 || wrong.status === 403, `wrong password: ${wrong.status} ${await wrong.text()}`);
    const unknown = await decide(admin, "0123456789abcdef", "reject", { reason: "testing the guard", signature: sig });
    assert.equal(unknown.status, 404, await unknown.text());
    assert.deepEqual((await certificates()).map((x) => x.status), ["trusted"]);
    assert.equal((await htr()).state, "OK");
  });

  it("rejected (signed), the PLC reconnects and is refused with its thumbprint; trusted on the Devices page (signed), it connects without restart", async () => {
    const [c] = await certificates();
    const tp = c!.thumbprint;
    const rejected = await decide(admin, tp, "reject", { reason: "rotating the PLC's certificate", signature: { password: TEST_ADMIN_PASSWORD, meaning: "Responsible: this server must not be trusted" } });
    const rejectedBody = await rejected.text();
    assert.equal(rejected.status, 200, rejectedBody);
    assert.equal((JSON.parse(rejectedBody) as { now: string }).now, "rejected");
    // the PLC drops off the network and comes back: the new connect checks the certificate again
    await setSimFault(admin, "htr-plc-comm-loss", true);
    await waitFor("htr-plc down", 15_000, async () => (await htr()).state !== "OK");
    await setSimFault(admin, "htr-plc-comm-loss", false);
    await waitFor("htr-plc refused for its certificate", 30_000, async () => /not trusted/.test((await htr()).reason), { observe: async () => (await htr()).reason });
    const d = await htr();
    assert.equal(d.refusedCertificate?.thumbprint, tp);
    assert.match(d.reason, new RegExp(`thumbprint ${tp}`));
    const listed = (await certificates()).find((x) => x.thumbprint === tp);
    assert.equal(listed?.status, "rejected");
    assert.deepEqual(listed?.refusedBy, ["htr-plc"]);

    browser = await launchChromium();
    ({ page } = browser);
    await hmiLogIn(page, url, "admin", TEST_ADMIN_PASSWORD);
    await hmiGo(page, "#/devices");
    const row = page.getByTestId(`cert-row-${tp}`);
    await row.waitFor({ timeout: 10_000 });
    assert.equal(await row.getAttribute("data-status"), "rejected");
    assert.match((await page.getByTestId("device-reason-htr-plc").textContent()) ?? "", new RegExp(`not trusted.*${tp}`));
    await page.screenshot({ path: join(ARTIFACTS, "devices-certificate-refused.png"), fullPage: true });

    await page.getByTestId(`cert-trust-${tp}`).click();
    const dialog = page.getByTestId("signature-dialog");
    await dialog.waitFor();
    assert.match((await dialog.textContent()) ?? "", new RegExp(tp));
    await page.getByTestId("sig-reason").fill("thumbprint compared with the PLC's display");
    await page.getByTestId("sig-password").fill(TEST_ADMIN_PASSWORD);
    const t0 = Date.now();
    await page.getByTestId("sig-submit").click();
    await waitFor("the dialog closed", 15_000, async () => (await dialog.count()) === 0 || (await page.getByTestId("sig-error").isVisible()), 50);
    if ((await dialog.count()) > 0) assert.fail(`signature refused: ${await page.getByTestId("sig-error").textContent()}`);
    const closedMs = Date.now() - t0;
    await waitFor("htr-plc connected again, no restart", 15_000, async () => (await page.getByTestId("device-state-htr-plc").textContent()) === "OK", { everyMs: 100 });
    const reconnectMs = Date.now() - t0;
    assert.equal(await page.getByTestId(`cert-row-${tp}`).getAttribute("data-status"), "trusted");
    await page.screenshot({ path: join(ARTIFACTS, "devices-certificate-trusted.png"), fullPage: true });
    await waitForTagsGood(runtime, 20_000);
    console.log(`      trusted on the HMI: dialog closed after ${closedMs} ms, htr-plc OK on the page after ${reconnectMs} ms`);

    const audit = await admin.getJson<{ records: AuditRecord[] }>("/api/audit?action=device.certificate.trust&result=ok");
    const rec = audit.records[0];
    assert.ok(rec, "the trust is in the audit trail");
    assert.equal(rec.user, "admin");
    assert.equal(rec.target, tp);
    assert.equal(rec.signature?.meaning, "Verified: this certificate is the PLC's own");
    assert.equal(rec.reason, "thumbprint compared with the PLC's display");
    assert.deepEqual(rec.oldValue, { status: "rejected" });
    assert.equal((rec.newValue as { status: string; devices: string[] }).status, "trusted");
    assert.deepEqual((rec.newValue as { devices: string[] }).devices, ["htr-plc"]);
  });
});
