/**
 * Writes the historian schema (src/historian/historian-schema.ts, the statements the app runs when it may)
 * as the influxdb container's init script, deploy/influxdb/init/htr-schema.iql: an admin makes it on the
 * first start, so the SCADA can write as a user without admin rights. Run after changing the schema:
 *   node --import=tsx scripts/gen-influx-init.ts
 * test/integration/historian-non-admin.test.ts fails while the committed file is out of date.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { schemaInitScript } from "../src/historian/historian-schema.js";

/** Where the init script lives (the compose file mounts its directory on /docker-entrypoint-initdb.d). */
export const INFLUX_INIT_SCRIPT = fileURLToPath(new URL("../deploy/influxdb/init/htr-schema.iql", import.meta.url));

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(INFLUX_INIT_SCRIPT, schemaInitScript());
  console.log(`wrote ${INFLUX_INIT_SCRIPT}`);
}
