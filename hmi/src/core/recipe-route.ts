/** Where the Recipes display is: the list, one version, a new draft from a version, or a diff. */
export type RecipeRoute =
  | { readonly view: "list"; readonly alloy: string | null }
  | { readonly view: "version"; readonly alloy: string; readonly version: number }
  | { readonly view: "new"; readonly alloy: string; readonly basedOn: number }
  | { readonly view: "diff"; readonly alloy: string; readonly from: number | null; readonly to: number | null };

const version = (s: string | undefined): number | null => (s !== undefined && /^[1-9]\d{0,8}$/.test(s) ? Number(s) : null);

/**
 * The route from the hash's parts after `recipes`: `[]` list · `[BiSb]` the alloy (its approved or latest
 * version) · `[BiSb, 2]` version 2 · `[BiSb, new, 1]` a new draft from v1 · `[BiSb, diff, 1, 2]` v1 ↔ v2.
 */
export function parseRecipeRoute(parts: readonly string[]): RecipeRoute {
  const alloy = parts[0] ? decodeURIComponent(parts[0]) : null;
  if (alloy === null || !/^[A-Za-z0-9_-]{1,32}$/.test(alloy)) return { view: "list", alloy: null };
  const v = version(parts[1]);
  if (v !== null) return { view: "version", alloy, version: v };
  if (parts[1] === "new") {
    const b = version(parts[2]);
    return b === null ? { view: "list", alloy } : { view: "new", alloy, basedOn: b };
  }
  if (parts[1] === "diff") return { view: "diff", alloy, from: version(parts[2]), to: version(parts[3]) };
  return { view: "list", alloy };
}

/** The hash of a route (the inverse of parseRecipeRoute). */
export function recipeHash(r: RecipeRoute): string {
  const a = r.alloy === null ? "" : `/${encodeURIComponent(r.alloy)}`;
  switch (r.view) {
    case "list":
      return `#/recipes${a}`;
    case "version":
      return `#/recipes${a}/${r.version}`;
    case "new":
      return `#/recipes${a}/new/${r.basedOn}`;
    case "diff":
      return `#/recipes${a}/diff${r.from !== null ? `/${r.from}` : ""}${r.from !== null && r.to !== null ? `/${r.to}` : ""}`;
  }
}
