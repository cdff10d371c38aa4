import { format } from "node:util";
import { setDebugLogger, setErrorLogger, setWarningLogger } from "node-opcua";
import type { Logger } from "../../core/logger.js";

/**
 * node-opcua's own messages through our logger (issue 12, item 4): by default the library prints its
 * warnings with console.log — coloured, multi-line, in the middle of the JSON lines a log shipper reads.
 * Routed here, each becomes one line of ours (module "node-opcua"), at a level that says what it means.
 *
 * Process-wide (the library keeps one set of loggers): called once by the process entry (main.ts).
 */

type Level = "debug" | "info" | "warn" | "error";

/**
 * Library warnings that are no fault of the plant or of the configuration, with the level they get instead.
 * Each is a fixed text of node-opcua; a new library version that rewords one only makes it a warning again.
 */
export const OPCUA_LIBRARY_NOTES: readonly { readonly match: RegExp; readonly level: Level; readonly why: string }[] = [
  {
    match: /NODE-OPCUA-W27|security-revert=CVE-2023-46809/,
    level: "debug",
    why: "a note about Node's RSA PKCS#1 v1.5 revert, printed on every connect; it matters only for a server that demands that padding, and such a connect fails with its own error",
  },
  { match: /Creating default certificate/, level: "info", why: "the client's first start makes its certificate (about 1 s)" },
  {
    match: /NODE-OPCUA-W25|^serverCertificate = |clientCertificateManager\.rootDir|server certificate chain contains|^\[\d+\/\d+\]|^(thumbprint|issuer|SKI|AKI|validity):/,
    level: "debug",
    why: "the library's dump of a refused server certificate (base64 included), on every retry; the driver names the certificate itself — subject, thumbprint, how to trust it — in its own line and the device's status",
  },
];

/** The level one library message gets: a known note's level, else the library's own. */
export function opcuaLibraryLevel(text: string, libraryLevel: Level): Level {
  for (const n of OPCUA_LIBRARY_NOTES) if (n.match.test(text)) return n.level;
  return libraryLevel;
}

/** One library message → one line: its text with the library's line breaks folded, its source file as a field. */
export function opcuaLibraryLine(args: readonly unknown[]): string {
  return format(...args)
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .join(" ");
}

/** At most this many lines from one place of the library's source (the library's own default), then one note. */
export const OPCUA_LIBRARY_LINES_PER_SOURCE = 100;

/** Sends node-opcua's debug, warning and error messages to `logger`, one line each (its trace log is a debugging aid it prints only when asked). */
export function routeOpcuaLibraryLog(logger: Logger): void {
  const log = logger.child({ module: "node-opcua" });
  const seen = new Map<string, number>();
  const to =
    (libraryLevel: Level) =>
    (ctx?: unknown, ...args: unknown[]): void => {
      const c = (ctx ?? {}) as { filename?: unknown; callerline?: unknown };
      const source = `${String(c.filename ?? "?")}:${String(c.callerline ?? "?")}`;
      const n = (seen.get(source) ?? 0) + 1;
      seen.set(source, n);
      if (n > OPCUA_LIBRARY_LINES_PER_SOURCE) return;
      const msg = opcuaLibraryLine(args);
      const level = opcuaLibraryLevel(msg, libraryLevel);
      log[level]({ source }, msg);
      if (n === OPCUA_LIBRARY_LINES_PER_SOURCE) log[level]({ source }, `node-opcua: no more lines from ${source} (${n} logged)`);
    };
  setWarningLogger(to("warn"));
  setErrorLogger(to("error"));
  setDebugLogger(to("debug"));
}
