import { ScadaError } from "../core/errors.js";

/**
 * A historian query as the routes answer it: a catalogued error (historian unavailable: 503) goes out as it
 * is; anything else the query throws (InfluxDB refused it, a network error mid-answer) is a 502
 * SCADA_ERR_HISTORIAN_QUERY_FAILED with the reason — never a 500 or a crash.
 */
export async function historianQuery<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof ScadaError) throw err;
    throw new ScadaError("SCADA_ERR_HISTORIAN_QUERY_FAILED", `historian query failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}
