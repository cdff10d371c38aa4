/**
 * The content of the audit trail's `config.load` record at each start: what the SCADA runs with (counts of
 * devices, tags, interlocks, alarms, recipes and a digest of the config files, or why the digest could not be
 * taken) and, when opening the journal cut off half a record a crash left, how many bytes — so the trail
 * itself says it was repaired.
 */
import { configDigest } from "./config-digest.js";
import type { ScadaConfig } from "./config-loader.js";

export function configLoadRecord(config: ScadaConfig, extra: { readonly recipes: number; readonly tornTail: string | null }): Record<string, unknown> {
  let digest: { sha256: string; files: number } | { digestError: string };
  try {
    digest = configDigest(config.dir);
  } catch (err) {
    digest = { digestError: (err as Error).message };
  }
  return {
    line: config.line.id,
    devices: config.devices.length,
    tags: config.tags.length,
    interlocks: config.interlocks.interlocks.length,
    alarms: config.alarms?.alarms.length ?? 0,
    recipes: extra.recipes,
    ...digest,
    ...(extra.tornTail === null ? {} : { auditJournalRepair: { tornTailBytes: Buffer.byteLength(extra.tornTail, "utf8") } }),
  };
}
