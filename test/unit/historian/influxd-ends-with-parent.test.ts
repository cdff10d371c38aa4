import assert from "node:assert/strict";
import { endsWithParent, findPdeathsigSetpriv } from "../../../src/historian/managed-influxd.js";

describe("historian: the managed influxd's command line (it ends with its parent)", () => {
  it("through setpriv --pdeathsig TERM, which execs influxd (same pid)", () => {
    assert.deepEqual(endsWithParent("/usr/bin/influxd", ["run", "-config", "/d/influxd.conf"], "/usr/bin/setpriv"), {
      command: "/usr/bin/setpriv",
      args: ["--pdeathsig", "TERM", "--", "/usr/bin/influxd", "run", "-config", "/d/influxd.conf"],
      pdeathsig: true,
    });
  });

  it("without setpriv: influxd as it is, and says so", () => {
    assert.deepEqual(endsWithParent("/usr/bin/influxd", ["run"], null), { command: "/usr/bin/influxd", args: ["run"], pdeathsig: false });
  });

  it("finds util-linux setpriv with --pdeathsig on this machine kind (Debian, Linux)", function () {
    if (process.platform !== "linux") this.skip();
    assert.match(findPdeathsigSetpriv() ?? "(none)", /\/setpriv$/);
  });
});
