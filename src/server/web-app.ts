import express, { type Express } from "express";
import type { Logger } from "../core/logger.js";
import { ScadaError } from "../core/errors.js";
import { hmiStatic } from "./hmi-static.js";
import { errorHandler, notFoundHandler } from "./http-errors.js";
import { securityHeaders } from "./security-headers.js";

export interface WebAppDeps {
  /** Why the process is not ready (the line's process or Redis does not answer), or null when it is. */
  readonly notReady: () => string | null;
  readonly logger: Logger;
}

/**
 * The express app of a web process (`htr-scada web`): the built HMI, `/healthz` and `/readyz` (200 while
 * the line's process answers through Redis, else 503 with the reason), and nothing of the REST API — the
 * reverse proxy sends `/api/*` to the line's process (docs/hmi-fan-out.md); a request for it that reaches
 * this process anyway is answered 404 with the reason, not silently served by nobody.
 */
export function createWebApp(deps: WebAppDeps): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.use(securityHeaders());
  app.get("/healthz", (_req, res) => {
    res.json({ status: "alive", role: "web" });
  });
  app.get("/readyz", (_req, res) => {
    const reason = deps.notReady();
    res.status(reason === null ? 200 : 503).json({ ready: reason === null, role: "web", reasons: reason === null ? [] : [reason] });
  });
  app.use(/^\/(api|metrics)(\/|$)/, (req, _res, next) => {
    next(new ScadaError("SCADA_ERR_HTTP_NOT_FOUND", `${req.method} ${req.originalUrl.split("?")[0]}: this is an HMI web process; the reverse proxy must send /api/* and /metrics to the line's SCADA process`));
  });
  app.use(hmiStatic());
  app.use(notFoundHandler);
  app.use(errorHandler(deps.logger));
  return app;
}
