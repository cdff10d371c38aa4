/**
 * The password policy (pure): what a new password must meet, and the generated one-time password of a
 * first run. Hashing is behind PasswordHasherPort (password-hasher-port.ts). A password is never stored,
 * logged or put in an error message.
 */
import { randomBytes } from "node:crypto";

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

/** A random password for a first-run admin: 24 characters of base64url (144 bits). */
export function generatePassword(): string {
  return randomBytes(18).toString("base64url");
}
