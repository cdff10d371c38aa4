import assert from "node:assert/strict";
import { sameOrigin } from "../../../src/server/socket-handshake.js";

describe("socket gateway: same-origin check", () => {
  it("passes a request without Origin (same-origin polling GET, non-browser client)", () => {
    assert.equal(sameOrigin(undefined, "127.0.0.1:8080"), true);
  });

  it("passes an Origin naming the Host, http or https", () => {
    assert.equal(sameOrigin("http://127.0.0.1:8080", "127.0.0.1:8080"), true);
    assert.equal(sameOrigin("https://scada.plant.local", "scada.plant.local"), true);
    assert.equal(sameOrigin("http://[::1]:8080", "[::1]:8080"), true);
    assert.equal(sameOrigin("http://SCADA.local:8080", "Scada.Local:8080"), true);
  });

  it("refuses another host or port, odd schemes, 'null' and junk", () => {
    assert.equal(sameOrigin("http://evil.example", "127.0.0.1:8080"), false);
    assert.equal(sameOrigin("http://127.0.0.1:5173", "127.0.0.1:8080"), false);
    assert.equal(sameOrigin("file://", "127.0.0.1:8080"), false);
    assert.equal(sameOrigin("null", "127.0.0.1:8080"), false);
    assert.equal(sameOrigin("chrome-extension://abc", "abc"), false);
    assert.equal(sameOrigin("http://127.0.0.1:8080", undefined), false);
    assert.equal(sameOrigin("", "127.0.0.1:8080"), false);
  });
});
