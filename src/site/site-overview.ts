/**
 * The site overview process (`htr-scada site`): its own small composition — a Sparkplug host connection to
 * the site's group (northbound/sparkplug-host-client.ts), the pure fold of what it hears (site-state.ts),
 * the rebirths the fold asks for, and the HTTP app (site-app.ts) that shows the state and pushes each change
 * to the page (at most one push per PUSH_EVERY_MS, the first at once).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { SiteConfig } from "../config/site-config-loader.js";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import { SparkplugHostClient } from "../northbound/sparkplug-host-client.js";
import { createSiteApp } from "./site-app.js";
import type { SiteEvent } from "./site-message.js";
import { siteEventOf } from "./site-payload.js";
import { type SiteState, foldSite, initialSiteState } from "./site-state.js";

const PUSH_EVERY_MS = 50;

export interface SiteOverviewOptions {
  readonly site: SiteConfig;
  /** The broker (SCADA_MQTT_URL or the site file's: config/site-config-loader.ts siteBrokerUrl). */
  readonly brokerUrl: string;
  readonly username?: string;
  readonly password?: string;
  /** HTTP port (0: any free one) and address; default the site file's. */
  readonly port?: number;
  readonly host?: string;
  readonly clock: Clock;
  readonly logger: Logger;
}

export class SiteOverview {
  private state: SiteState;
  private readonly listeners = new Set<(s: SiteState) => void>();
  private readonly host: SparkplugHostClient;
  private server: Server | null = null;
  private pushTimer: NodeJS.Timeout | undefined;
  private lastPush = 0;
  private pushed: SiteState | null = null;

  constructor(private readonly opts: SiteOverviewOptions) {
    const { site } = opts;
    this.state = initialSiteState({ id: site.id, name: site.name, groupId: site.groupId, speedMetric: site.speedMetric, lines: site.lines.map((l) => ({ id: l.id, name: l.name, hmiUrl: l.hmiUrl })) });
    this.host = new SparkplugHostClient({
      url: opts.brokerUrl,
      groupId: site.groupId,
      clientId: `${site.id}-overview-${process.pid}`,
      ...(opts.username !== undefined ? { username: opts.username } : {}),
      ...(opts.password !== undefined ? { password: opts.password } : {}),
      listener: {
        message: (topic, payload, at) => this.apply(siteEventOf(topic, payload, at)),
        malformed: (topic, reason, at) => this.apply({ kind: "malformed", topic, reason, at }),
        connection: (connected, at, reason) => this.apply({ kind: "broker", connected, at, ...(reason ? { reason } : {}) }),
      },
      clock: opts.clock,
      logger: opts.logger.child({ module: "site" }),
    });
  }

  current(): SiteState {
    return this.state;
  }

  /** Folds one event; sends the rebirths it asks for; schedules the push. Never throws. */
  private apply(e: SiteEvent): void {
    let next: ReturnType<typeof foldSite>;
    try {
      next = foldSite(this.state, e);
    } catch (err) {
      this.opts.logger.error({ err }, "site: an event could not be folded (ignored)");
      return;
    }
    this.state = next.state;
    for (const r of next.requests) if (r.kind === "rebirth") this.host.requestRebirth(r.edgeNode);
    this.schedulePush();
  }

  private schedulePush(): void {
    if (this.pushTimer !== undefined) return;
    const wait = Math.max(0, this.lastPush + PUSH_EVERY_MS - this.opts.clock.now());
    const push = (): void => {
      this.pushTimer = undefined;
      this.lastPush = this.opts.clock.now();
      if (this.pushed === this.state) return;
      this.pushed = this.state;
      for (const l of this.listeners) {
        try {
          l(this.state);
        } catch (err) {
          this.opts.logger.warn({ err: String(err) }, "site: a push failed");
        }
      }
    };
    this.pushTimer = setTimeout(push, wait);
  }

  async start(): Promise<{ url: string }> {
    const app = createSiteApp({
      current: () => this.state,
      subscribe: (l) => {
        this.listeners.add(l);
        return () => this.listeners.delete(l);
      },
    });
    const server = createServer(app);
    this.server = server;
    const host = this.opts.host ?? this.opts.site.overview.host;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.opts.port ?? this.opts.site.overview.port, host, () => resolve());
    });
    this.host.start();
    return { url: this.url() };
  }

  url(): string {
    const addr = this.server?.address() as AddressInfo | null;
    const host = this.opts.host ?? this.opts.site.overview.host;
    return `http://${host.includes(":") ? `[${host}]` : host}:${addr?.port ?? 0}`;
  }

  async stop(): Promise<void> {
    clearTimeout(this.pushTimer);
    await this.host.stop();
    const server = this.server;
    this.server = null;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }
}
