/** User names: 2–32 characters, lower-case letters, digits, '.', '_' and '-', starting with a letter. */
export const USER_NAME_PATTERN = /^[a-z][a-z0-9._-]{1,31}$/;

/** Why a new user name is refused, or null when it is acceptable. */
export function userNameProblem(name: string): string | null {
  if (!USER_NAME_PATTERN.test(name)) {
    return "user name must be 2–32 characters: lower-case letters, digits, '.', '_' or '-', starting with a letter";
  }
  if (name === "system" || name.startsWith("cli:") || name === "unauthenticated") return `user name '${name}' is reserved`;
  return null;
}
