/**
 * The config directory of each line of a site (site-plan.ts): a derived one is a copy of the base plc-config
 * (without site files) with line.yaml's line id and name, devices.yaml's PLC ports and northbound.yaml's
 * Sparkplug group changed in place (comments kept), written afresh on every launch; a line's own directory
 * is used as it is, once checked to be this line of this site. Either is validated as `start` would; a
 * problem is thrown as ScadaError SCADA_ERR_CONFIG_INVALID with every `file:path: message`.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { type Document, parseDocument } from "yaml";
import { type ScadaConfig, loadConfigOrThrow } from "../config/config-loader.js";
import { ScadaError } from "../core/errors.js";
import type { LineConfigEdits, SiteLinePlan } from "./site-plan.js";

const edit = (dir: string, file: string, change: (doc: Document) => void): void => {
  const path = join(dir, file);
  const doc = parseDocument(readFileSync(path, "utf8"));
  change(doc);
  writeFileSync(path, doc.toString());
};

/** Copies `from` to `to` (replacing it) and applies the edits; returns the validated config. */
export function writeDerivedLineConfig(from: string, to: string, e: LineConfigEdits): ScadaConfig {
  rmSync(to, { recursive: true, force: true });
  mkdirSync(to, { recursive: true });
  // Site files stay out: a line's config is one line's.
  cpSync(from, to, { recursive: true, filter: (src) => !/^site.*\.ya?ml$/.test(basename(src)) });
  edit(to, "line.yaml", (doc) => {
    doc.setIn(["line", "id"], e.lineId);
    doc.setIn(["line", "name"], e.lineName);
  });
  edit(to, "devices.yaml", (doc) => {
    const devices = doc.get("devices") as { items: { get(k: string): unknown; set(k: string, v: unknown): void }[] } | undefined;
    for (const d of devices?.items ?? []) {
      if (d.get("protocol") === "opcua") {
        const url = new URL(String(d.get("endpoint")).replace(/^opc\.tcp:/, "http:"));
        d.set("endpoint", `opc.tcp://${url.hostname}:${e.opcuaPort}${url.pathname === "/" ? "" : url.pathname}`);
      }
      if (d.get("protocol") === "modbus-tcp") d.set("port", e.modbusPort);
    }
  });
  if (existsSync(join(to, "northbound.yaml"))) {
    edit(to, "northbound.yaml", (doc) => {
      doc.setIn(["sparkplug", "groupId"], e.groupId);
      doc.deleteIn(["sparkplug", "edgeNodeId"]);
    });
  } else writeFileSync(join(to, "northbound.yaml"), `sparkplug:\n  groupId: ${e.groupId}\n`);
  return loadConfigOrThrow(to);
}

/** A line's own config directory: valid, with this line id, publishing into this group. */
export function checkOwnLineConfig(dir: string, lineId: string, groupId: string): ScadaConfig {
  const config = loadConfigOrThrow(dir);
  const problems: string[] = [];
  if (config.line.id !== lineId) problems.push(`line.yaml:line.id: is '${config.line.id}', but the site file names this line '${lineId}'`);
  const sp = config.northbound?.sparkplug;
  const group = sp?.groupId ?? "htr-site";
  if (group !== groupId) problems.push(`northbound.yaml:sparkplug.groupId: is '${group}', but the site's group is '${groupId}' (the overview would not see the line)`);
  if (sp?.edgeNodeId !== undefined && sp.edgeNodeId !== lineId) problems.push(`northbound.yaml:sparkplug.edgeNodeId: is '${sp.edgeNodeId}'; the site needs the line id '${lineId}' (leave it out)`);
  if (problems.length > 0) throw new ScadaError("SCADA_ERR_CONFIG_INVALID", `Configuration in ${dir} does not fit the site:\n${problems.join("\n")}`, problems);
  return config;
}

/** The config directory of each planned line, written or checked. */
export function prepareLineConfig(plan: SiteLinePlan, groupId: string): ScadaConfig {
  mkdirSync(plan.dataDir, { recursive: true });
  if (plan.derive) return writeDerivedLineConfig(plan.derive.from, plan.configDir, plan.derive.edits);
  return checkOwnLineConfig(plan.configDir, plan.id, groupId);
}
