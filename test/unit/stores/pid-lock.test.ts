import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pidLockHolder, releasePidLock, takePidLock } from "../../../src/stores/pid-lock.js";

describe("stores: pid lock (a pid file as a directory's lock)", () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "pid-lock-"));
    file = join(dir, "scada.pid");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("takes a free lock, writes this pid, releases it", () => {
    takePidLock(file, "the data directory");
    assert.equal(readFileSync(file, "utf8"), `${process.pid}\n`);
    assert.equal(pidLockHolder(file), null, "this process is not 'another' holder");
    releasePidLock(file);
    assert.equal(existsSync(file), false);
  });

  it("refuses while another live process holds it, with its pid (code ELOCKED); changes nothing", () => {
    const other = process.ppid; // alive while this test runs, and not this process
    writeFileSync(file, `${other}\n`);
    assert.equal(pidLockHolder(file), other);
    assert.throws(() => takePidLock(file, "the data directory /d"), (e: NodeJS.ErrnoException & { pid?: number }) => e.code === "ELOCKED" && e.pid === other && e.message === `the data directory /d is in use by process ${other}`);
    assert.equal(readFileSync(file, "utf8"), `${other}\n`);
    releasePidLock(file);
    assert.equal(readFileSync(file, "utf8"), `${other}\n`, "another process's lock is not released by this one");
  });

  it("takes over a lock left by a dead process (SIGKILL) or holding garbage", () => {
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]).stdout.toString();
    writeFileSync(file, `${dead}\n`);
    assert.equal(pidLockHolder(file), null);
    takePidLock(file, "x");
    assert.equal(readFileSync(file, "utf8"), `${process.pid}\n`);
    writeFileSync(file, "not a pid");
    takePidLock(file, "x");
    assert.equal(readFileSync(file, "utf8"), `${process.pid}\n`);
  });
});
