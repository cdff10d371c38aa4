import assert from "node:assert/strict";
import { generatePassword, PASSWORD_MIN_LENGTH, passwordProblem } from "../../../src/auth/password-policy.js";
import { userNameProblem } from "../../../src/auth/user-name.js";

describe("passwords", () => {
  it("policy: at least 12 characters, with a clear message that never repeats the password", () => {
    assert.equal(PASSWORD_MIN_LENGTH, 12);
    const p = passwordProblem("short-pw-11");
    assert.equal(p, "password must be at least 12 characters long (it has 11)");
    assert.equal(passwordProblem("twelve-chars"), null);
    assert.equal(passwordProblem(" ".repeat(12)), "password must not be only spaces");
    assert.match(passwordProblem("x".repeat(257)) ?? "", /at most 256/);
    // Characters, not UTF-16 units: 12 emoji are 12 characters.
    assert.equal(passwordProblem("🔥".repeat(12)), null);
    assert.equal(passwordProblem("🔥".repeat(11)), "password must be at least 12 characters long (it has 11)");
  });

  it("policy: the password must not contain the user name", () => {
    assert.equal(passwordProblem("Operator-one-2026", "operator"), "password must not contain the user name");
    assert.equal(passwordProblem("a-good-passphrase", "operator"), null);
  });

  it("generated passwords are long, random and meet the policy", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 100; i++) {
      const p = generatePassword();
      assert.equal(p.length, 24);
      assert.equal(passwordProblem(p), null);
      seen.add(p);
    }
    assert.equal(seen.size, 100);
  });

  it("user names: lower-case letters, digits, . _ -, 2–32 characters; reserved names refused", () => {
    for (const ok of ["admin", "op1", "jane.doe", "qa_lead", "a-b"]) assert.equal(userNameProblem(ok), null, ok);
    for (const bad of ["", "a", "Admin", "1op", "jane doe", "x".repeat(33), "ünï", "op;drop"]) assert.ok(userNameProblem(bad), bad);
    assert.match(userNameProblem("system") ?? "", /reserved/);
  });
});
