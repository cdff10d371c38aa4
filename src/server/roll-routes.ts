/**
 * The roll record over HTTP: rolls, their segments (JSON or CSV, streamed), the roll report (HTML or PDF),
 * OEE; lab results, splits and roll changes are operations (checked, audited) like everything people do.
 */
import { type Request, type Response, Router } from "express";
import { type ErrorCode, ScadaError } from "../core/errors.js";
import type { AccessPolicy } from "./access-policy.js";
import { type OperationRoutes, bodyWith, operationRoute } from "./operation-route.js";
import { requirePermission, requireSession } from "./require-permission.js";
import type { LabResultInput, RollJson, SegmentJson } from "./socket-contract.js";

/** A refusal of the roll catalog: a code of the error catalogue and the reason in words. */
export interface RollRefusal {
  readonly ok: false;
  readonly code: ErrorCode;
  readonly message: string;
  readonly details?: unknown;
}

export interface RollListQuery {
  readonly from?: number;
  readonly to?: number;
  readonly lot?: string;
  readonly alloy?: string;
  readonly state?: "open" | "ended" | "split";
  readonly limit?: number;
}

/** What the routes and the roll operations need (the roll catalog implements it). */
export interface RollControl {
  list(q: RollListQuery): RollJson[];
  current(): (RollJson & { live: unknown }) | null;
  currentId(): string | null;
  get(id: string): RollJson | null;
  /** Streamed in order (a 10 km roll has 100 000). */
  segments(id: string, range: { fromM?: number; toM?: number }): Iterable<SegmentJson> | RollRefusal;
  /** The header line, then one per segment, each ending in CRLF. */
  segmentCsv(id: string, range: { fromM?: number; toM?: number }): Iterable<string> | RollRefusal;
  reportHtml(id: string, by: string): string | RollRefusal;
  reportPdf(id: string, by: string): Promise<Buffer | RollRefusal>;
  labResults(id: string): unknown[] | RollRefusal;
  oee(from: number, to: number): unknown;
  prepareStart(lot: string | undefined, alloy: string | undefined, by: string): { ok: true } | RollRefusal;
  cancelStart(): void;
  newRoll(lot: string | null, by: string): { ok: true; roll: RollJson } | RollRefusal;
  addLabResult(by: string, input: LabResultInput): { ok: true; result: unknown } | RollRefusal;
  split(by: string, rollId: string, atM: readonly number[]): { ok: true; children: RollJson[] } | RollRefusal;
}

const isRefusal = (x: unknown): x is RollRefusal => typeof x === "object" && x !== null && (x as { ok?: unknown }).ok === false;
const fail = (r: RollRefusal): never => {
  throw new ScadaError(r.code, r.message, r.details);
};

/** An optional query number, or a 400 naming the parameter. */
function queryNumber(req: Request, name: string, parse: (s: string) => number = Number): number | undefined {
  const raw = req.query[name];
  if (raw === undefined || raw === "") return undefined;
  const n = typeof raw === "string" ? parse(raw) : NaN;
  if (!Number.isFinite(n)) throw new ScadaError("SCADA_ERR_ROLL_RANGE_INVALID", `${name} must be a number, not '${String(raw)}'`);
  return n;
}
/** A time: epoch ms or an ISO date. */
const parseTime = (s: string): number => (/^\d+$/.test(s) ? Number(s) : Date.parse(s));

function rangeOf(req: Request): { fromM?: number; toM?: number } {
  const fromM = queryNumber(req, "from");
  const toM = queryNumber(req, "to");
  if (fromM !== undefined && toM !== undefined && toM <= fromM) throw new ScadaError("SCADA_ERR_ROLL_RANGE_INVALID", `to (${toM} m) must be after from (${fromM} m)`);
  return { ...(fromM === undefined ? {} : { fromM }), ...(toM === undefined ? {} : { toM }) };
}

/** Writes a JSON array element by element (the segments are streamed, never all held). */
function streamJsonArray(res: Response, items: Iterable<unknown>): void {
  res.type("application/json");
  res.write("[");
  let first = true;
  for (const item of items) {
    res.write((first ? "" : ",") + JSON.stringify(item));
    first = false;
  }
  res.end("]");
}

