import { type Socket, io } from "socket.io-client";
import type { Ack, ClientToServerEvents, OperationInputs, OperationName, ServerToClientEvents } from "../../../src/server/socket-contract.js";
import type { PlantState } from "./plant-state.js";

export type HmiSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

const OPERATE_TIMEOUT_MS = 10_000;

/**
 * The socket.io link (same origin, session cookie): pushes go into the plant state, operations come back
 * with the server's ack. socket.io reconnects by itself; a refused handshake (no session) is reported to
 * `onUnauthorised` and retried with a slow backoff while the session still exists.
 */
export class LiveConnection {
  readonly socket: HmiSocket;
  private subscription: readonly string[] = [];
  private retryTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly state: PlantState,
    private readonly hooks: { onExpired(reason: string): void; onHandshakeRefused(message: string): void },
  ) {
    this.socket = io({ autoConnect: false, transports: ["websocket", "polling"], reconnectionDelayMax: 3000 });
    const s = this.socket;
    s.on("connect", () => {
      state.setConnected(true, "connected");
      this.sendSubscription();
    });
    s.on("disconnect", (reason) => {
      state.setConnected(false, reason);
      // "io server disconnect": the server closed it (session ended); socket.io does not retry those.
      if (reason === "io server disconnect") this.retryLater();
    });
    s.on("connect_error", (err) => {
      state.setConnected(false, err.message);
      // A middleware refusal is not retried by socket.io: ask whether the session is still there.
      if (!s.active) {
        hooks.onHandshakeRefused(err.message);
        this.retryLater();
      }
    });
    s.on("session", () => undefined);
    s.on("tags", (batch) => state.applyBatch(batch));
    s.on("line", (line) => {
      state.line = line;
      state.changed("line");
    });
    s.on("interlocks", (il) => {
      state.interlocks = il;
      state.changed("interlocks");
    });
    s.on("alarms", (a) => {
      state.alarms = a;
      state.changed("alarms");
    });
    s.on("session:expired", ({ reason }) => hooks.onExpired(reason));
  }

  start(): void {
    this.socket.connect();
  }

  stop(): void {
    clearTimeout(this.retryTimer);
    this.socket.disconnect();
    this.state.setConnected(false, "logged out");
  }

  private retryLater(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      if (!this.socket.connected) this.socket.connect();
    }, 3000);
  }

  /** The tags the page shows; sent again after every reconnect. */
  subscribe(tags: readonly string[]): void {
    this.subscription = [...new Set(tags)];
    this.sendSubscription();
  }

  private sendSubscription(): void {
    if (!this.socket.connected) return;
    this.socket.timeout(OPERATE_TIMEOUT_MS).emit("subscribe", this.subscription, () => undefined);
  }

  /** Runs an operation; never buffered while disconnected (a command must not fire minutes later). */
  operate<K extends OperationName>(op: K, input: OperationInputs[K]): Promise<Ack> {
    if (!this.socket.connected) {
      return Promise.resolve({ ok: false, error: { code: "HMI_DISCONNECTED", message: "no connection to the server: nothing was sent" } });
    }
    return new Promise((resolve) => {
      this.socket.timeout(OPERATE_TIMEOUT_MS).emit("operate", { op, input } as never, (err: Error | null, ack: Ack) => {
        if (err) resolve({ ok: false, error: { code: "HMI_TIMEOUT", message: `no answer from the server within ${OPERATE_TIMEOUT_MS / 1000} s (the command may or may not have run)` } });
        else resolve(ack);
      });
    });
  }
}
