import { Router } from "express";
import { ScadaError } from "../core/errors.js";
import type { TagEntry } from "../tags/tag-table.js";
import type { AccessPolicy } from "./access-policy.js";
import { requirePermission } from "./require-permission.js";

/** What the tag routes need: read access to the current values. */
export interface CurrentTagValues {
  get(name: string): TagEntry | undefined;
  all(): TagEntry[];
}

/** The JSON shape of one tag in `GET /api/tags` and `GET /api/tags/:name`. */
export interface TagJson {
  name: string;
  description: string;
  station: string | null;
  device: string;
  value: number | boolean | null;
  units: string;
  quality: "Good" | "Uncertain" | "Bad";
  qualityReason: string;
  sourceTs: string | null;
  serverTs: string | null;
  writable: boolean;
  range: { min: number; max: number } | null;
}

export function tagJson(e: TagEntry): TagJson {
  const v = e.value;
  return {
    name: e.config.name,
    description: e.config.description,
    station: e.config.station ?? null,
    device: e.config.device,
    value: v.value,
    units: e.config.units,
    quality: v.quality.status,
    qualityReason: v.quality.reason,
    sourceTs: v.sourceTs > 0 ? new Date(v.sourceTs).toISOString() : null,
    serverTs: v.serverTs > 0 ? new Date(v.serverTs).toISOString() : null,
    writable: e.config.writable,
    range: e.config.range ?? null,
  };
}

export function tagRoutes(tags: CurrentTagValues, policy: AccessPolicy): Router {
  const r = Router();
  r.get("/api/tags", requirePermission(policy, "tags:read"), (req, res) => {
    const station = typeof req.query.station === "string" ? req.query.station : undefined;
    const list = tags.all().filter((e) => station === undefined || e.config.station === station).map(tagJson);
    res.json({ count: list.length, tags: list });
  });
  r.get("/api/tags/:name", requirePermission(policy, "tags:read"), (req, res) => {
    const name = String(req.params.name);
    const e = tags.get(name);
    if (!e) throw new ScadaError("SCADA_ERR_TAG_UNKNOWN", `Unknown tag '${name}'`);
    res.json(tagJson(e));
  });
  return r;
}
