import type { Ack } from "./socket-contract.js";

/** What a `subscribe` answers: the names it took and the ones no tag has. */
export interface SubscribeResult {
  readonly subscribed: string[];
  readonly unknown: string[];
}

/**
 * Where a socket's tag subscription goes: the tag push in the line's process (`SocketTagPush`, answers at
 * once), or the line's process over the cluster adapter in a web process (`SocketWebBackend`, answers later
 * with the line's own ack).
 */
export interface TagSubscriptions {
  /** Replaces a subscriber's tags (names already checked for shape, not for existence). */
  subscribe(subscriber: string, names: readonly string[]): SubscribeResult | Promise<Ack<SubscribeResult>>;
  /** Drops a subscriber's tags (it lost the permission, or disconnected). */
  unsubscribe(subscriber: string): void;
}
