import type { GatewaySocket } from "./socket-data.js";

/** The live sockets, by id and by session. */
export class SocketConnections {
  private readonly byId = new Map<string, GatewaySocket>();
  private readonly bySession = new Map<string, Set<GatewaySocket>>();

  get size(): number {
    return this.byId.size;
  }

  add(socket: GatewaySocket): void {
    this.byId.set(socket.id, socket);
    let set = this.bySession.get(socket.data.sessionId);
    if (!set) this.bySession.set(socket.data.sessionId, (set = new Set()));
    set.add(socket);
  }

  remove(socket: GatewaySocket): void {
    this.byId.delete(socket.id);
    const set = this.bySession.get(socket.data.sessionId);
    set?.delete(socket);
    if (set?.size === 0) this.bySession.delete(socket.data.sessionId);
  }

  get(id: string): GatewaySocket | undefined {
    return this.byId.get(id);
  }

  /** The session's sockets (a copy: closing them while iterating is safe). */
  ofSession(sessionId: string): GatewaySocket[] {
    return [...(this.bySession.get(sessionId) ?? [])];
  }

  /** One socket of each session (what the periodic check looks at); sessions without one are forgotten. */
  oneOfEachSession(): GatewaySocket[] {
    const out: GatewaySocket[] = [];
    for (const [sessionId, set] of [...this.bySession]) {
      const first = set.values().next().value;
      if (first) out.push(first);
      else this.bySession.delete(sessionId);
    }
    return out;
  }

  all(): GatewaySocket[] {
    return [...this.byId.values()];
  }
}
