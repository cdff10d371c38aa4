import { Router } from "express";
import { ScadaError } from "../core/errors.js";
import type { AccessPolicy } from "./access-policy.js";
import { parseTime } from "./alarm-routes.js";
import { historianQuery } from "./historian-query.js";
import { requirePermission } from "./require-permission.js";

/** What the history routes need from the historian (its queries implement it). */
export interface HistoryControl {
  history(q: { tags: string[]; fromMs: number; toMs: number; points: number }): Promise<unknown>;
  csv(result: unknown): string;
  /** Line / station / interlock transitions from the `state` measurement. */
  states(q: { fromMs: number; toMs: number; scope?: string; limit: number }): Promise<unknown>;
}

const MAX_TAGS = 20;
const MAX_POINTS = 10_000;

/** `knownTag`: the tags that exist (others are refused). */
export function historyRoutes(h: HistoryControl, knownTag: (name: string) => boolean, policy: AccessPolicy, now: () => number): Router {
  const r = Router();
  r.get("/api/history", requirePermission(policy, "history:read"), async (req, res) => {
    const t = now();
    const tagsText = typeof req.query.tags === "string" ? req.query.tags : "";
    const tags = tagsText.split(",").map((s) => s.trim()).filter((s) => s !== "");
    if (tags.length === 0) throw new ScadaError("SCADA_ERR_HTTP_BAD_REQUEST", "tags: give one or more tag names, e.g. ?tags=htr.web_temp,htr.o2");
    if (tags.length > MAX_TAGS) throw new ScadaError("SCADA_ERR_HTTP_BAD_REQUEST", `tags: at most ${MAX_TAGS} tags per query`);
    const unknown = tags.filter((n) => !knownTag(n));
    if (unknown.length > 0) throw new ScadaError("SCADA_ERR_TAG_UNKNOWN", `Unknown tag(s): ${unknown.join(", ")}`);
    const fromMs = parseTime(typeof req.query.from === "string" ? req.query.from : undefined, t, t - 3_600_000, "from");
    const toMs = parseTime(typeof req.query.to === "string" ? req.query.to : undefined, t, t, "to");
    if (toMs <= fromMs) throw new ScadaError("SCADA_ERR_HTTP_BAD_REQUEST", "to must be after from");
    const pointsText = typeof req.query.points === "string" ? req.query.points : "500";
    const points = Number(pointsText);
    if (!Number.isInteger(points) || points < 1 || points > MAX_POINTS) {
      throw new ScadaError("SCADA_ERR_HTTP_BAD_REQUEST", `points must be an integer 1 … ${MAX_POINTS}`);
    }
    const format = req.query.format ?? "json";
    if (format !== "json" && format !== "csv") throw new ScadaError("SCADA_ERR_HTTP_BAD_REQUEST", "format must be json or csv");
    const result = await historianQuery(() => h.history({ tags, fromMs, toMs, points }));
    if (format === "csv") {
      res.type("text/csv").attachment(`history-${new Date(fromMs).toISOString()}.csv`).send(h.csv(result));
      return;
    }
    res.json(result);
  });
  r.get("/api/line/history", requirePermission(policy, "history:read"), async (req, res) => {
    const t = now();
    const fromMs = parseTime(typeof req.query.from === "string" ? req.query.from : undefined, t, t - 24 * 3_600_000, "from");
    const toMs = parseTime(typeof req.query.to === "string" ? req.query.to : undefined, t, t, "to");
    if (toMs <= fromMs) throw new ScadaError("SCADA_ERR_HTTP_BAD_REQUEST", "to must be after from");
    const scope = typeof req.query.scope === "string" ? req.query.scope : undefined;
    if (scope !== undefined && !/^[A-Za-z0-9_.-]{1,64}$/.test(scope)) throw new ScadaError("SCADA_ERR_HTTP_BAD_REQUEST", "scope: a station id, 'line' or an interlock id");
    const limit = Number(typeof req.query.limit === "string" ? req.query.limit : "1000");
    if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) throw new ScadaError("SCADA_ERR_HTTP_BAD_REQUEST", "limit must be an integer 1 … 100000");
    res.json({ transitions: await historianQuery(() => h.states({ fromMs, toMs, limit, ...(scope ? { scope } : {}) })) });
  });
  return r;
}
