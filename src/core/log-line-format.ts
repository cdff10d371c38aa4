/**
 * The human-readable console line of one pino log object (issue 12, item 4):
 *
 *     05:51:26.204 INFO  line: line started state=Stopped restoredFrom=none
 *
 * local time, level, module, message, then a few of the other fields as key=value (long values cut), and
 * an error by its message. Pure: the same object gives the same line (the time is shown in the local time
 * zone). Colour (ANSI) only when asked for — the caller decides (a TTY, and NO_COLOR not set).
 */

/** Fields shown elsewhere in the line, or not at all (`app` is the same on every line). */
const SHOWN_APART = new Set(["level", "time", "msg", "module", "app", "pid", "hostname", "err"]);
/** At most this many key=value fields; more are counted as `…+N`. */
const MAX_FIELDS = 8;
/** A value longer than this is cut with `…`. */
const MAX_VALUE_CHARS = 80;

const LEVELS: Readonly<Record<number, { name: string; color: string }>> = {
  10: { name: "TRACE", color: "90" },
  20: { name: "DEBUG", color: "90" },
  30: { name: "INFO", color: "32" },
  40: { name: "WARN", color: "33" },
  50: { name: "ERROR", color: "31" },
  60: { name: "FATAL", color: "1;41" },
};

export interface LogLineOptions {
  /** ANSI colours (level, module, dim keys). */
  readonly color: boolean;
}

export function formatLogLine(log: Readonly<Record<string, unknown>>, options: LogLineOptions): string {
  const paint = (code: string, s: string) => (options.color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const level = typeof log.level === "number" ? (LEVELS[log.level] ?? { name: `L${log.level}`, color: "0" }) : { name: String(log.level ?? "?"), color: "0" };
  const parts = [paint("2", clockTime(log.time)), paint(level.color, level.name.padEnd(5))];
  const module = typeof log.module === "string" && log.module !== "" ? `${paint("36", log.module)}:` : "";
  const head = [module, typeof log.msg === "string" ? log.msg : ""].filter((s) => s !== "").join(" ");
  if (head !== "") parts.push(head);

  const fields = Object.entries(log).filter(([k]) => !SHOWN_APART.has(k));
  for (const [key, value] of fields.slice(0, MAX_FIELDS)) parts.push(`${paint("2", `${key}=`)}${renderValue(value)}`);
  if (fields.length > MAX_FIELDS) parts.push(paint("2", `…+${fields.length - MAX_FIELDS}`));
  if (log.err !== undefined) parts.push(`${paint("2", "err=")}${paint(level.color, quote(errorText(log.err)))}`);
  return parts.join(" ");
}

/** HH:MM:SS.mmm in local time, from pino's ISO time (or epoch ms); the raw value when it is neither. */
function clockTime(time: unknown): string {
  const d = typeof time === "string" || typeof time === "number" ? new Date(time) : undefined;
  if (!d || Number.isNaN(d.getTime())) return String(time ?? "--:--:--.---");
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** `Type: message` of a serialized error (pino's `{ type, message, stack }`), or the value as text. */
function errorText(err: unknown): string {
  if (err !== null && typeof err === "object") {
    const e = err as { type?: unknown; name?: unknown; message?: unknown };
    const type = typeof e.type === "string" ? e.type : typeof e.name === "string" ? e.name : "";
    if (typeof e.message === "string") return type && type !== "Error" ? `${type}: ${e.message}` : e.message;
  }
  return typeof err === "string" ? err : JSON.stringify(err);
}

function renderValue(value: unknown): string {
  if (typeof value === "string") return /^[^\s"=]+$/.test(value) ? cut(value) : quote(value);
  if (value === null || typeof value === "number" || typeof value === "boolean") return String(value);
  return cut(JSON.stringify(value) ?? String(value));
}

function quote(s: string): string {
  return JSON.stringify(cut(s));
}

function cut(s: string): string {
  return s.length > MAX_VALUE_CHARS ? `${s.slice(0, MAX_VALUE_CHARS - 1)}…` : s;
}
