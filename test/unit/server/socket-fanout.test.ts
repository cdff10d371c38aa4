// The gateway's chunked fan-out: at most FANOUT_CHUNK local sockets per macrotask, every send in order behind
// what is queued, the other processes' members reached at once through the cluster adapter.
import assert from "node:assert/strict";
import type { GatewayServer } from "../../../src/server/socket-data.js";
import { SocketFanout } from "../../../src/server/socket-fanout.js";
import { ManualSocketScheduler } from "./manual-socket-scheduler.js";

interface Written {
  readonly to: string[];
  readonly event: string;
  readonly payload: unknown;
  readonly except?: string[];
  readonly local: boolean;
}

/** The part of a socket.io server the fan-out uses, recording every emit. */
function fakeIo(rooms: Record<string, string[]>) {
  const written: Written[] = [];
  const target = (to: string | string[], local: boolean, except?: string[]) => ({
    except: (ids: string[]) => target(to, local, ids),
    emit: (event: string, payload: unknown) => void written.push({ to: ([] as string[]).concat(to), event, payload, local, ...(except ? { except } : {}) }),
  });
  const io = {
    sockets: { adapter: { rooms: new Map(Object.entries(rooms).map(([k, v]) => [k, new Set(v)])) } },
    local: { to: (to: string | string[]) => target(to, true) },
    to: (to: string | string[]) => target(to, false),
  };
  return { io: io as unknown as GatewayServer, written };
}

const ids = (n: number, prefix = "s") => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe("SocketFanout", () => {
  it("a send to few sockets with nothing queued is one emit at once", () => {
    const { io, written } = fakeIo({ r: ids(3) });
    const f = new SocketFanout(io, new ManualSocketScheduler(), false, 16);
    assert.equal(f.toRoom("r", "tags", { t: 1, changes: [] } as never), 3);
    assert.deepEqual(written, [{ to: ["s0", "s1", "s2"], event: "tags", payload: { t: 1, changes: [] }, local: true }]);
    assert.equal(f.busy(), false);
  });

  it("a room larger than a chunk: the first chunk at once, one more per macrotask, until done; then whenIdle runs", () => {
    const { io, written } = fakeIo({ r: ids(40) });
    const sched = new ManualSocketScheduler();
    const f = new SocketFanout(io, sched, false, 16);
    assert.equal(f.toRoom("r", "alarms", { n: 1 } as never), 40);
    assert.deepEqual(written.map((w) => w.to.length), [16]);
    let idle = 0;
    f.whenIdle(() => idle++);
    assert.equal(f.busy(), true);
    assert.equal(sched.runNext(), true);
    assert.deepEqual(written.map((w) => w.to.length), [16, 16]);
    assert.equal(idle, 0);
    assert.equal(sched.runNext(), true);
    assert.deepEqual(written.map((w) => w.to.length), [16, 16, 8]);
    assert.equal(idle, 1);
    assert.equal(f.busy(), false);
    assert.deepEqual(written.flatMap((w) => w.to).sort(), ids(40).sort(), "every member once");
    assert.equal(sched.runNext(), false, "nothing left scheduled");
  });

  it("keeps each socket's order: a later send (a room's or one socket's) goes behind what is queued", () => {
    const { io, written } = fakeIo({ r: ids(20) });
    const sched = new ManualSocketScheduler();
    const f = new SocketFanout(io, sched, false, 16);
    f.toRoom("r", "tags", "batch-1" as never);
    f.toSocket("s19", "tags", "initial-19" as never);
    f.toRoom("r", "tags", "batch-2" as never);
    while (sched.runNext());
    const seenBy19 = written.filter((w) => w.to.includes("s19")).map((w) => w.payload);
    assert.deepEqual(seenBy19, ["batch-1", "initial-19", "batch-2"]);
    const seenBy0 = written.filter((w) => w.to.includes("s0")).map((w) => w.payload);
    assert.deepEqual(seenBy0, ["batch-1", "batch-2"]);
  });

  it("except leaves those sockets out; an empty room sends nothing", () => {
    const { io, written } = fakeIo({ r: ids(4) });
    const f = new SocketFanout(io, new ManualSocketScheduler(), false, 16);
    assert.equal(f.toRoom("r", "tags", "b" as never, ["s1", "s3"]), 2);
    assert.equal(f.toRoom("nobody", "tags", "b" as never), 0);
    assert.deepEqual(written.map((w) => w.to), [["s0", "s2"]]);
  });

  it("with the cluster adapter: one broadcast to the room for the other processes, leaving this process's members and except out", () => {
    const { io, written } = fakeIo({ r: ids(2) });
    const f = new SocketFanout(io, new ManualSocketScheduler(), true, 16);
    f.toRoom("r", "line", "state" as never, ["remote-9"]);
    assert.deepEqual(written[0], { to: ["r"], event: "line", payload: "state", local: false, except: ["s0", "s1", "remote-9"] });
    assert.deepEqual(written[1], { to: ["s0", "s1"], event: "line", payload: "state", local: true });
  });

  it("counts the time its queued chunks took, once; close drops what is queued", () => {
    const { io, written } = fakeIo({ r: ids(48) });
    const sched = new ManualSocketScheduler();
    const f = new SocketFanout(io, sched, false, 16);
    const spend = io.local.to;
    (io as unknown as { local: { to: typeof spend } }).local.to = (to) => {
      sched.spend(2);
      return spend(to);
    };
    f.toRoom("r", "tags", "b" as never);
    sched.runNext();
    assert.equal(f.takeDeferredMs(), 2, "the queued chunk's 2 ms (the first chunk was the caller's)");
    assert.equal(f.takeDeferredMs(), 0);
    f.close();
    assert.equal(f.busy(), false);
    assert.equal(sched.runNext(), false);
    assert.equal(written.length, 2);
  });
});
