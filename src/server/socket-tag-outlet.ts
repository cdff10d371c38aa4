import type { SocketConnections } from "./socket-connections.js";
import type { GatewayServer } from "./socket-data.js";
import type { SocketFanout } from "./socket-fanout.js";
import { tagRoom } from "./socket-rooms.js";
import type { TagPushOutlet } from "./socket-tag-push.js";

/** The sockets web processes serve, as the line's process knows them (`RemoteSocketBook`). */
export interface RemoteSubscribers {
  has(socket: string): boolean;
  setGroup(socket: string, group: number | null): void;
  inGroup(group: number): number;
}

/**
 * Tag batches over socket.io: a group's batch goes to its room `tags:<group>` (encoded once per chunk of its
 * local members, written in chunks by the `SocketFanout`; with the cluster adapter, to the members in every
 * web process too), a personal batch (initial values) to one socket, in order with what the fan-out still
 * writes. A subscriber that is not a local socket but a `remote` one (served by a web process) is reached
 * through the adapter: `io.to(id)` and `io.in(id).socketsJoin(room)`, in the order sent.
 */
export function socketTagOutlet(io: GatewayServer, connections: SocketConnections, fanout: SocketFanout, remote?: RemoteSubscribers): TagPushOutlet {
  return {
    toGroup(group, except, batch) {
      const local = fanout.toRoom(tagRoom(group), "tags", batch, except);
      if (!remote) return local;
      const remoteExcept = except.filter((id) => remote.has(id)).length;
      return local + Math.max(0, remote.inGroup(group) - remoteExcept);
    },
    toSubscriber(subscriber, batch) {
      if (connections.get(subscriber)) {
        fanout.toSocket(subscriber, "tags", batch);
        return true;
      }
      if (!remote?.has(subscriber)) return false;
      io.to(subscriber).emit("tags", batch);
      return true;
    },
    move(subscriber, move) {
      const socket = connections.get(subscriber);
      if (socket) {
        if (move.previous !== null) void socket.leave(tagRoom(move.previous));
        if (move.group !== null) void socket.join(tagRoom(move.group));
        return;
      }
      if (!remote?.has(subscriber)) return;
      if (move.previous !== null) io.in(subscriber).socketsLeave(tagRoom(move.previous));
      if (move.group !== null) io.in(subscriber).socketsJoin(tagRoom(move.group));
      remote.setGroup(subscriber, move.group);
    },
    busy: () => fanout.busy(),
    whenIdle: (fn) => fanout.whenIdle(fn),
    takeDeferredMs: () => fanout.takeDeferredMs(),
  };
}
