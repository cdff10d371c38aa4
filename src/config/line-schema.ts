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

export const lineFileSchema = z.strictObject({
  line: z.strictObject({
    id: idSchema,
    name: z.string().min(1),
    /** Width of the carbon-cloth web, metres. */
    webWidth: z.number().positive(),
  }),
  stations: z.array(stationSchema).min(1),
});

export type LineFile = z.infer<typeof lineFileSchema>;
export type StationConfig = z.infer<typeof stationSchema>;
