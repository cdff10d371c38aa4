/**
 * The signals the segment tracker reads, by role, and where on the web path each one counts for a segment:
 * the window a segment must be in for a sample to go into its record. Pure constants.
 */

export const SEGMENT_SIGNALS = {
  webTemp: "htr.web_temp",
  o2: "htr.o2",
  argon: "htr.ar_flow",
  heaterOn: "htr.heater_on",
  /** 0 off, 1 ramp, 2 hold, 3 cool, 4 at temperature. */
  phase: "htr.profile_phase",
  gasFlow: "quench.gas_flow",
  coolantFlow: "quench.coolant_flow",
  exitTemp: "quench.exit_web_temp",
  conductivity: "rinse.conductivity",
  loading: "feed.areal_loading",
  speed: "feed.web_speed",
} as const;

export type SignalRole = keyof typeof SEGMENT_SIGNALS;

export const SIGNAL_ROLES = Object.keys(SEGMENT_SIGNALS) as readonly SignalRole[];

/** Where a segment is, as bits of a mask (overlap: some of its web is in the window; middle: its middle is). */
export const AT_FEED = 1;
export const AT_HTR = 2;
export const AT_QUENCH = 4;
export const AT_RINSE = 8;
export const MIDDLE_IN_HTR = 16;
export const MIDDLE_IN_QUENCH = 32;
/** From the HTR entry to the quench exit (gas knife and coolant protect the web from the zone on). */
export const AT_HTR_TO_QUENCH = 64;

/** The window in which a role's samples count for a segment. */
export const ROLE_WINDOW: Readonly<Record<SignalRole, number>> = {
  webTemp: AT_HTR,
  o2: AT_HTR,
  argon: AT_HTR,
  heaterOn: AT_HTR,
  phase: AT_HTR,
  gasFlow: AT_HTR_TO_QUENCH,
  coolantFlow: AT_HTR_TO_QUENCH,
  exitTemp: MIDDLE_IN_QUENCH,
  conductivity: AT_RINSE,
  loading: AT_FEED,
  speed: AT_FEED,
};

/** Roles a segment cannot be verified without. Loading is optional (not observed: dosed before the roll began), speed only gates it. */
export const NEEDED_ROLES: readonly SignalRole[] = SIGNAL_ROLES.filter((r) => r !== "loading" && r !== "speed");

const ROLE_OF_TAG: ReadonlyMap<string, SignalRole> = new Map(SIGNAL_ROLES.map((r) => [SEGMENT_SIGNALS[r], r]));

/** The role of a tag (undefined: the tracker does not use it). */
export function signalRoleOf(tag: string): SignalRole | undefined {
  return ROLE_OF_TAG.get(tag);
}