export function rollRoutes(rolls: RollControl, policy: AccessPolicy, ops: OperationRoutes): Router {
  const r = Router();
  const read = requirePermission(policy, "rolls:read");
  const userOf = (req: Request, res: Response): string => ops.actorOf(req, res)?.user ?? "unknown";
  r.get("/api/rolls", read, (req, res) => {
    const state = req.query.state;
    if (state !== undefined && state !== "open" && state !== "ended" && state !== "split") throw new ScadaError("SCADA_ERR_ROLL_RANGE_INVALID", `state must be open, ended or split, not '${String(state)}'`);
    const q: RollListQuery = {
      ...(queryNumber(req, "from", parseTime) === undefined ? {} : { from: queryNumber(req, "from", parseTime)! }),
      ...(queryNumber(req, "to", parseTime) === undefined ? {} : { to: queryNumber(req, "to", parseTime)! }),
      ...(typeof req.query.lot === "string" && req.query.lot !== "" ? { lot: req.query.lot } : {}),
      ...(typeof req.query.alloy === "string" && req.query.alloy !== "" ? { alloy: req.query.alloy } : {}),
      ...(state === undefined ? {} : { state }),
      ...(queryNumber(req, "limit") === undefined ? {} : { limit: Math.max(1, Math.min(1000, Math.floor(queryNumber(req, "limit")!))) }),
    };
    res.json(rolls.list(q));
  });
  r.get("/api/rolls/current", read, (_req, res) => {
    res.json(rolls.current());
  });
  r.post("/api/rolls", requireSession(policy), operationRoute(ops.runner, ops.actorOf, "roll.new", (req) => req.body ?? {}, 201));
  r.get("/api/rolls/:id", read, (req, res) => {
    const roll = rolls.get(String(req.params.id));
    if (!roll) throw new ScadaError("SCADA_ERR_ROLL_UNKNOWN", `Unknown roll '${String(req.params.id)}'`);
    res.json(roll);
  });
  r.get("/api/rolls/:id/segments", read, (req, res) => {
    const id = String(req.params.id);
    const range = rangeOf(req);
    if (req.query.format === "csv") {
      const lines = rolls.segmentCsv(id, range);
      if (isRefusal(lines)) fail(lines);
      res.type("text/csv; charset=utf-8").attachment(`${id}-segments.csv`);
      for (const line of lines as Iterable<string>) res.write(line);
      res.end();
      return;
    }
    if (req.query.format !== undefined && req.query.format !== "json") throw new ScadaError("SCADA_ERR_ROLL_RANGE_INVALID", `format must be json or csv, not '${String(req.query.format)}'`);
    const segments = rolls.segments(id, range);
    if (isRefusal(segments)) fail(segments);
    streamJsonArray(res, segments as Iterable<SegmentJson>);
  });
  r.get("/api/rolls/:id/report", read, async (req, res) => {
    const id = String(req.params.id);
    const format = req.query.format ?? "html";
    if (format === "pdf") {
      const pdf = await rolls.reportPdf(id, userOf(req, res));
      if (isRefusal(pdf)) fail(pdf);
      res.type("application/pdf").attachment(`${id}-report.pdf`).send(pdf);
      return;
    }
    if (format !== "html") throw new ScadaError("SCADA_ERR_ROLL_RANGE_INVALID", `format must be html or pdf, not '${String(format)}'`);
    const html = rolls.reportHtml(id, userOf(req, res));
    if (isRefusal(html)) fail(html);
    res.type("text/html; charset=utf-8").send(html);
  });
  r.get("/api/rolls/:id/lab-results", read, (req, res) => {
    const list = rolls.labResults(String(req.params.id));
    if (isRefusal(list)) fail(list);
    res.json(list);
  });
  r.post("/api/rolls/:id/lab-results", requireSession(policy), operationRoute(ops.runner, ops.actorOf, "roll.lab-result", (req) => bodyWith(req, { rollId: String(req.params.id) }), 201));
  r.post("/api/rolls/:id/split", requireSession(policy), operationRoute(ops.runner, ops.actorOf, "roll.split", (req) => bodyWith(req, { rollId: String(req.params.id) }), 201));
  r.get("/api/oee", read, (req, res) => {
    const to = queryNumber(req, "to", parseTime) ?? Date.now();
    const from = queryNumber(req, "from", parseTime) ?? to - 24 * 3600_000;
    if (to <= from) throw new ScadaError("SCADA_ERR_ROLL_RANGE_INVALID", "to must be after from");
    if (to - from > 93 * 24 * 3600_000) throw new ScadaError("SCADA_ERR_ROLL_RANGE_INVALID", "an OEE window is at most 93 days");
    res.json(rolls.oee(from, to));
  });
  return r;
}
