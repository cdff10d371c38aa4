/**
 * Writes the JSON Schemas of the plc-config files (generated from the zod schemas) to plc-config/schema/,
 * where the YAML files' `# yaml-language-server: $schema=…` lines point. Run after changing a config schema:
 *   npx tsx scripts/gen-config-schema.ts
 * test/unit/config/config-json-schema.test.ts (and test/unit/interlocks/interlock-config.test.ts for
 * interlocks.schema.json) fail while the committed files are out of date.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { allConfigJsonSchemas, formatJsonSchema } from "../src/config/config-json-schema.js";
import { recipeJsonSchemas } from "../src/recipes/recipe-schema.js";

const outDir = resolve(dirname(fileURLToPath(import.meta.url)), "..", "plc-config", "schema");
mkdirSync(outDir, { recursive: true });
for (const [name, schema] of Object.entries({ ...allConfigJsonSchemas(), ...recipeJsonSchemas() })) {
  writeFileSync(join(outDir, name), formatJsonSchema(schema));
  console.log(`wrote ${join(outDir, name)}`);
}
