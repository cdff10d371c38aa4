import { LineCounter, parseDocument, type YAMLError } from "yaml";
import type { z } from "zod";
import type { Problem } from "./problem.js";
import { zodProblems } from "./zod-problems.js";

/**
 * The text of one YAML file (the configuration's, a recipe's) turned into data, and the data checked against
 * its schema; everything wrong becomes a `file:path: message` problem (pure: the caller reads the file).
 */

/** A YAML parser error in one line; a duplicate key is named (the parser only says keys must be unique). */
function yamlErrorText(e: YAMLError, text: string): string {
  if (e.code === "DUPLICATE_KEY") {
    const key = /^("[^"]*"|'[^']*'|[^\s:,{}[\]]+)/.exec(text.slice(e.pos[0]))?.[1];
    if (key !== undefined) return `duplicate key '${key.replace(/^["']|["']$/g, "")}' (keys must be unique in a mapping)`;
  }
  return e.message.split("\n")[0] ?? e.message;
}

/**
 * Parses the text of one YAML file; every syntax error becomes a problem with its line and column, an empty
 * file one that says what it should hold (`fileShape`). Undefined when there were problems.
 */
export function parseYamlFile(file: string, text: string, fileShape: string, problems: Problem[]): unknown {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      const pos = lineCounter.linePos(e.pos[0]);
      problems.push({ file, path: `line ${pos.line} col ${pos.col}`, message: `YAML syntax error: ${yamlErrorText(e, text)}` });
    }
    return undefined;
  }
  if (doc.contents === null) {
    problems.push({ file, path: "(root)", message: `file is empty (expected ${fileShape})` });
    return undefined;
  }
  return doc.toJS();
}

/**
 * The parsed data of one file checked against its schema; every issue becomes a problem. Undefined when it is
 * invalid, or when `data` is (the file could not be read or parsed: its problems are reported already).
 */
export function validateYamlFile<T>(schema: z.ZodType<T>, file: string, fileShape: string, data: unknown, problems: Problem[]): T | undefined {
  if (data === undefined) return undefined;
  const result = schema.safeParse(data, { reportInput: true });
  if (!result.success) {
    problems.push(...zodProblems(file, fileShape, result.error));
    return undefined;
  }
  return result.data;
}
