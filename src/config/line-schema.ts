import { z } from "zod";

export const idSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]*$/, "must be lower-case letters, digits and '-', starting with a letter");

export const equipmentSchema = z.strictObject({
  id: idSchema,
  name: z.string().min(1),
  /** Metres of web path from the unwinder nip. */
  position: z.number().min(0),
});

export const stationSchema = z.strictObject({
  id: idSchema,
  name: z.string().min(1),
  /** Web path span of the station, metres from the unwinder nip. */
  from: z.number().min(0),
  to: z.number().min(0),
  equipment: z.array(equipmentSchema).default([]),
});

const windowSchema = z.strictObject({
  /** Metres of web path from the unwinder nip. */
  from: z.number().min(0),
  to: z.number().min(0),
});

/**
 * Where each part of the per-metre quality record is measured and how long a segment is. A window left out
 * is the station's own span (feed: doser → blade and rinse: the rinse tank are narrower than their stations).
 */
export const trackingSchema = z
  .strictObject({
    segmentLengthM: z.number().positive().max(1).default(0.1),
    windows: z
      .strictObject({ feed: windowSchema.optional(), htr: windowSchema.optional(), quench: windowSchema.optional(), rinse: windowSchema.optional() })
      .default({}),
    /** The stretch of web one lab sample stands for (centred on where it was cut), metres. */
    labSampleSpanM: z.number().positive().max(100).default(0.5),
  })
  .default({ segmentLengthM: 0.1, windows: {}, labSampleSpanM: 0.5 });

const shiftSchema = z.strictObject({
  name: z.string().min(1),
  /** "HH:MM", local time at timeZoneOffsetMinutes. */
  start: z.string().regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, "must be HH:MM"),
});

/** OEE: the design speed per HTR mode (performance = metres made / (design speed × Execute time)) and the shifts. */
export const oeeSchema = z
  .strictObject({
    designSpeedMpm: z.strictObject({ pulse: z.number().positive(), continuous: z.number().positive() }).default({ pulse: 1.0, continuous: 2.57 }),
    shifts: z.array(shiftSchema).min(1).default([{ name: "A", start: "06:00" }, { name: "B", start: "14:00" }, { name: "C", start: "22:00" }]),
    timeZoneOffsetMinutes: z.number().int().min(-720).max(840).default(0),
  })
  .default({ designSpeedMpm: { pulse: 1.0, continuous: 2.57 }, shifts: [{ name: "A", start: "06:00" }, { name: "B", start: "14:00" }, { name: "C", start: "22:00" }], timeZoneOffsetMinutes: 0 });

export const lineFileSchema = z.strictObject({
  line: z.strictObject({
    id: idSchema,
    name: z.string().min(1),
    /** Width of the carbon-cloth web, metres. */
    webWidth: z.number().positive(),
  }),
  stations: z.array(stationSchema).min(1),
  tracking: trackingSchema,
  oee: oeeSchema,
});

export type LineFile = z.infer<typeof lineFileSchema>;
export type StationConfig = z.infer<typeof stationSchema>;
export type TrackingSettings = z.infer<typeof trackingSchema>;
export type OeeSettings = z.infer<typeof oeeSchema>;
