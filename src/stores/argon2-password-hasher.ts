/**
 * argon2id password hashing (@node-rs/argon2, native code) behind the auth domain's PasswordHasherPort. Its
 * defaults: 19 MiB, 2 passes, 1 lane — OWASP's argon2id minimum; ≈ 40 ms here.
 */
import { randomBytes } from "node:crypto";
import { hash, verify } from "@node-rs/argon2";
import type { PasswordHasherPort } from "../auth/password-hasher-port.js";

/** argon2id (algorithm 2 of @node-rs/argon2's const enum, which isolatedModules cannot name). */
const ARGON2ID = 2;

/** A PHC string (`$argon2id$v=19$m=…`) with its own random salt. */
export function hashPassword(password: string): Promise<string> {
  return hash(password, { algorithm: ARGON2ID });
}

/** Whether `password` matches a stored PHC string; a malformed hash is a mismatch, not an exception. */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * Verification against a hash nobody's password matches: an unknown user name costs the same time as a
 * wrong password, so the answer's timing does not tell which names exist.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummyHash ??= hashPassword(randomBytes(32).toString("base64url"));
  await verifyPassword(await dummyHash, password);
  return false;
}

export const argon2PasswordHasher: PasswordHasherPort = {
  hash: hashPassword,
  verify: verifyPassword,
  verifyAgainstDummy,
};
