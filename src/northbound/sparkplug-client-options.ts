/**
 * The edge node's MQTT connection options (pure): a clean MQTT 3.1.1 session, the keep-alive that bounds when
 * the broker publishes the NDEATH will, reconnects, credentials and TLS.
 */
import type { IClientOptions } from "mqtt";

/** Reconnect period after the broker is lost, ms. */
const RECONNECT_MS = 2000;
/** MQTT keep-alive, s: the broker publishes the NDEATH will ≈ 1.5 × this after the node goes silent. */
const KEEPALIVE_S = 10;

export interface SparkplugConnection {
  readonly groupId: string;
  readonly edgeNodeId: string;
  readonly username?: string;
  readonly password?: string;
  readonly tls?: { readonly ca?: Buffer; readonly cert?: Buffer; readonly key?: Buffer; readonly rejectUnauthorized: boolean };
}

export function sparkplugClientOptions(c: SparkplugConnection, will: NonNullable<IClientOptions["will"]>): IClientOptions {
  const { tls } = c;
  return {
    clientId: `${c.groupId}-${c.edgeNodeId}`,
    clean: true,
    keepalive: KEEPALIVE_S,
    reconnectPeriod: RECONNECT_MS,
    connectTimeout: 10_000,
    protocolVersion: 4,
    will,
    ...(c.username !== undefined ? { username: c.username } : {}),
    ...(c.password !== undefined ? { password: c.password } : {}),
    ...(tls ? { ...(tls.ca ? { ca: tls.ca } : {}), ...(tls.cert ? { cert: tls.cert } : {}), ...(tls.key ? { key: tls.key } : {}), rejectUnauthorized: tls.rejectUnauthorized } : {}),
  };
}
