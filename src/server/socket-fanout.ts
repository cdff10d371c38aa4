import type { ServerToClientEvents } from "./socket-contract.js";
import type { GatewayServer } from "./socket-data.js";
import type { Cancel, SocketScheduler } from "./socket-scheduler.js";

/**
 * The most local sockets one emit writes to in one macrotask. Writing a message costs a `writev` per socket
 * (measured: ≈ 60–130 µs each on loopback with the clients on the same 2-core machine), so one broadcast to
 * 100 sockets blocked the event loop 5–7 ms — the event-loop delay p99 at twice the design load. In chunks
 * of 16 a task stays ≈ 1–2 ms, and the trip path, the drivers and the timers run between them.
 */
export const FANOUT_CHUNK = 16;

type EventName = keyof ServerToClientEvents;
type Payload<E extends EventName> = Parameters<ServerToClientEvents[E]>[0];

interface Send {
  readonly ids: readonly string[];
  readonly event: EventName;
  readonly payload: unknown;
}

/**
 * The gateway's pushes to its local sockets, FANOUT_CHUNK sockets per macrotask, in order: every send — to a
 * room or to one socket — goes behind the ones still queued, so each socket gets its messages in the order
 * they were sent (a socket's initial values never overtake an older delta). A room's members are read when
 * the send is made. With the cluster adapter (`cluster`), the members in other processes get the message at
 * once through the adapter (one broadcast that leaves this process's sockets out).
 *
 * Cost: one encode per chunk (socket.io encodes once per emit) plus one `soon` per queued chunk. With nothing
 * queued a send's first chunk is written at once (a send that fits in one chunk is a plain emit).
 */
export class SocketFanout {
  private readonly queue: Send[] = [];
  private pending: Cancel | undefined;
  private deferredMs = 0;
  private readonly idle: (() => void)[] = [];

  constructor(
    private readonly io: GatewayServer,
    private readonly scheduler: SocketScheduler,
    private readonly cluster: boolean,
    private readonly chunk = FANOUT_CHUNK,
  ) {}

  /** To every member of `room` but `except`; returns the number of local members it goes to. */
  toRoom<E extends EventName>(room: string, event: E, payload: Payload<E>, except: readonly string[] = []): number {
    const members = this.io.sockets.adapter.rooms.get(room);
    const skip = except.length > 0 ? new Set(except) : null;
    const ids = members ? [...members].filter((id) => !skip?.has(id)) : [];
    if (this.cluster) {
      // The other processes' members: everyone in the room but this process's sockets and `except`.
      (this.io.to(room).except([...(members ?? []), ...except]).emit as (e: string, p: unknown) => void)(event, payload);
    }
    this.enqueue(ids, event, payload);
    return ids.length;
  }

  /** To one local socket, in order with what is queued. */
  toSocket<E extends EventName>(id: string, event: E, payload: Payload<E>): void {
    this.enqueue([id], event, payload);
  }

  /** Whether sends are still queued. */
  busy(): boolean {
    return this.queue.length > 0;
  }

  /** Runs `fn` once nothing is queued (at once if nothing is). */
  whenIdle(fn: () => void): Cancel {
    if (!this.busy()) {
      fn();
      return () => undefined;
    }
    this.idle.push(fn);
    return () => {
      const i = this.idle.indexOf(fn);
      if (i >= 0) this.idle.splice(i, 1);
    };
  }

  /** The time spent writing queued chunks since the last call (ms). */
  takeDeferredMs(): number {
    const ms = this.deferredMs;
    this.deferredMs = 0;
    return ms;
  }

  /** Drops what is queued (the gateway closes). */
  close(): void {
    this.queue.length = 0;
    this.pending?.();
    this.pending = undefined;
    this.idle.length = 0;
  }

  private enqueue(ids: readonly string[], event: EventName, payload: unknown): void {
    if (ids.length === 0) return;
    let from = 0;
    if (this.queue.length === 0) {
      // Nothing ahead of it: its first chunk at once.
      from = Math.min(ids.length, this.chunk);
      this.write(from === ids.length ? ids : ids.slice(0, from), event, payload);
    }
    for (let i = from; i < ids.length; i += this.chunk) this.queue.push({ ids: ids.slice(i, i + this.chunk), event, payload });
    if (this.queue.length > 0) this.pending ??= this.scheduler.soon(this.drain);
  }

  private write(ids: readonly string[], event: EventName, payload: unknown): void {
    const target = ids.length === 1 ? this.io.local.to(ids[0]!) : this.io.local.to([...ids]);
    (target.emit as (e: string, p: unknown) => void)(event, payload);
  }

  private readonly drain = (): void => {
    this.pending = undefined;
    const next = this.queue.shift();
    if (next) {
      const started = this.scheduler.now();
      this.write(next.ids, next.event, next.payload);
      this.deferredMs += this.scheduler.now() - started;
    }
    if (this.queue.length > 0) {
      this.pending = this.scheduler.soon(this.drain);
      return;
    }
    for (const fn of this.idle.splice(0)) fn();
  };
}
