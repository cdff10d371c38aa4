import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Problem } from "../core/problem.js";
import { parseYamlFile } from "../core/yaml-file.js";

/**
 * Reads and parses one YAML file of the config directory (plc-config: line.yaml, devices.yaml, tags/*.yaml,
 * recipes/*.yaml, …): a missing or unreadable file, every syntax error and an empty file become problems,
 * with `file` relative to the directory. Undefined when there were problems.
 */
export function readYamlFile(dir: string, file: string, fileShape: string, problems: Problem[]): unknown {
  const full = join(dir, file);
  if (!existsSync(full)) {
    problems.push({ file, path: "(root)", message: "file is missing" });
    return undefined;
  }
  let text: string;
  try {
    text = readFileSync(full, "utf8");
  } catch (err) {
    problems.push({ file, path: "(root)", message: `cannot read file: ${(err as Error).message}` });
    return undefined;
  }
  return parseYamlFile(file, text, fileShape, problems);
}
