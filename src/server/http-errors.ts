import type { ErrorRequestHandler, RequestHandler } from "express";
import { ScadaError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";

/** Unknown routes get the standard error body. */
export const notFoundHandler: RequestHandler = (req, res) => {
  const err = new ScadaError("SCADA_ERR_HTTP_NOT_FOUND", `No route ${req.method} ${req.path}`);
  res.status(err.status).json(err.toJSON());
};

/** Every error becomes `{ error: { code, message } }` with a fitting status; bugs are logged, not leaked. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    let e: ScadaError;
    if (err instanceof ScadaError) e = err;
    else if (isBodyParseError(err)) e = new ScadaError("SCADA_ERR_HTTP_BAD_REQUEST", `Malformed JSON body: ${err.message}`);
    else if (bodyErrorType(err) === "entity.too.large") e = new ScadaError("SCADA_ERR_HTTP_TOO_LARGE", "Request body too large (limit 64 kB)");
    else if (bodyErrorType(err) !== undefined) e = new ScadaError("SCADA_ERR_HTTP_BAD_REQUEST", `Unreadable request body: ${(err as Error).message}`);
    else {
      logger.error({ err, method: req.method, path: req.path }, "unhandled error in request");
      e = new ScadaError("SCADA_ERR_SERVER_INTERNAL");
    }
    if (!e.operator) logger.warn({ code: e.code, path: req.path }, e.message);
    res.status(e.status).json(e.toJSON());
  };
}

/** body-parser's error type (`entity.too.large`, `encoding.unsupported`, …) for its own 4xx errors. */
function bodyErrorType(err: unknown): string | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const { type, status } = err as { type?: unknown; status?: unknown };
  return typeof type === "string" && typeof status === "number" && status >= 400 && status < 500 ? type : undefined;
}

function isBodyParseError(err: unknown): err is Error {
  return err instanceof SyntaxError || (typeof err === "object" && err !== null && (err as { type?: string }).type === "entity.parse.failed");
}
