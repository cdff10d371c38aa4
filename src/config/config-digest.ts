/**
 * A fingerprint of a config directory, for the audit trail's `config.load` record: which configuration the
 * SCADA ran with, and whether it changed between starts.
 *
 * sha256 of a sha256sum-style listing — one line `<sha256 of the file>  <path relative to DIR>\n` per regular
 * file, every depth, sorted by path in byte order (hidden files and directories included) — so an inspector
 * can reproduce it without this code:
 *
 *   cd DIR && find . -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface ConfigDigest {
  readonly sha256: string;
  readonly files: number;
}

function filesUnder(dir: string, prefix = ""): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((e) => {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) return filesUnder(dir, rel);
    return e.isFile() ? [rel] : [];
  });
}

export function configDigest(dir: string): ConfigDigest {
  const files = filesUnder(dir).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const listing = files.map((f) => `${createHash("sha256").update(readFileSync(join(dir, f))).digest("hex")}  ${f}\n`).join("");
  return { sha256: createHash("sha256").update(listing).digest("hex"), files: files.length };
}
