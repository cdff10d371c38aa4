/**
 * Passwords: the policy a new password must meet, argon2id hashing and verification (@node-rs/argon2,
 * its defaults: 19 MiB, 2 passes, 1 lane — OWASP's argon2id minimum; ≈ 40 ms here), and generated
 * one-time passwords. A password is never stored, logged or put in an error message.
 */
import { randomBytes } from "node:crypto";
import { hash, verify } from "@node-rs/argon2";

export const PASSWORD_MIN_LENGTH = 12;
/** Longer than any passphrase; keeps hashing a huge body from being a cheap denial of service. */
export const PASSWORD_MAX_LENGTH = 256;

/** Why a new password is refused (a sentence for the user), or null when it is acceptable. */
export function passwordProblem(password: string, userName?: string): string | null {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) return `password must be at least ${PASSWORD_MIN_LENGTH} characters long (it has ${length})`;
  if (length > PASSWORD_MAX_LENGTH) return `password must be at most ${PASSWORD_MAX_LENGTH} characters long (it has ${length})`;
  if (password.trim().length === 0) return "password must not be only spaces";
  if (userName !== undefined && password.toLowerCase().includes(userName.toLowerCase())) return "password must not contain the user name";
  return null;
}

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

/** A random password for a first-run admin: 24 characters of base64url (144 bits). */
export function generatePassword(): string {
  return randomBytes(18).toString("base64url");
}
