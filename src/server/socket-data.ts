import type { Server, Socket } from "socket.io";
import type { Actor } from "../auth/actor.js";
import type { SessionView } from "../auth/session-port.js";
import type { ClusterEvents } from "./socket-cluster-contract.js";
import type { ClientToServerEvents, ServerToClientEvents } from "./socket-contract.js";

/** What the gateway keeps on each socket (`socket.data`), set by the handshake. */
export interface SocketData {
  sessionId: string;
  actor: Actor;
  address: string;
  /** The session as last checked. */
  view: SessionView;
  /** Operations started and not yet answered. */
  inFlight: number;
}

export type GatewaySocket = Socket<ClientToServerEvents, ServerToClientEvents, ClusterEvents, SocketData>;
/** The gateway's socket.io server; `ClusterEvents`: what the line's process and its web processes tell each other. */
export type GatewayServer = Server<ClientToServerEvents, ServerToClientEvents, ClusterEvents, SocketData>;
