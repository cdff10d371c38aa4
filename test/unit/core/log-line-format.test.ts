import assert from "node:assert/strict";
import { formatLogLine } from "../../../src/core/log-line-format.js";
import { createLogger } from "../../../src/core/logger.js";

/** pino's ISO time of a local wall-clock time, so the expected line holds in any time zone. */
const at = (h: number, m: number, s: number, ms: number) => new Date(2026, 11, 2, h, m, s, ms).toISOString();
const plain = { color: false };

describe("core: formatLogLine (the human console line)", () => {
  it("time, level, module, message, then the other fields as key=value", () => {
    const line = formatLogLine({ level: 30, time: at(5, 51, 26, 204), app: "htr-scada", module: "line", state: "Stopped", restoredFrom: "none", msg: "line started" }, plain);
    assert.equal(line, "05:51:26.204 INFO  line: line started state=Stopped restoredFrom=none");
  });

  it("pads every level to one width and names them", () => {
    const levels = [10, 20, 30, 40, 50, 60].map((level) => formatLogLine({ level, time: at(0, 0, 0, 0), msg: "m" }, plain).slice(13, 19));
    assert.deepEqual(levels, ["TRACE ", "DEBUG ", "INFO  ", "WARN  ", "ERROR ", "FATAL "]);
  });

  it("a line without module has none (no stray colon)", () => {
    assert.equal(formatLogLine({ level: 30, time: at(12, 0, 1, 5), msg: "SIGTERM received, stopping" }, plain), "12:00:01.005 INFO  SIGTERM received, stopping");
  });

  it("quotes strings with spaces, keeps numbers, booleans and null bare, and shows objects as compact JSON", () => {
    const line = formatLogLine({ level: 40, time: at(1, 2, 3, 4), module: "interlocks", msg: "m", status: "not connected", value: false, n: 3.5, none: null, tag: { a: 1 } }, plain);
    assert.equal(line, '01:02:03.004 WARN  interlocks: m status="not connected" value=false n=3.5 none=null tag={"a":1}');
  });

  it("cuts long values and shows a few fields only, counting the rest", () => {
    const fields = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, i]));
    const line = formatLogLine({ level: 30, time: at(0, 0, 0, 0), msg: "m", big: { text: "x".repeat(500) }, ...fields }, plain);
    const big = /big=(\S+)/.exec(line)![1]!;
    assert.equal(big.length, 80);
    assert.ok(big.endsWith("…"));
    assert.match(line, / k6=6 …\+3$/);
  });

  it("an error by its message (pino's serialized err), never its stack", () => {
    const err = { type: "Error", message: "listen EADDRINUSE: address already in use 127.0.0.1:8080", stack: "Error: listen EADDRINUSE\n    at Server.setupListenHandle", code: "EADDRINUSE" };
    const line = formatLogLine({ level: 50, time: at(0, 0, 0, 0), msg: "could not start", err }, plain);
    assert.equal(line, '00:00:00.000 ERROR could not start err="listen EADDRINUSE: address already in use 127.0.0.1:8080"');
    const typed = formatLogLine({ level: 50, time: at(0, 0, 0, 0), msg: "m", err: { type: "ScadaError", message: "Unknown tag", stack: "…" } }, plain);
    assert.match(typed, /err="ScadaError: Unknown tag"$/);
    assert.match(formatLogLine({ level: 50, time: at(0, 0, 0, 0), msg: "m", err: "boom" }, plain), /err="boom"$/);
  });

  it("colours (ANSI) only when asked; the text is the same", () => {
    const log = { level: 50, time: at(5, 51, 26, 204), module: "line", msg: "m", k: "v" };
    const coloured = formatLogLine(log, { color: true });
    assert.match(coloured, /\x1b\[31mERROR/);
    assert.equal(coloured.replace(/\x1b\[[0-9;]*m/g, ""), formatLogLine(log, plain));
    assert.doesNotMatch(formatLogLine(log, plain), /\x1b/);
  });

  it("createLogger writes that line in the pretty format, and JSON lines in the json format", () => {
    const lines: string[] = [];
    const destination = { write: (s: string) => lines.push(s) };
    createLogger("info", { format: "pretty", color: false, destination }).child({ module: "line" }).info({ state: "Stopped" }, "line started");
    createLogger("info", { format: "json", destination }).child({ module: "line" }).info({ state: "Stopped" }, "line started");
    assert.match(lines[0]!, /^\d\d:\d\d:\d\d\.\d{3} INFO  line: line started state=Stopped\n$/);
    const json = JSON.parse(lines[1]!) as Record<string, unknown>;
    assert.equal(json.msg, "line started");
    assert.equal(json.module, "line");
    assert.equal(json.app, "htr-scada");
  });
});
