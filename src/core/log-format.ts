/**
 * Which console log format a process uses (issue 12, item 4): LOG_FORMAT=json or LOG_FORMAT=pretty
 * decide; unset (or anything else), the human-readable line when stdout is a terminal and JSON lines
 * otherwise (a pipe, a file, journald). Colour only on a terminal and never with NO_COLOR
 * (https://no-color.org: set and not empty). Pure: a function of the environment and of `isTTY`.
 */
export type LogFormat = "json" | "pretty";

export interface LogFormatChoice {
  readonly format: LogFormat;
  readonly color: boolean;
  /** LOG_FORMAT was set to something that is neither `json` nor `pretty` (worth a warning). */
  readonly ignored?: string;
}

export function logFormatFor(env: Readonly<Record<string, string | undefined>>, stdoutIsTTY: boolean): LogFormatChoice {
  const asked = (env.LOG_FORMAT ?? "").trim().toLowerCase();
  const format: LogFormat = asked === "json" || asked === "pretty" ? asked : stdoutIsTTY ? "pretty" : "json";
  const color = format === "pretty" && stdoutIsTTY && (env.NO_COLOR ?? "") === "";
  return { format, color, ...(asked === "" || asked === "json" || asked === "pretty" ? {} : { ignored: env.LOG_FORMAT }) };
}
