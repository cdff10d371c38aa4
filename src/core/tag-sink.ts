import type { TagUpdate } from "./tag-value.js";

/** Where a driver delivers values (the tag table implements it). */
export interface TagSink {
  /** New values, already scaled to engineering units, with quality and time stamps. */
  onUpdates(updates: readonly TagUpdate[]): void;
  /**
   * The device proved it is alive at `ts` without sending changes (e.g. an OPC UA publish/keep-alive):
   * unchanged values of its tags are still current. Modbus drivers need not call it (every poll updates).
   */
  onConfirm(deviceId: string, ts: number): void;
}
