/**
 * What every store in `<data>/scada.db` shares: how the file is opened (WAL, synchronous FULL, foreign keys,
 * a 5 s busy timeout), the append-only triggers of people's records, and an SQL list of allowed values.
 */
import Database from "better-sqlite3";

/** Opens the database file with the settings every store uses. */
export function openScadaDb(file: string, options: { readonly?: boolean } = {}): Database.Database {
  const db = new Database(file, { timeout: 5000, ...(options.readonly ? { readonly: true } : {}) });
  if (options.readonly) return db;
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma("foreign_keys = ON");
  return db;
}

/** Triggers that refuse any UPDATE or DELETE of `table`'s rows, with `why` as the error. */
export function appendOnlyTriggers(table: string, why = `${table} is append-only`): string {
  return `
CREATE TRIGGER IF NOT EXISTS ${table}_no_update BEFORE UPDATE ON ${table}
BEGIN SELECT RAISE(ABORT, '${why}'); END;
CREATE TRIGGER IF NOT EXISTS ${table}_no_delete BEFORE DELETE ON ${table}
BEGIN SELECT RAISE(ABORT, '${why}'); END;`;
}

/** `'a', 'b', 'c'` for an SQL `IN (…)` check. */
export function sqlList(values: readonly string[]): string {
  return values.map((v) => `'${v}'`).join(", ");
}
