/**
 * The facts of the HTR zone the thermal model describes (docs/process.md, plc-config/line.yaml): the hall
 * around it, the web's width and the zone's length along the web. The virtual plant (src/sim/plant-state.ts
 * PLANT) and the recipe preview take them from here.
 */
export const HTR_ZONE = {
  /** Room / hall temperature, K. */
  ambientK: 298,
  /** Carbon-cloth web width, m (line.yaml webWidth). */
  webWidthM: 0.3,
  /** Length of the HTR radiation zone along the web (1.00–1.30 m), m: one pulse-mode index. */
  zoneLengthM: 0.3,
} as const;
