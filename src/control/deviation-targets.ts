/**
 * The process rule behind the HTR-TEMP deviation alarm: while the PLC holds the recipe's peak (pulse mode's
 * hold phase, or continuous mode at temperature), the web temperature should sit at the recipe's peak; at
 * any other phase, or with no recipe or an unknown phase, there is no target and the deviation alarm is
 * idle. Pure: the alarm service asks it on every tick with the loaded recipe's peak and the phase as the
 * tag table holds it.
 */
import type { TagValue } from "../core/tag-value.js";
import { HTR_PHASE, HTR_TAGS } from "./stations/htr-rules.js";

/** The phases in which the PLC holds the peak. */
const PEAK_HELD: ReadonlySet<unknown> = new Set([HTR_PHASE.hold, HTR_PHASE.atTemperature]);

/** Deviation targets per tag now: `{ "htr.web_temp": peakK }` while the peak is held, else none. `value`: the tag table's. */
export function deviationTargets(peakTempK: number | undefined, value: (tag: string) => TagValue | undefined): Readonly<Record<string, number>> {
  const profilePhase = value(HTR_TAGS.profilePhase);
  if (peakTempK === undefined || profilePhase?.quality.status !== "Good" || !PEAK_HELD.has(profilePhase.value)) return {};
  return { [HTR_TAGS.webTemp]: peakTempK };
}
