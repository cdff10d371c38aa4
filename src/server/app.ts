import express, { type Express, type RequestHandler } from "express";
import { ScadaError } from "../core/errors.js";
import type { Registry } from "prom-client";
import type { Logger } from "../core/logger.js";
import { type AccessPolicy } from "./access-policy.js";
import { errorHandler, notFoundHandler } from "./http-errors.js";
import { hmiStatic } from "./hmi-static.js";
import { type HealthSource, healthRoutes } from "./health-routes.js";
import { requirePermission } from "./require-permission.js";
import { type InterlockControl, interlockRoutes } from "./interlock-routes.js";
import { type LineControl, lineRoutes } from "./line-routes.js";
import { type RecipeControl, type RecipeVersionControl, recipeRoutes } from "./recipe-routes.js";
import { type DeviceControl, deviceRoutes } from "./device-routes.js";
import { type RollControl, rollRoutes } from "./roll-routes.js";
import { type SimControl, simRoutes } from "./sim-routes.js";
import { type CurrentTagValues, tagRoutes } from "./tag-routes.js";
import { type AlarmControl, type AlarmHistoryControl, alarmRoutes } from "./alarm-routes.js";
import { type HistoryControl, historyRoutes } from "./history-routes.js";
import type { OperationRoutes } from "./operation-route.js";
import { type AuditControl, auditRoutes } from "./audit-routes.js";
import type { SessionPort } from "../auth/session-port.js";
import { type AuthControl, authRoutes } from "./auth-routes.js";
import { type UserControl, userRoutes } from "./user-routes.js";
import { sessionMiddleware } from "./session-middleware.js";
import { sessionGate } from "./require-permission.js";
import { securityHeaders } from "./security-headers.js";

export interface AppDeps {
  readonly tags: CurrentTagValues;
  readonly health: HealthSource;
  readonly metrics: Registry;
  readonly policy: AccessPolicy;
  /** Sessions (cookie → actor), login / logout and user administration: the auth service. */
  readonly auth: Pick<SessionPort, "sessionFromCookie"> & AuthControl & UserControl;
  readonly logger: Logger;
  /** Runs operators' actions (checked, audited) for the routes that change something. */
  readonly operations: OperationRoutes;
  /** Line control (PackML); absent in a tags-only runtime. */
  readonly line?: LineControl;
  readonly interlocks?: InterlockControl;
  readonly recipes?: RecipeControl;
  /** Recipe versions, review and approval, diff and preview (the recipe catalog). */
  readonly recipeVersions?: RecipeVersionControl;
  /** Rolls, the per-metre record, lab results, the roll report, OEE. */
  readonly rolls?: RollControl;
  readonly alarms?: AlarmControl;
  /** Alarm history and KPIs (they answer 503 without a historian); with `alarms`. */
  readonly alarmHistory?: AlarmHistoryControl;
  /** Trends and the line's state history; absent without a historian. */
  readonly history?: HistoryControl;
  /** The audit trail (GET /api/audit, /api/audit/verify). */
  readonly audit?: AuditControl;
  /** Present only when running with the virtual plant. */
  readonly sim?: SimControl;
  readonly devices?: DeviceControl;
}

/**
 * A body that is not JSON is refused, never ignored: express.json skips other content types, which would
 * leave the route an empty body and let `text/plain` junk run a body-less action (an interlock reset).
 */
const jsonBodiesOnly: RequestHandler = (req, _res, next) => {
  const hasBody = Number(req.headers["content-length"] ?? 0) > 0 || req.headers["transfer-encoding"] !== undefined;
  if (hasBody && !req.is("application/json")) {
    next(new ScadaError("SCADA_ERR_HTTP_UNSUPPORTED_TYPE", `Request body must be application/json (got ${req.headers["content-type"] ?? "no content type"})`));
    return;
  }
  next();
};

/** The express app, built without listening (tests and the runtime decide where it listens). */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.use(securityHeaders());
  // Deny by default: the session is read, then everything under /api (but the login) and /metrics needs it.
  app.use(sessionMiddleware(deps.auth));
  app.use(sessionGate(deps.policy));
  app.use(jsonBodiesOnly);
  app.use(express.json({ limit: "64kb" }));
  app.use(authRoutes(deps.auth, deps.policy));
  app.use(userRoutes(deps.auth, deps.policy));
  app.use(healthRoutes(deps.health));
  app.get("/metrics", requirePermission(deps.policy, "metrics:read"), async (_req, res) => {
    res.type(deps.metrics.contentType).send(await deps.metrics.metrics());
  });
  app.use(tagRoutes(deps.tags, deps.policy));
  if (deps.line) app.use(lineRoutes(deps.line, deps.policy, deps.operations));
  if (deps.interlocks) app.use(interlockRoutes(deps.interlocks, deps.policy, deps.operations));
  if (deps.recipes) app.use(recipeRoutes(deps.recipes, deps.policy, deps.operations, deps.recipeVersions));
  if (deps.rolls) app.use(rollRoutes(deps.rolls, deps.policy, deps.operations));
  if (deps.alarms && deps.alarmHistory) app.use(alarmRoutes(deps.alarms, deps.alarmHistory, deps.policy, () => deps.health.now(), deps.operations));
  if (deps.history) app.use(historyRoutes(deps.history, (name) => deps.tags.get(name) !== undefined, deps.policy, () => deps.health.now()));
  if (deps.audit) app.use(auditRoutes(deps.audit, deps.policy, () => deps.health.now()));
  if (deps.sim) app.use(simRoutes(deps.sim, deps.policy, deps.operations));
  if (deps.devices) app.use(deviceRoutes(deps.devices, deps.policy, deps.operations));
  app.use(hmiStatic());
  app.use(notFoundHandler);
  app.use(errorHandler(deps.logger));
  return app;
}
