import assert from "node:assert/strict";
import fc from "fast-check";
import { PointFifo } from "../../../src/historian/point-fifo.js";

describe("historian point fifo", () => {
  it("hands items out in push order across chunks, emptied and refilled", () => {
    const f = new PointFifo<number>();
    assert.equal(f.shift(), undefined);
    let next = 0;
    let want = 0;
    for (const [push, take] of [[10_000, 3], [1, 9998], [9000, 9000], [5, 0], [4096, 4101], [20_000, 1]] as const) {
      for (let i = 0; i < push; i++) f.push(next++);
      for (let i = 0; i < take; i++) assert.equal(f.shift(), want++);
      assert.equal(f.length, next - want);
    }
    while (f.length > 0) assert.equal(f.shift(), want++);
    assert.equal(want, next);
    assert.equal(f.shift(), undefined);
  });

  it("behaves like an array used as a queue (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: 1, max: 9000 }), fc.integer({ min: -9000, max: -1 })), { maxLength: 30 }), (ops) => {
        const f = new PointFifo<number>();
        const model: number[] = [];
        let next = 0;
        for (const op of ops) {
          if (op > 0) for (let i = 0; i < op; i++) {
            f.push(next);
            model.push(next++);
          }
          else for (let i = 0; i < -op; i++) assert.equal(f.shift(), model.shift());
          assert.equal(f.length, model.length);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("keeps null and undefined items (not points, counted by the encoder) in their place", () => {
    const f = new PointFifo<unknown>();
    f.push(1);
    f.push(null);
    f.push(undefined);
    f.push(2);
    assert.equal(f.length, 4);
    assert.deepEqual([f.shift(), f.shift(), f.shift(), f.shift()], [1, null, undefined, 2]);
    assert.equal(f.length, 0);
  });
});
