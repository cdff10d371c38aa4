/**
 * uPlot's time labels as the rest of the HMI writes times (plants run around the clock): the 12 h hour
 * `{h}` becomes `{HH}`, the am/pm marks go, and US dates (`{M}/{D}/{YY}`) become ISO (`{YYYY}-{MM}-{DD}`).
 * Used as `fmtDate: (t) => uPlot.fmtDate(to24h(t))`.
 */
export function to24h(template: string): string {
  return template
    .replace(/\{h\}/g, "{HH}")
    .replace(/\s?\{aa?\}/g, "")
    .replace(/\{M\}\/\{D\}\/\{YY\}/g, "{YYYY}-{MM}-{DD}")
    .replace(/\{M\}\/\{D\}/g, "{MM}-{DD}");
}
