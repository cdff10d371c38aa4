import { z } from "zod";

/**
 * The shape every definitions file of plc-config shares (interlocks.yaml, alarms.yaml): a `settings`
 * mapping and a non-empty list of definitions under the file's own key, nothing else. One building block, so
 * that the files read alike and are checked alike.
 */
export function definitionsFileSchema<S extends z.ZodType, K extends string, D extends z.ZodType>(
  settings: S,
  listKey: K,
  definition: D,
): z.ZodObject<{ settings: S } & { [P in K]: z.ZodArray<D> }, z.core.$strict> {
  const shape = { settings, [listKey]: z.array(definition).min(1) } as { settings: S } & { [P in K]: z.ZodArray<D> };
  return z.strictObject(shape);
}
