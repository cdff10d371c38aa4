import assert from "node:assert/strict";
import { logFormatFor } from "../../../src/core/log-format.js";

describe("core: logFormatFor (which console log format)", () => {
  it("the human line on a terminal, with colour; JSON lines in a pipe", () => {
    assert.deepEqual(logFormatFor({}, true), { format: "pretty", color: true });
    assert.deepEqual(logFormatFor({}, false), { format: "json", color: false });
  });

  it("LOG_FORMAT=json forces JSON on a terminal, LOG_FORMAT=pretty the human line in a pipe (without colour there)", () => {
    assert.deepEqual(logFormatFor({ LOG_FORMAT: "json" }, true), { format: "json", color: false });
    assert.deepEqual(logFormatFor({ LOG_FORMAT: "pretty" }, false), { format: "pretty", color: false });
    assert.deepEqual(logFormatFor({ LOG_FORMAT: "PRETTY" }, true), { format: "pretty", color: true });
  });

  it("NO_COLOR (set, not empty) turns colour off", () => {
    assert.equal(logFormatFor({ NO_COLOR: "1" }, true).color, false);
    assert.equal(logFormatFor({ NO_COLOR: "" }, true).color, true);
  });

  it("an unknown LOG_FORMAT is reported and the default taken", () => {
    assert.deepEqual(logFormatFor({ LOG_FORMAT: "xml" }, false), { format: "json", color: false, ignored: "xml" });
  });
});
