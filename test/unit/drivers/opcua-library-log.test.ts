import assert from "node:assert/strict";
// node-opcua logs through node-opcua-debug (one copy, hoisted): its makers stand in for a library module here.
import { make_errorLog, make_warningLog } from "node-opcua-debug";
import { createLogger } from "../../../src/core/logger.js";
import {
  OPCUA_LIBRARY_LINES_PER_SOURCE,
  opcuaLibraryLevel,
  opcuaLibraryLine,
  routeOpcuaLibraryLog,
} from "../../../src/drivers/opcua/opcua-library-log.js";

describe("node-opcua's messages through our logger", () => {
  it("folds the library's multi-line message into one line", () => {
    assert.equal(
      opcuaLibraryLine(["[NODE-OPCUA-W31", "a getter has been specified.\nThis may conduct to an unpredictable behavior.\n"]),
      "[NODE-OPCUA-W31 a getter has been specified. This may conduct to an unpredictable behavior.",
    );
    assert.equal(opcuaLibraryLine(["%d items", 3]), "3 items");
  });

  it("known notes get their own level; anything else keeps the library's", () => {
    assert.equal(opcuaLibraryLevel("[NODE-OPCUA-W27] node version v20.20.2", "warn"), "debug");
    assert.equal(opcuaLibraryLevel("Creating default certificate ... please wait", "warn"), "info");
    assert.equal(opcuaLibraryLevel("[NODE-OPCUA-W31 namespace#addVariable …", "warn"), "warn", "the plant binds its getters after creation: W31 would be news");
    assert.equal(opcuaLibraryLevel("the server certificate has expired", "warn"), "warn");
    assert.equal(opcuaLibraryLevel("BadSecureChannelClosed", "error"), "error");
  });

  it("routed: a library warning is one JSON line of ours (module node-opcua, its source), with a per-source limit", () => {
    const lines: string[] = [];
    routeOpcuaLibraryLog(createLogger("debug", { format: "json", destination: { write: (l: string) => lines.push(l) } }));
    try {
      const warn = make_warningLog("test");
      warn("the server certificate has expired\nsee the PKI folder");
      make_errorLog("test")("BadSecureChannelClosed");
      const logs = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.equal(logs.length, 2);
      assert.deepEqual([logs[0]!.level, logs[0]!.module, logs[0]!.msg], [40, "node-opcua", "the server certificate has expired see the PKI folder"]);
      assert.match(String(logs[0]!.source), /^opcua-library-log\.test:\d+$/);
      assert.equal(logs[1]!.level, 50);

      lines.length = 0;
      const flood = make_warningLog("flood");
      for (let i = 0; i < OPCUA_LIBRARY_LINES_PER_SOURCE + 20; i++) flood(`repeat ${i}`);
      assert.equal(lines.length, OPCUA_LIBRARY_LINES_PER_SOURCE + 1, "the limit, then one note");
      assert.match(String((JSON.parse(lines.at(-1)!) as { msg: string }).msg), /no more lines from opcua-library-log\.test:\d+/);
    } finally {
      routeOpcuaLibraryLog(createLogger("warn"));
    }
  });
});
