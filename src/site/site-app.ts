/**
 * The site overview's HTTP app (built without listening): the page (`/`, `/site.js`, `/site.css`),
 * `GET /api/site` (the state as JSON), `GET /api/site/events` (Server-Sent Events: the state at once, then
 * on each change), `GET /healthz`. Read-only: every other method and path is refused with the house's
 * `{ error: { code, message } }`.
 */
import express, { type Express, type Response } from "express";
import helmet from "helmet";
import { ScadaError } from "../core/errors.js";
import { SITE_SCRIPT } from "./site-page-script.js";
import { SITE_CSS, siteHtml } from "./site-page.js";
import type { SiteState } from "./site-state.js";

/** A comment line every this often keeps proxies from closing a quiet event stream. */
const SSE_KEEPALIVE_MS = 15_000;

export interface SiteFeed {
  current(): SiteState;
  /** Called after each change (coalesced by the caller); returns the unsubscribe. */
  subscribe(listener: (s: SiteState) => void): () => void;
}

const sendError = (res: Response, err: ScadaError): void => void res.status(err.status).json(err.toJSON());

export function createSiteApp(feed: SiteFeed): Express {
  const app = express();
  app.disable("x-powered-by");
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: true,
        directives: { defaultSrc: ["'self'"], scriptSrc: ["'self'"], styleSrc: ["'self'"], connectSrc: ["'self'"], objectSrc: ["'none'"], frameAncestors: ["'none'"], upgradeInsecureRequests: null },
      },
    }),
  );
  app.get("/", (_req, res) => void res.type("html").send(siteHtml(feed.current().site.name)));
  app.get("/site.js", (_req, res) => void res.type("application/javascript").send(SITE_SCRIPT));
  app.get("/site.css", (_req, res) => void res.type("css").send(SITE_CSS));
  app.get("/favicon.ico", (_req, res) => void res.status(204).end());
  app.get("/healthz", (_req, res) => void res.json({ ok: true }));
  app.get("/api/site", (_req, res) => void res.set("cache-control", "no-store").json(feed.current()));
  app.get("/api/site/events", (req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store", connection: "keep-alive", "x-accel-buffering": "no" });
    const send = (s: SiteState): void => void res.write(`data: ${JSON.stringify(s)}\n\n`);
    send(feed.current());
    const unsubscribe = feed.subscribe(send);
    const keepalive = setInterval(() => res.write(": keepalive\n\n"), SSE_KEEPALIVE_MS);
    req.on("close", () => {
      clearInterval(keepalive);
      unsubscribe();
    });
  });
  app.use((_req, res) => sendError(res, new ScadaError("SCADA_ERR_HTTP_NOT_FOUND")));
  return app;
}
