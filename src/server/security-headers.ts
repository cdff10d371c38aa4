import type { RequestHandler } from "express";
import helmet from "helmet";

/**
 * helmet's headers with a Content Security Policy for the HMI served by the same app: its own scripts and
 * styles (inline styles allowed: uPlot sets them), its own socket.io (ws/wss), images from itself and data:
 * URLs; nothing from elsewhere, no framing. `upgrade-insecure-requests` is left out: a plant HMI may be
 * served over plain http on the LAN, and the directive would break it.
 */
export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", "data:"],
        connectSrc: ["'self'", "ws:", "wss:"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        upgradeInsecureRequests: null,
      },
    },
  });
}
