import { Router } from "express";
import type { AlarmHistoryFilter } from "../alarms/alarm-history-filter.js";
import { ScadaError } from "../core/errors.js";
import type { AccessPolicy } from "./access-policy.js";
import { historianQuery } from "./historian-query.js";
import { type OperationRoutes, bodyWith, operationRoute } from "./operation-route.js";
import { requirePermission, requireSession } from "./require-permission.js";

export type AlarmActionOutcome = { readonly ok: true; readonly events: readonly unknown[] } | { readonly ok: false; readonly reason: string };

/** What the alarm routes need from the alarm service (the alarm service implements it). */
export interface AlarmControl {
  list(): unknown;
  exists(id: string): boolean;
  ack(id: string, user: string): AlarmActionOutcome;
  shelve(id: string, minutes: number, reason: string, user: string): AlarmActionOutcome;
  unshelve(id: string, user: string): AlarmActionOutcome;
  reset(id: string, user: string): AlarmActionOutcome;
}

/** Alarm history and KPIs from the historian (the historian's queries implement it). */
export interface AlarmHistoryControl {
  /** Alarm events from the historian (filters already validated). */
  alarmHistory(filter: AlarmHistoryFilter): Promise<unknown>;
  alarmKpis(range: { fromMs: number; toMs: number }): Promise<unknown>;
}

export function parseTime(text: string | undefined, now: number, fallback: number, name: string): number {
  if (text === undefined || text === "") return fallback;
  if (text === "now") return now;
  const rel = /^-(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text);
  if (rel) return now - Number(rel[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[rel[2] as "ms"];
  if (/^\d{10,16}$/.test(text)) return Number(text);
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new ScadaError("SCADA_ERR_HTTP_BAD_REQUEST", `${name}: '${text}' is not a time (epoch ms, ISO 8601, or -15m / -2h / now)`);
  return t;
}

const queryText = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

export function alarmRoutes(alarms: AlarmControl, history: AlarmHistoryControl, policy: AccessPolicy, now: () => number, ops: OperationRoutes): Router {
  const r = Router();

  r.get("/api/alarms", requirePermission(policy, "alarms:read"), (_req, res) => {
    res.json(alarms.list());
  });
  r.get("/api/alarms/history", requirePermission(policy, "alarms:read"), async (req, res) => {
    const t = now();
    const fromMs = parseTime(queryText(req.query.from), t, t - 24 * 3_600_000, "from");
    const toMs = parseTime(queryText(req.query.to), t, t, "to");
    if (toMs <= fromMs) throw new ScadaError("SCADA_ERR_HTTP_BAD_REQUEST", "to must be after from");
    const limitText = queryText(req.query.limit);
    const limit = limitText === undefined ? 1000 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) throw new ScadaError("SCADA_ERR_HTTP_BAD_REQUEST", "limit must be an integer 1 … 100000");
    const extra: Record<string, string> = {};
    for (const key of ["priority", "station", "state", "alarm"] as const) {
      const v = queryText(req.query[key]);
      if (v === undefined) continue;
      if (!/^[A-Za-z0-9_.-]{1,64}$/.test(v)) throw new ScadaError("SCADA_ERR_HTTP_BAD_REQUEST", `${key}: '${v}' is not a valid filter value`);
      extra[key] = v;
    }
    const filter: AlarmHistoryFilter = { fromMs, toMs, limit, ...extra };
    res.json(await historianQuery(() => history.alarmHistory(filter)));
  });
  r.get("/api/alarms/kpis", requirePermission(policy, "alarms:read"), async (req, res) => {
    const t = now();
    const fromMs = parseTime(queryText(req.query.from), t, t - 24 * 3_600_000, "from");
    const toMs = parseTime(queryText(req.query.to), t, t, "to");
    if (toMs <= fromMs) throw new ScadaError("SCADA_ERR_HTTP_BAD_REQUEST", "to must be after from");
    res.json(await historianQuery(() => history.alarmKpis({ fromMs, toMs })));
  });
  // Acknowledge, reset, shelve and unshelve run as operations (checked and audited; see operations.ts).
  const alarmOp = (op: "alarm.ack" | "alarm.reset" | "alarm.shelve" | "alarm.unshelve") =>
    operationRoute(ops.runner, ops.actorOf, op, (req) => bodyWith(req, { id: String(req.params.id) }));
  r.post("/api/alarms/:id/ack", requireSession(policy), alarmOp("alarm.ack"));
  r.post("/api/alarms/:id/reset", requireSession(policy), alarmOp("alarm.reset"));
  r.post("/api/alarms/:id/shelve", requireSession(policy), alarmOp("alarm.shelve"));
  r.post("/api/alarms/:id/unshelve", requireSession(policy), alarmOp("alarm.unshelve"));
  return r;
}
