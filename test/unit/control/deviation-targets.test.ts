import assert from "node:assert/strict";
import { deviationTargets } from "../../../src/control/deviation-targets.js";
import { GOOD, bad, type TagValue } from "../../../src/core/tag-value.js";

const phase = (value: number | null, quality = GOOD) => {
  const v: TagValue = { value, quality, sourceTs: 1, serverTs: 1 };
  return (tag: string): TagValue | undefined => (tag === "htr.profile_phase" ? v : undefined);
};

describe("control: deviationTargets (the HTR-TEMP deviation target)", () => {
  it("targets the recipe's peak on htr.web_temp while the PLC holds it: pulse hold (2) and continuous at temperature (4)", () => {
    assert.deepEqual(deviationTargets(1340, phase(2)), { "htr.web_temp": 1340 });
    assert.deepEqual(deviationTargets(1360, phase(4)), { "htr.web_temp": 1360 });
  });

  it("no target while off, ramping or cooling", () => {
    for (const p of [0, 1, 3]) assert.deepEqual(deviationTargets(1340, phase(p)), {}, `phase ${p}`);
  });

  it("no target without a recipe, with a phase that is not Good, or with no phase at all", () => {
    assert.deepEqual(deviationTargets(undefined, phase(2)), {});
    assert.deepEqual(deviationTargets(1340, phase(2, bad("not connected"))), {});
    assert.deepEqual(deviationTargets(1340, phase(null)), {});
    assert.deepEqual(deviationTargets(1340, () => undefined), {});
  });
});
