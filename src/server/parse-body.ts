import type { z } from "zod";
import { ScadaError } from "../core/errors.js";

/** Validates a request body once at the boundary; a bad body is a 400 listing every problem. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const r = schema.safeParse(body ?? {});
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => `${i.path.length ? i.path.join(".") + ": " : ""}${i.message}`);
  throw new ScadaError("SCADA_ERR_HTTP_BAD_REQUEST", `${what}: ${problems.join("; ")}`, problems);
}
