/**
 * The line's process's record of the sockets that web processes serve (pure: time comes in as arguments):
 * which web process (`node`) holds each, the tag group it was put in, and when each web process was last
 * heard of. A web process that says which sockets it has (`reconcile`) or falls silent (`expire`) gives
 * back the sockets to forget, whose tag subscriptions the caller drops.
 */
export class RemoteSocketBook {
  private readonly sockets = new Map<string, { node: string; group: number | null }>();
  private readonly heard = new Map<string, number>();
  private readonly groupSizes = new Map<number, number>();

  get size(): number {
    return this.sockets.size;
  }

  /** A message from `node` about `socket` (hello, subscribe): the socket is that node's. */
  add(node: string, socket: string, now: number): void {
    this.heard.set(node, now);
    const s = this.sockets.get(socket);
    if (s && s.node === node) return;
    if (s) this.setGroup(socket, null);
    this.sockets.set(socket, { node, group: null });
  }

  has(socket: string): boolean {
    return this.sockets.has(socket);
  }

  /** Any message from `node`. */
  heardFrom(node: string, now: number): void {
    this.heard.set(node, now);
  }

  /** Forgets one socket; false when it was not known. */
  remove(socket: string): boolean {
    if (!this.sockets.has(socket)) return false;
    this.setGroup(socket, null);
    this.sockets.delete(socket);
    return true;
  }

  /** The tag group a remote socket is now in (null: none). */
  setGroup(socket: string, group: number | null): void {
    const s = this.sockets.get(socket);
    if (!s || s.group === group) return;
    if (s.group !== null) {
      const n = (this.groupSizes.get(s.group) ?? 1) - 1;
      if (n > 0) this.groupSizes.set(s.group, n);
      else this.groupSizes.delete(s.group);
    }
    if (group !== null) this.groupSizes.set(group, (this.groupSizes.get(group) ?? 0) + 1);
    s.group = group;
  }

  /** Remote sockets in a tag group. */
  inGroup(group: number): number {
    return this.groupSizes.get(group) ?? 0;
  }

  /** `node` has exactly these sockets now: returns its other sockets, forgotten. */
  reconcile(node: string, live: readonly string[], now: number): string[] {
    this.heard.set(node, now);
    const keep = new Set(live);
    const gone: string[] = [];
    for (const [socket, s] of this.sockets) if (s.node === node && !keep.has(socket)) gone.push(socket);
    for (const socket of gone) this.remove(socket);
    return gone;
  }

  /** Forgets every node not heard of for `silenceMs` and its sockets; returns those sockets. */
  expire(now: number, silenceMs: number): string[] {
    const gone: string[] = [];
    for (const [node, at] of this.heard) {
      if (now - at <= silenceMs) continue;
      this.heard.delete(node);
      for (const [socket, s] of this.sockets) if (s.node === node) gone.push(socket);
    }
    for (const socket of gone) this.remove(socket);
    return gone;
  }
}
