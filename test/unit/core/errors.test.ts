import assert from "node:assert/strict";
import { ERRORS, ScadaError, type ErrorCode } from "../../../src/core/errors.js";

describe("error catalogue", () => {
  const codes = Object.keys(ERRORS) as ErrorCode[];

  it("has stable SCADA_ERR_<AREA>_<WHAT> codes with a message and an HTTP status", () => {
    for (const code of codes) {
      assert.match(code, /^SCADA_ERR_[A-Z]+_[A-Z_]+$/);
      const e = ERRORS[code];
      assert.ok(e.message.length > 0, code);
      assert.ok(e.status >= 400 && e.status < 600, `${code} status ${e.status}`);
    }
  });

  it("has unique messages (each code means one thing)", () => {
    const messages = codes.map((c) => ERRORS[c].message);
    assert.equal(new Set(messages).size, messages.length);
  });

  it("ScadaError carries code, status and the standard JSON body", () => {
    const e = new ScadaError("SCADA_ERR_TAG_UNKNOWN", "Unknown tag 'x.y'");
    assert.equal(e.status, 404);
    assert.equal(e.operator, true);
    assert.deepEqual(e.toJSON(), { error: { code: "SCADA_ERR_TAG_UNKNOWN", message: "Unknown tag 'x.y'" } });
    assert.equal(new ScadaError("SCADA_ERR_SERVER_INTERNAL").message, "Internal error");
  });
});
