import assert from "node:assert/strict";
import { hashPassword, verifyAgainstDummy, verifyPassword } from "../../../src/stores/argon2-password-hasher.js";

describe("passwords", () => {
  it("argon2id: a PHC string with its own salt; verifies the password and nothing else", async function () {
    this.timeout(10_000);
    const h1 = await hashPassword("correct horse battery");
    const h2 = await hashPassword("correct horse battery");
    assert.match(h1, /^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$/);
    assert.notEqual(h1, h2, "salted");
    assert.ok(!h1.includes("correct horse"));
    assert.equal(await verifyPassword(h1, "correct horse battery"), true);
    assert.equal(await verifyPassword(h1, "correct horse batterY"), false);
    assert.equal(await verifyPassword("not a hash", "correct horse battery"), false);
    assert.equal(await verifyAgainstDummy("correct horse battery"), false);
  });
});
