import assert from "node:assert/strict";
import { certificateRefusalText } from "../../../src/drivers/opcua/opcua-client-certificates.js";
import { type ServerCertificateInfo, findServerCertificate, normaliseThumbprint } from "../../../src/drivers/opcua/opcua-trust-store.js";
import { ScadaError } from "../../../src/core/errors.js";

const cert = (thumbprint: string, status: "trusted" | "rejected" = "rejected"): ServerCertificateInfo => ({
  status,
  thumbprint,
  subject: `CN=${thumbprint.slice(0, 4)}`,
  issuer: `CN=${thumbprint.slice(0, 4)}`,
  selfSigned: true,
  applicationUri: null,
  validFrom: "2026-01-01T00:00:00.000Z",
  validTo: "2036-01-01T00:00:00.000Z",
  expired: false,
  file: `/pki/${status}/certs/${thumbprint}.pem`,
});

const A = "d1ddc401e7772686e12a30844c11bd307ed96a9b";
const B = "d1ddc401ff000000000000000000000000000000";
const C = "0123456789abcdef0123456789abcdef01234567";

function refusedWith(code: string, fn: () => unknown): RegExp | true {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ScadaError, String(err));
    assert.equal(err.code, code);
    return true;
  }
  assert.fail(`expected ${code}`);
}

describe("OPC UA trust list: thumbprints as people type them", () => {
  it("takes colons, spaces and upper case; refuses what is not hex or too short or too long", () => {
    assert.equal(normaliseThumbprint("D1:DD:C4:01:E7:77"), "d1ddc401e777");
    assert.equal(normaliseThumbprint(" d1dd c401 "), "d1ddc401");
    for (const bad of ["xyz", "1234567", "d1ddc40g", A + "00", ""]) refusedWith("SCADA_ERR_CERT_THUMBPRINT_INVALID", () => normaliseThumbprint(bad));
  });

  it("finds one certificate by its full thumbprint or a unique prefix; an ambiguous or unknown one is refused naming why", () => {
    const list = [cert(A), cert(B, "trusted"), cert(C)];
    assert.equal(findServerCertificate(list, A).thumbprint, A);
    assert.equal(findServerCertificate(list, "01234567").thumbprint, C);
    assert.equal(findServerCertificate(list, "D1DDC401E7").thumbprint, A);
    refusedWith("SCADA_ERR_CERT_UNKNOWN", () => findServerCertificate(list, "d1ddc401"));
    assert.throws(() => findServerCertificate(list, "d1ddc401"), /ambiguous: d1ddc401e777.*, d1ddc401ff/);
    assert.throws(() => findServerCertificate(list, "ffffffff"), /no server certificate with thumbprint ffffffff/);
  });

  it("the same certificate in both folders is one certificate, its trusted copy first", () => {
    assert.equal(findServerCertificate([cert(A, "trusted"), cert(A, "rejected")], A).status, "trusted");
  });

  it("a refused connect's status line names the certificate and both ways to trust it", () => {
    const text = certificateRefusalText({ thumbprint: A, subject: "CN=PLC7, O=Plant", status: "BadCertificateUntrusted", validTo: "2036-01-01T00:00:00.000Z" });
    assert.match(text, /^server certificate is not trusted: CN=PLC7, O=Plant, thumbprint d1ddc401/);
    assert.match(text, /HMI's Devices page/);
    assert.match(text, new RegExp(`htr-scada certs trust ${A}`));
    assert.match(certificateRefusalText({ thumbprint: A, subject: "CN=x", status: "BadCertificateTimeInvalid", validTo: "" }), /was refused \(BadCertificateTimeInvalid\)/);
  });
});
