/**
 * How the auth service hashes and checks passwords (implemented with argon2id by
 * src/stores/argon2-password-hasher.ts). A password is never stored, logged or put in an error message.
 */
export interface PasswordHasherPort {
  /** A self-describing hash (PHC string: algorithm, parameters and its own random salt). */
  hash(password: string): Promise<string>;
  /** Whether `password` matches a stored hash; a malformed hash is a mismatch, never a rejection. */
  verify(passwordHash: string, password: string): Promise<boolean>;
  /**
   * The work of `verify` against a hash nobody's password matches: an unknown user name costs the same
   * time as a wrong password, so the answer's timing does not tell which names exist.
   */
  verifyAgainstDummy(password: string): Promise<false>;
}
