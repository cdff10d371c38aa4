import type { SocketConnections } from "./socket-connections.js";
import type { GatewayServer } from "./socket-data.js";
import { tagRoom } from "./socket-rooms.js";
import type { TagPushOutlet } from "./socket-tag-push.js";

/**
 * Tag batches over socket.io: a group's batch goes to its room `tags:<group>` (encoded once for all its
 * members), a personal batch (initial values) to one socket.
 */
export function socketTagOutlet(io: GatewayServer, connections: SocketConnections): TagPushOutlet {
  return {
    toGroup(group, except, batch) {
      const room = tagRoom(group);
      const members = io.sockets.adapter.rooms.get(room)?.size ?? 0;
      if (except.length > 0) io.to(room).except([...except]).emit("tags", batch);
      else io.to(room).emit("tags", batch);
      return Math.max(0, members - except.length);
    },
    toSubscriber(subscriber, batch) {
      const socket = connections.get(subscriber);
      if (!socket) return false;
      socket.emit("tags", batch);
      return true;
    },
    move(subscriber, move) {
      const socket = connections.get(subscriber);
      if (!socket) return;
      if (move.previous !== null) void socket.leave(tagRoom(move.previous));
      if (move.group !== null) void socket.join(tagRoom(move.group));
    },
  };
}
