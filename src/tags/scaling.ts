import type { Scaling } from "./tag-schema.js";

/** Raw PLC value → engineering units (identity without scaling). */
export function toEngineering(raw: number, s: Scaling | undefined): number {
  if (!s) return raw;
  return s.engMin + ((raw - s.rawMin) * (s.engMax - s.engMin)) / (s.rawMax - s.rawMin);
}

/** Engineering units → raw PLC value (identity without scaling). Integer rounding is the codec's job. */
export function toRaw(eng: number, s: Scaling | undefined): number {
  if (!s) return eng;
  return s.rawMin + ((eng - s.engMin) * (s.rawMax - s.rawMin)) / (s.engMax - s.engMin);
}
