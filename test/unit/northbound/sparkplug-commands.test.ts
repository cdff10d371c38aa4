import assert from "node:assert/strict";
import { commandBirthMetrics, commandCountMetrics, commandsOf, operationNameOf, resultMetric } from "../../../src/northbound/sparkplug-commands.js";

describe("Sparkplug B commands from the north (metrics)", () => {
  it("a DCMD's metrics are commands, named by the DCMD's Operation/Id", () => {
    const cmds = commandsOf("htr", [
      { name: "Operation/Id", type: "String", value: "mes-7" },
      { name: "Operation/Request", type: "String", value: '{"op":"alarm.ack","input":{"id":"HTR-O2-H"}}' },
      { name: "htr.heater_enable", type: "Boolean", value: true },
    ]);
    assert.deepEqual(cmds.map((c) => [c.device, c.metric, c.id]), [["htr", "Operation/Request", "mes-7"], ["htr", "htr.heater_enable", "mes-7"]]);
    assert.equal(operationNameOf(cmds[0]!), "alarm.ack");
    assert.equal(operationNameOf(cmds[1]!), "", "a tag metric names no operation");
    assert.equal(operationNameOf({ device: "htr", metric: "Operation/Request", value: "{oops", id: "" }), "");
  });

  it("the answer: Operation/Result as JSON with the id, the operation, ok or the refusal's code and reason", () => {
    const cmd = { device: "htr", metric: "Operation/Request", value: '{"op":"line.command","input":{"command":"reset"}}', id: "r1" };
    const ok = resultMetric(cmd, { ok: true }, 5);
    assert.deepEqual(JSON.parse(String(ok.value)), { id: "r1", op: "line.command", ok: true });
    const no = resultMetric(cmd, { ok: false, error: { code: "SCADA_ERR_AUTH_FORBIDDEN", message: "needs line:command" } }, 5);
    assert.deepEqual(JSON.parse(String(no.value)), { id: "r1", op: "line.command", ok: false, code: "SCADA_ERR_AUTH_FORBIDDEN", message: "needs line:command" });
    assert.equal(no.name, "Operation/Result");
  });

  it("births declare where to write (read-only unless accepted) and where to read; the node counts both outcomes", () => {
    const [req, res] = commandBirthMetrics(1, false);
    assert.equal(req!.name, "Operation/Request");
    assert.equal(req!.properties?.readOnly?.value, true);
    assert.equal(commandBirthMetrics(1, true)[0]!.properties?.readOnly?.value, false);
    assert.equal(res!.name, "Operation/Result");
    assert.deepEqual(commandCountMetrics({ accepted: 2, refused: 3 }, 1).map((m) => [m.name, m.value]), [["Commands/Accepted", 2], ["Commands/Refused", 3]]);
  });
});
