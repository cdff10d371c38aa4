// The recipe JSON schema (generated from the server's zod schema, plc-config/schema/recipe.schema.json),
// bundled at build time: the server does not serve plc-config, and the editor needs every field's
// description, units and range. Vite inlines the file's text (`?raw`); nothing of src/ is imported.
import schemaText from "../../../plc-config/schema/recipe.schema.json?raw";
import type { JsonSchemaNode } from "./recipe-fields.js";

/** The recipe schema, or undefined if the bundled text does not parse (the editor then reads the recipe itself). */
export const RECIPE_SCHEMA: JsonSchemaNode | undefined = (() => {
  try {
    return JSON.parse(schemaText) as JsonSchemaNode;
  } catch {
    return undefined;
  }
})();
