/**
 * `htr-scada recipes list | show | diff | export | import`: the recipe versions of a data directory's
 * database, with the server stopped or running (SQLite WAL). Reading is free; `import` writes a new DRAFT
 * (never an approved version: review and signed approval happen in the SCADA), authored by `cli:<os user>`,
 * and queues its audit record for the server to write (the audit trail has one writer, as for `users`).
 */
import { readFileSync, writeFileSync } from "node:fs";
import type { Command } from "commander";
import { parse as parseYaml, stringify as toYaml } from "yaml";
import { loadConfigOrThrow } from "../config/config-loader.js";
import { systemClock } from "../core/clock.js";
import { ScadaError } from "../core/errors.js";
import { RecipeCatalog } from "../recipes/recipe-catalog.js";
import { diffRecipes } from "../recipes/recipe-diff.js";
import { RecipeStore } from "./recipe-store.js";
import { SqliteRecipeVersionStore } from "./recipe-version-store.js";
import { cliExit, cliUser } from "./cli-exit.js";
import { SqliteUserStore } from "./user-store.js";

export interface RecipesCommandIo {
  out(s: string): void;
  err(s: string): void;
}

interface Dirs {
  readonly dataDir: string;
  readonly configDir: string;
}

const when = (t: number): string => new Date(t).toISOString();

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd());
}

const versionArg = (text: string | undefined, name = "version"): number | undefined => {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new ScadaError("SCADA_ERR_HTTP_BAD_REQUEST", `${name} must be a version number (1, 2, …), not '${text}'`);
  return n;
};

/** Opens the database (refused, naming the path, when the directory has no scada.db) and runs one action. */
export function runRecipesAction(dirs: Dirs, io: RecipesCommandIo, action: (ctx: { versions: SqliteRecipeVersionStore; users: SqliteUserStore; catalog: () => RecipeCatalog }) => string[]): Promise<number> {
  return cliExit(io, () => {
    const users = SqliteUserStore.openExisting(dirs.dataDir);
    const versions = SqliteRecipeVersionStore.open(dirs.dataDir);
    try {
      const catalog = () => new RecipeCatalog({ files: new RecipeStore(dirs.configDir), versions, line: loadConfigOrThrow(dirs.configDir), clock: systemClock });
      return action({ versions, users, catalog });
    } finally {
      versions.close();
      users.close();
    }
  });
}

function requireVersion(versions: SqliteRecipeVersionStore, alloy: string, v: number | undefined) {
  const found = v === undefined ? versions.approved(alloy) : versions.get(alloy, v);
  if (!found) throw new ScadaError("SCADA_ERR_RECIPE_UNKNOWN", v === undefined ? `${alloy} has no approved version` : `${alloy} has no version ${v}`);
  return found;
}

