import type { LineJson } from "../../../src/server/socket-contract.js";

/** The recipe in the line as `/api/line`'s `loadedRecipe` says it (version, hash and trial when the server sends them). */
export interface LoadedRecipe {
  readonly alloy: string | null;
  readonly version: number | null;
  readonly hash: string | null;
  /** A version not approved, loaded in Maintenance mode. */
  readonly trial: boolean;
  /** The recipe's state in the line: verified, loading, mismatch … */
  readonly state: string;
}

export function loadedRecipeOf(line: LineJson | null | undefined): LoadedRecipe {
  const lr = line?.loadedRecipe;
  const version = lr?.version;
  const hash = lr?.hash;
  return {
    alloy: typeof lr?.alloy === "string" ? lr.alloy : null,
    version: typeof version === "number" ? version : null,
    hash: typeof hash === "string" ? hash : null,
    trial: lr?.trial === true,
    state: typeof lr?.state === "string" ? lr.state : "none",
  };
}

/** The loaded recipe in words: `BiSb v2 (verified)`, `BiSb v3 TRIAL (verified)`, `none loaded`. */
export function loadedRecipeText(r: LoadedRecipe): string {
  if (r.alloy === null) return "none loaded";
  return `${r.alloy}${r.version !== null ? ` v${r.version}` : ""}${r.trial ? " TRIAL" : ""} (${r.state})`;
}
