import assert from "node:assert/strict";
import { ScadaError } from "../../../src/core/errors.js";
import { START_EXIT_CODES, type StartTarget, configRefusal, startRefusal } from "../../../src/core/start-refusal.js";

const target: StartTarget = {
  configDir: "/etc/htr-scada/plc-config",
  dataDir: "/var/lib/htr-scada",
  httpPort: 8080,
  plantPorts: [
    { port: 4840, device: "htr-plc", protocol: "OPC UA" },
    { port: 5020, device: "line-plc", protocol: "Modbus TCP" },
  ],
};

/** A Node system error as fs / net throw them. */
const sysErr = (fields: Record<string, unknown>) => Object.assign(new Error(String(fields.code)), fields);

describe("core: startRefusal (a refused start → one plain line and its exit code)", () => {
  it("the exit codes are distinct and not 0", () => {
    const codes = Object.values(START_EXIT_CODES);
    assert.equal(new Set(codes).size, codes.length);
    assert.ok(codes.every((c) => c > 0 && c < 126));
  });

  it("bad config: the count and check-config on the line, every problem after it (exit 2)", () => {
    const r = configRefusal("/cfg", [
      { file: "line.yaml", path: "line.id", message: "required field missing" },
      { file: "devices.yaml", path: "devices[1].port", message: "must be <= 65535 (found 99999)" },
    ]);
    assert.equal(r.line, "htr-scada: cannot start: the configuration in /cfg has 2 problems — fix them (htr-scada check-config lists them)");
    assert.deepEqual(r.details, ["line.yaml:line.id: required field missing", "devices.yaml:devices[1].port: must be <= 65535 (found 99999)"]);
    assert.equal(r.exitCode, 2);
    assert.match(configRefusal("/cfg", [{ file: "/cfg", path: "(root)", message: "configuration directory not found" }]).line, /has 1 problem — fix it /);
    // The same from loadConfigOrThrow's error (its details are the formatted lines).
    const thrown = startRefusal(new ScadaError("SCADA_ERR_CONFIG_INVALID", "Configuration in /cfg is invalid:\n…", ["line.yaml:line.id: x"]), target);
    assert.equal(thrown.exitCode, 2);
    assert.deepEqual(thrown.details, ["line.yaml:line.id: x"]);
  });

  it("a policy-breaking SCADA_ADMIN_PASSWORD: the policy's reason and the fix (exit 3)", () => {
    const r = startRefusal(new ScadaError("SCADA_ERR_USER_INVALID", "SCADA_ADMIN_PASSWORD: password must be at least 12 characters long (it has 3)"), target);
    assert.equal(
      r.line,
      "htr-scada: cannot start: SCADA_ADMIN_PASSWORD is refused: password must be at least 12 characters long (it has 3) — set it to a password that meets the policy, or unset it to have one generated and printed once",
    );
    assert.equal(r.exitCode, 3);
    assert.equal(r.expected, true);
  });

  it("the HTTP port in use (exit 4)", () => {
    const r = startRefusal(sysErr({ code: "EADDRINUSE", syscall: "listen", address: "127.0.0.1", port: 8080 }), target);
    assert.equal(r.line, "htr-scada: cannot start: port 8080 is in use (another htr-scada running?) — set PORT (or --port) to a free port or stop the other process");
    assert.equal(r.exitCode, 4);
  });

  it("the data directory in use by another process: its pid and the fix (exit 6)", () => {
    const r = startRefusal(Object.assign(new Error("the data directory /var/lib/htr-scada is in use by process 4242"), { code: "ELOCKED", pid: 4242 }), target);
    assert.equal(r.line, "htr-scada: cannot start: the data directory /var/lib/htr-scada is in use by process 4242 (another htr-scada on it) — stop that process, or set SCADA_DATA_DIR (or --data) to another directory");
    assert.equal(r.exitCode, 6);
    assert.equal(r.expected, true);
  });

  it("a port of the virtual plant in use: which PLC, and where to move it (exit 4)", () => {
    const r = startRefusal(sysErr({ code: "EADDRINUSE", syscall: "listen", address: "127.0.0.1", port: 5020 }), target);
    assert.equal(
      r.line,
      "htr-scada: cannot start: port 5020 of the virtual plant (line-plc, Modbus TCP) is in use (another htr-scada --sim or htr-scada sim running?) — stop the other process, or give line-plc another port in /etc/htr-scada/plc-config/devices.yaml",
    );
    assert.equal(r.exitCode, 4);
    assert.equal(startRefusal(sysErr({ code: "EADDRINUSE", port: 9999 }), target).exitCode, 4);
  });

  it("the data directory not writable: the reason by the system's code (exit 5)", () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ code: "EACCES", path: "/var/lib/htr-scada/.write-check-1", syscall: "open" }, "permission denied (/var/lib/htr-scada/.write-check-1)"],
      [{ code: "EROFS", path: "/var/lib/htr-scada", syscall: "mkdir" }, "read-only file system (/var/lib/htr-scada)"],
      [{ code: "ENOTDIR", path: "/var/lib", syscall: "mkdir" }, "/var/lib is not a directory"],
      [{ code: "EEXIST", path: "/var/lib/htr-scada", syscall: "mkdir" }, "/var/lib/htr-scada is not a directory"],
      [{ code: "ENOENT", path: "/var/lib/htr-scada", syscall: "mkdir" }, "/var/lib/htr-scada cannot be created there"],
    ];
    for (const [fields, reason] of cases) {
      const r = startRefusal(sysErr(fields), target);
      assert.equal(r.line, `htr-scada: cannot start: the data directory /var/lib/htr-scada is not writable: ${reason} — set SCADA_DATA_DIR (or --data) to a directory this user can write`);
      assert.equal(r.exitCode, 5);
    }
  });

  it("a file error elsewhere is not the data directory's; anything else is a fault of ours (exit 1, logged in full)", () => {
    const elsewhere = startRefusal(sysErr({ code: "EACCES", path: "/etc/htr-scada/plc-config/recipes", syscall: "open" }), target);
    assert.equal(elsewhere.exitCode, 1);
    assert.equal(elsewhere.expected, false);
    const bug = startRefusal(new TypeError("cannot read properties of undefined (reading 'x')\n    at f (src/x.ts:1:1)"), target);
    assert.equal(bug.line, "htr-scada: cannot start: cannot read properties of undefined (reading 'x') (a fault, not a setting: the log has the details)");
    assert.equal(bug.exitCode, 1);
    assert.equal(bug.expected, false);
  });

  it("an operator's mistake the catalogue knows: its message, plainly (exit 1)", () => {
    const r = startRefusal(new ScadaError("SCADA_ERR_RECIPE_INVALID", "recipes/BiSb.yaml: htr.peakTempK must be <= 2000"), target);
    assert.equal(r.line, "htr-scada: cannot start: recipes/BiSb.yaml: htr.peakTempK must be <= 2000");
    assert.equal(r.expected, true);
  });

  it("one line each: never a newline, a stack frame or JSON in the line", () => {
    const errors = [
      new ScadaError("SCADA_ERR_USER_INVALID", "SCADA_ADMIN_PASSWORD: x"),
      sysErr({ code: "EADDRINUSE", port: 8080 }),
      sysErr({ code: "EACCES", path: "/var/lib/htr-scada" }),
      new Error("boom\n    at x (y.ts:1:1)"),
    ];
    for (const e of errors) {
      const { line } = startRefusal(e, target);
      assert.doesNotMatch(line, /\n|\bat .+:\d+:\d+|^\{/);
      assert.match(line, /^htr-scada: cannot start: /);
    }
  });
});
