import type { Permission, Role } from "../auth/permissions.js";
import { roleCan } from "../auth/permissions.js";
import type { Logger } from "../core/logger.js";
import type { ServerToClientEvents } from "./socket-contract.js";
import type { GatewayServer, GatewaySocket } from "./socket-data.js";
import { SocketFanout } from "./socket-fanout.js";
import { permissionRoom } from "./socket-rooms.js";
import type { Cancel, SocketScheduler } from "./socket-scheduler.js";

/** The pushed states and the permission each needs. */
export const PUSHED_STATES = [
  { event: "line", permission: "line:read" },
  { event: "interlocks", permission: "interlocks:read" },
  { event: "alarms", permission: "alarms:read" },
] as const satisfies readonly { event: keyof ServerToClientEvents; permission: Permission }[];

export type StateEvent = (typeof PUSHED_STATES)[number]["event"];
/** Each state's JSON, as the contract has it (`LineJson`, `InterlocksJson`, `AlarmsJson`). */
export type StatePayloads = { readonly [E in StateEvent]: Parameters<ServerToClientEvents[E]>[0] };

/**
 * The state pushed to the HMI: the same JSON the REST routes return — `line`: `GET /api/line`,
 * `interlocks`: `GET /api/interlocks`, `alarms`: `GET /api/alarms` (absent: not pushed).
 */
export type GatewayStateSources = { readonly [E in StateEvent]?: () => StatePayloads[E] };

type StateSenders = { readonly [E in StateEvent]: (value: StatePayloads[E]) => void };

const toSocket = (fanout: SocketFanout, s: GatewaySocket): StateSenders => ({
  line: (v) => fanout.toSocket(s.id, "line", v),
  interlocks: (v) => fanout.toSocket(s.id, "interlocks", v),
  alarms: (v) => fanout.toSocket(s.id, "alarms", v),
});

const toRoom = (fanout: SocketFanout, room: string): StateSenders => ({
  line: (v) => void fanout.toRoom(room, "line", v),
  interlocks: (v) => void fanout.toRoom(room, "interlocks", v),
  alarms: (v) => void fanout.toRoom(room, "alarms", v),
});

/** A state whose only change is a running counter is pushed again at most this often. */
const STATE_REFRESH_MS = 1000;

/** Counters that run on their own (time in state) do not count as a change; they are refreshed once a second. */
const withoutCounters = (key: string, v: unknown): unknown => (key === "timeInStateMs" ? undefined : v);

/**
 * Pushes line / interlocks / alarms to the rooms `perm:line:read` etc. every period, only to rooms with
 * members and only when the JSON changed (or once a second while only a running counter moved). On
 * connect a socket gets the current state its role may read at once. A source that throws pushes nothing.
 */
export class SocketStatePush {
  private readonly last = new Map<StateEvent, { readonly json: string; readonly at: number }>();
  private readonly stop: Cancel;

  constructor(
    private readonly io: GatewayServer,
    private readonly sources: GatewayStateSources,
    private readonly log: Logger,
    private readonly scheduler: SocketScheduler,
    periodMs: number,
    /** Whether a room has members anywhere (default: local sockets only; the line's process adds web processes'). */
    private readonly hasMembers: (room: string) => boolean = (room) => (io.sockets.adapter.rooms.get(room)?.size ?? 0) > 0,
    /** Writes in chunks, in order (the gateway shares one with the tag push; default: one of its own, no cluster). */
    private readonly fanout: SocketFanout = new SocketFanout(io, scheduler, false),
  ) {
    this.stop = scheduler.every(periodMs, () => this.push());
  }

  /** A socket has just connected: the current state its role may read. */
  sendCurrent(socket: GatewaySocket): void {
    this.sendCurrentAs(socket.data.actor.role, () => toSocket(this.fanout, socket));
  }

  /** A socket of a web process has just connected: the same, sent to its id through the cluster adapter. */
  sendCurrentToRemote(role: Role, socketId: string): void {
    this.sendCurrentAs(role, () => toRoom(this.fanout, socketId));
  }

  /** One period: each state that changed, to the room that may read it. */
  push(): void {
    for (const { event, permission } of PUSHED_STATES) {
      const room = permissionRoom(permission);
      if (!this.hasMembers(room)) continue;
      this.sendState(event, () => toRoom(this.fanout, room), (value) => this.changed(event, value));
    }
  }

  close(): void {
    this.stop();
  }

  private sendCurrentAs(role: Role, to: () => StateSenders): void {
    for (const { event, permission } of PUSHED_STATES) {
      if (roleCan(role, permission)) this.sendState(event, to);
    }
  }

  /** Reads a state and sends it (nothing when the source is absent, throws, gives undefined or `when` says no). */
  private sendState<E extends StateEvent>(event: E, to: () => StateSenders, when?: (value: StatePayloads[E]) => boolean): void {
    const source = this.sources[event];
    if (!source) return;
    let value: StatePayloads[E] | undefined;
    try {
      value = source();
    } catch (err) {
      this.log.warn({ err, state: event }, "state source failed; nothing pushed");
      return;
    }
    if (value === undefined || (when && !when(value))) return;
    to()[event](value);
  }

  /** Not the same JSON as last pushed, or the last push is a refresh period old; notes the push. */
  private changed(event: StateEvent, value: unknown): boolean {
    const json = JSON.stringify(value, withoutCounters);
    const now = this.scheduler.now();
    const last = this.last.get(event);
    if (json === last?.json && now - last.at < STATE_REFRESH_MS) return false;
    this.last.set(event, { json, at: now });
    return true;
  }
}