/** Adds `recipes` and its subcommands to the program. */
export function registerRecipesCommand(program: Command, defaults: { dataDir: () => string; configDir: () => string; resolveDir: (d: string) => string }, io: RecipesCommandIo = { out: (s) => console.log(s), err: (s) => console.error(s) }): void {
  const recipes = program.command("recipes").description("recipe versions (works with the server stopped or running): list | show | diff | export | import");
  const dirsOf = (o: { dataDir?: string; config?: string }): Dirs => ({
    dataDir: o.dataDir ? defaults.resolveDir(o.dataDir) : defaults.dataDir(),
    configDir: o.config ? defaults.resolveDir(o.config) : defaults.configDir(),
  });
  const run = async (o: { dataDir?: string; config?: string }, action: Parameters<typeof runRecipesAction>[2]): Promise<void> => {
    process.exitCode = await runRecipesAction(dirsOf(o), io, action);
  };
  const withDirs = (c: Command): Command =>
    c.option("--data-dir <dir>", "data directory holding scada.db (env SCADA_DATA_DIR, default ./var)").option("--config <dir>", "plc-config directory (env SCADA_CONFIG_DIR)");

  withDirs(recipes.command("list").description("every recipe's versions with state, author, time, reason and hash")).action((o: { dataDir?: string; config?: string }) =>
    run(o, ({ versions }) => {
      const rows = [["ALLOY", "VERSION", "STATE", "AUTHOR", "CREATED", "HASH", "REASON"]];
      for (const l of versions.list()) for (const v of l.versions) rows.push([l.alloy, `v${v.version}`, v.state, v.author, when(v.createdAt), v.hash.slice(0, 12), v.reason]);
      return table(rows);
    }),
  );

  withDirs(recipes.command("show").description("a version (default: the approved one) with its history").argument("<alloy>").argument("[version]")).action(
    (alloy: string, v: string | undefined, o: { dataDir?: string; config?: string }) =>
      run(o, ({ versions }) => {
        const found = requireVersion(versions, alloy, versionArg(v));
        const head = [`# ${alloy} v${found.version} — ${found.state}, by ${found.author} at ${when(found.createdAt)}: ${found.reason}`, `# sha256 ${found.hash}`];
        const history = versions.history(alloy, found.version).map((h) => `#   ${when(h.at)} ${h.from ?? "-"} → ${h.to} by ${h.by}: ${h.meaning}${h.reason ? ` (${h.reason})` : ""}`);
        return [...head, ...history, toYaml(found.recipe).trimEnd()];
      }),
  );

  withDirs(recipes.command("diff").description("field by field, with units").argument("<alloy>").argument("<from>").argument("<to>")).action(
    (alloy: string, from: string, to: string, o: { dataDir?: string; config?: string }) =>
      run(o, ({ versions }) => {
        const a = requireVersion(versions, alloy, versionArg(from, "from"));
        const b = requireVersion(versions, alloy, versionArg(to, "to"));
        const changes = diffRecipes(a.recipe, b.recipe);
        if (changes.length === 0) return [`${alloy} v${a.version} and v${b.version} hold the same recipe`];
        return changes.map((c) => `${c.path}: ${JSON.stringify(c.from)} → ${JSON.stringify(c.to)}${c.units ? ` ${c.units}` : ""}`);
      }),
  );

  withDirs(recipes.command("export").description("a version as a recipe file (YAML)").argument("<alloy>").argument("[version]").option("--out <file>", "write it here instead of stdout")).action(
    (alloy: string, v: string | undefined, o: { dataDir?: string; config?: string; out?: string }) =>
      run(o, ({ versions }) => {
        const found = requireVersion(versions, alloy, versionArg(v));
        const text = `# yaml-language-server: $schema=../schema/recipe.schema.json\n# ${alloy} v${found.version} (${found.state}), sha256 ${found.hash}\n${toYaml(found.recipe)}`;
        if (!o.out) return [text.trimEnd()];
        writeFileSync(o.out, text);
        return [`${alloy} v${found.version} written to ${o.out}`];
      }),
  );

  withDirs(
    recipes
      .command("import")
      .description("a recipe file as a new DRAFT (review and signed approval happen in the SCADA)")
      .argument("<file>")
      .requiredOption("--reason <text>", "why this version (mandatory)")
      .option("--based-on <version>", "the version it changes (default: the approved one)"),
  ).action((file: string, o: { dataDir?: string; config?: string; reason: string; basedOn?: string }) =>
    run(o, ({ versions, users, catalog }) => {
      let recipe: unknown;
      try {
        recipe = parseYaml(readFileSync(file, "utf8"));
      } catch (err) {
        throw new ScadaError("SCADA_ERR_RECIPE_INVALID", `${file}: ${(err as Error).message}`);
      }
      const alloy = String((recipe as { alloy?: unknown } | null)?.alloy ?? "");
      const basedOn = versionArg(o.basedOn, "--based-on") ?? versions.approved(alloy)?.version ?? null;
      const user = cliUser();
      const r = catalog().create({ user, role: "cli", permissions: ["recipes:edit"] }, { alloy, basedOn, reason: o.reason, recipe });
      if (!r.ok) throw new ScadaError(r.code === "unknown" ? "SCADA_ERR_RECIPE_UNKNOWN" : r.code === "reason-required" ? "SCADA_ERR_RECIPE_REASON_REQUIRED" : "SCADA_ERR_RECIPE_INVALID", r.message);
      users.queueAudit(
        { user, role: "cli", clientAddress: "local", action: "recipe.create", target: alloy, newValue: { version: r.version.version, basedOn, file }, reason: o.reason, result: "ok" },
        systemClock.now(),
      );
      return [`${alloy} v${r.version.version} imported as a draft from ${file} (based on ${basedOn === null ? "nothing" : `v${basedOn}`})`];
    }),
  );
}
