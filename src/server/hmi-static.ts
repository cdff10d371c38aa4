import { existsSync } from "node:fs";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import express, { type Request, Router } from "express";

/** Where `npm run build:hmi` writes the HMI (hmi/dist, next to src/). */
export const HMI_DIST_DIR = fileURLToPath(new URL("../../hmi/dist", import.meta.url));

/** Paths that are never the HMI's: the API, the socket, the probes. */
const SERVER_PATHS = /^\/(api|socket\.io|metrics|healthz|readyz)(\/|$)/;

const wantsPage = (req: Request): boolean =>
  (req.method === "GET" || req.method === "HEAD") && !SERVER_PATHS.test(req.path) && extname(req.path) === "";

/**
 * Serves the built HMI at `/`: hashed assets (`/assets/*`) cached for a year (immutable), `index.html`
 * never cached (a new build is picked up at once), and `index.html` for every other page path (hash or
 * history routing). Server paths and missing files fall through to the 404 handler. When the HMI has not
 * been built, page paths answer 503 with the command that builds it.
 */
export function hmiStatic(distDir: string = HMI_DIST_DIR): Router {
  const r = Router();
  const index = join(distDir, "index.html");
  if (!existsSync(index)) {
    r.use((req, res, next) => {
      if (!wantsPage(req)) return next();
      res.status(503).type("text/plain").set("cache-control", "no-store").send("HMI not built: run npm run build:hmi\n");
    });
    return r;
  }
  r.use(
    express.static(distDir, {
      index: false,
      redirect: false,
      setHeaders(res, path) {
        const hashed = path.startsWith(join(distDir, "assets"));
        res.setHeader("cache-control", hashed ? "public, max-age=31536000, immutable" : "no-cache");
      },
    }),
  );
  r.use((req, res, next) => {
    if (!wantsPage(req)) return next();
    // dotfiles "allow": the checkout itself may live under a dot directory; the request path cannot pick the file.
    res.set("cache-control", "no-cache").sendFile(index, { dotfiles: "allow" }, (err) => {
      if (err) next(err);
    });
  });
  return r;
}
