// The line's process's book of the sockets its web processes serve: time comes in as plain numbers.
import assert from "node:assert/strict";
import { RemoteSocketBook } from "../../../src/server/remote-socket-book.js";

describe("RemoteSocketBook", () => {
  let book: RemoteSocketBook;
  beforeEach(() => {
    book = new RemoteSocketBook();
  });

  it("add / has / remove, and size", () => {
    book.add("web1", "s1", 0);
    book.add("web1", "s1", 5);
    book.add("web2", "s2", 0);
    assert.equal(book.size, 2, "a second add of the same socket is not a second socket");
    assert.ok(book.has("s1") && book.has("s2"));
    assert.equal(book.has("nope"), false);
    assert.equal(book.remove("s1"), true);
    assert.equal(book.remove("s1"), false, "already forgotten");
    assert.equal(book.remove("nope"), false);
    assert.equal(book.has("s1"), false);
    assert.equal(book.size, 1);
  });

  it("group counts: moves leave the old group, which is gone at zero; remove leaves it too", () => {
    book.add("web1", "s1", 0);
    book.add("web1", "s2", 0);
    book.setGroup("s1", 1);
    book.setGroup("s2", 1);
    book.setGroup("s2", 1);
    assert.equal(book.inGroup(1), 2, "setting the same group twice counts once");
    book.setGroup("s1", 2);
    assert.deepEqual([book.inGroup(1), book.inGroup(2)], [1, 1]);
    book.setGroup("s2", null);
    assert.deepEqual([book.inGroup(1), book.inGroup(2)], [0, 1]);
    book.setGroup("s2", 1);
    assert.equal(book.inGroup(1), 1, "group 1 counts again from zero (it was deleted, not left at a stale value)");
    assert.equal(book.remove("s1"), true);
    assert.equal(book.inGroup(2), 0);
    book.setGroup("unknown", 3);
    assert.equal(book.inGroup(3), 0, "an unknown socket joins nothing");
  });

  it("a socket that shows up on another node starts with no group", () => {
    book.add("web1", "s1", 0);
    book.setGroup("s1", 7);
    book.add("web1", "s1", 1);
    assert.equal(book.inGroup(7), 1, "the same node again keeps the group");
    book.add("web2", "s1", 2);
    assert.equal(book.inGroup(7), 0);
    assert.equal(book.size, 1);
    assert.deepEqual(book.reconcile("web1", [], 3), [], "no longer web1's");
    assert.deepEqual(book.reconcile("web2", [], 3), ["s1"]);
  });

  it("reconcile returns exactly the node's sockets not in the live list, and forgets them", () => {
    for (const s of ["a", "b", "c"]) book.add("web1", s, 0);
    book.add("web2", "x", 0);
    book.setGroup("b", 1);
    assert.deepEqual(book.reconcile("web1", ["a", "x", "unknown"], 10).sort(), ["b", "c"]);
    assert.deepEqual([book.has("a"), book.has("b"), book.has("c"), book.has("x")], [true, false, false, true]);
    assert.equal(book.has("unknown"), false, "a live socket not yet known is not added");
    assert.equal(book.inGroup(1), 0);
    assert.deepEqual(book.reconcile("web1", ["a"], 11), [], "nothing more to forget");
  });

  it("expire forgets nodes silent longer than silenceMs and their sockets; exactly silenceMs is kept", () => {
    book.add("web1", "a", 0);
    book.add("web1", "b", 0);
    book.add("web2", "x", 100);
    book.setGroup("a", 1);
    assert.deepEqual(book.expire(1000, 1000), [], "web1 silent exactly 1000 ms: kept");
    assert.deepEqual(book.expire(1001, 1000).sort(), ["a", "b"]);
    assert.deepEqual([book.has("a"), book.has("b"), book.has("x")], [false, false, true]);
    assert.equal(book.inGroup(1), 0);
    assert.deepEqual(book.expire(1001, 1000), [], "web1 is forgotten, not expired twice");
    assert.deepEqual(book.expire(1101, 1000), ["x"]);
    assert.equal(book.size, 0);
  });

  it("heardFrom, reconcile and add keep a node alive", () => {
    book.add("web1", "a", 0);
    book.add("web2", "x", 0);
    book.add("web3", "y", 0);
    book.heardFrom("web1", 900);
    book.reconcile("web2", ["x"], 900);
    book.add("web3", "y", 900);
    assert.deepEqual(book.expire(1500, 1000), []);
    assert.deepEqual(book.expire(1901, 1000).sort(), ["a", "x", "y"]);
  });
});
