import type { TagChange } from "./tag-table.js";

/**
 * Which devices have delivered their first data since the SCADA started (the quiet, safe boot).
 *
 * Until a device has delivered a value for one of its tags, what the tag table holds for it is "no data yet":
 * not a fault of the plant, only the SCADA having just started. The interlocks that read such a device are
 * *waiting* (not permitted, never tripped), its alarms are not judged, and only when the start-up window
 * has passed with still nothing from it does its link alarm rise — as it would for a link lost later.
 *
 * A device has delivered when its heartbeat carries a value — the heartbeat is what says the PLC is alive,
 * and IL-08 judges it at once — or, for a device without one, when any of its tags does. A value of any
 * quality counts (a pyrometer that answers Bad is data, and trips as usual); null is what the table holds
 * before any reading — or what a driver marks when its link drops before the first reading — so it does
 * not. A device whose other tags answer but whose heartbeat never does stops waiting when the start-up
 * window ends (`expire`): from then on its silent heartbeat is judged as the fault it is. Once delivered, a
 * device stays delivered for the life of the process: a link lost later is a fault, judged as one.
 *
 * Its first data does not end the wait at once: the device *settles* for FIRST_DATA_SETTLE_MS more. Right
 * after a connect every poll group reads at once, and at boot the whole machine is busy starting (the other
 * PLC's session, influxd, the first logins): measured on the virtual plant, Modbus answers took up to 575 ms
 * for about 1.5 s after the link came up, so values that had just arrived went "late" and latched IL-08 with
 * the line at rest — a trip nobody caused. While settling the device is still waiting (its interlocks not
 * permitted, so the line cannot start; its alarms not judged); the settling ends (`expire`) once that time
 * has passed and every tag of the device has been read once — in a full-suite run the slower Modbus poll
 * groups had not answered 3 s after the heartbeat, and their "not connected" from before the link came up
 * latched IL-08 — or, at the latest, one start-up window after the first data. Then every value is judged
 * as it is.
 *
 * Cost: `observe` is one Map lookup per change while some device is still waiting, nothing after.
 */

/** How long a device may take to deliver its first data before its silence is a fault, ms. */
export const FIRST_DATA_WINDOW_MS = 10_000;
/** After its first data, how long a device's values settle before they are judged, ms. */
export const FIRST_DATA_SETTLE_MS = 3000;

export interface FirstDataDevice {
  readonly id: string;
  /** The device's tags (config names). */
  readonly tags: readonly string[];
  /** Its heartbeat tag: its first value is the device's first data (otherwise any tag's is). */
  readonly heartbeatTag?: string;
}

export class FirstDataWatch {
  private readonly deviceOfTag = new Map<string, string>();
  /** The tag whose first value ends a device's wait (its heartbeat), per device that has one. */
  private readonly firstTag = new Map<string, string>();
  private readonly waiting: Set<string>;
  /** Waiting devices some tag of which has carried a value already. */
  private readonly answered = new Set<string>();
  /** Waiting devices that have sent their first data (their heartbeat), with when: they are settling. */
  private readonly firstAt = new Map<string, number>();
  /** The tags of each device that have not carried a value yet (the settling also waits for them). */
  private readonly unread = new Map<string, Set<string>>();
  private readonly listeners: ((device: string) => void)[] = [];

  constructor(
    devices: readonly FirstDataDevice[],
    /** When the SCADA started (the window starts here), epoch ms. */
    readonly startedAt: number,
    readonly windowMs = FIRST_DATA_WINDOW_MS,
    readonly settleMs = FIRST_DATA_SETTLE_MS,
  ) {
    for (const d of devices) {
      for (const t of d.tags) this.deviceOfTag.set(t, d.id);
      this.unread.set(d.id, new Set(d.tags));
      if (d.heartbeatTag !== undefined && d.tags.includes(d.heartbeatTag)) this.firstTag.set(d.id, d.heartbeatTag);
    }
    this.waiting = new Set(devices.map((d) => d.id));
  }

  /**
   * Looks at one tag change at `now`; returns the device that delivered with it, if one did (only without a
   * settling time: otherwise its first data starts the settling, and `expire` delivers it).
   */
  observe(change: Pick<TagChange, "name" | "current">, now: number): string | null {
    if (this.waiting.size === 0 || change.current.value === null) return null;
    const device = this.deviceOfTag.get(change.name);
    if (device === undefined || !this.waiting.has(device)) return null;
    this.unread.get(device)?.delete(change.name);
    const first = this.firstTag.get(device);
    if (first !== undefined && first !== change.name) {
      this.answered.add(device);
      return null;
    }
    if (this.settleMs > 0) {
      if (!this.firstAt.has(device)) this.firstAt.set(device, now);
      return null;
    }
    this.deliver(device);
    return device;
  }

  /**
   * Ends the waits that are over at `now`: a device whose settling time has passed; and, once the start-up
   * window has ended, a device that has answered but never sent its heartbeat (its heartbeat is judged from
   * now on). Returns those devices; call it periodically.
   */
  expire(now: number): readonly string[] {
    if (this.waiting.size === 0) return [];
    const ended: string[] = [];
    // Settled: the settling time has passed and every tag has been read once (a poll group answered late
    // under load would otherwise be judged on its "not connected" from before the link came up) — or, at
    // the latest, a start-up window after the first data.
    for (const [d, at] of this.firstAt) {
      if ((now - at >= this.settleMs && (this.unread.get(d)?.size ?? 0) === 0) || now - at >= this.windowMs) ended.push(d);
    }
    // A device that answered but whose heartbeat never came: judged once the window is over (a settling
    // device, whose heartbeat did come, settles as above).
    if (now - this.startedAt >= this.windowMs) for (const d of this.answered) if (!ended.includes(d) && !this.firstAt.has(d)) ended.push(d);
    for (const d of ended) this.deliver(d);
    return ended;
  }

  private deliver(device: string): void {
    this.waiting.delete(device);
    this.answered.delete(device);
    this.firstAt.delete(device);
    this.unread.delete(device);
    for (const l of this.listeners) l(device);
  }

  /** Has this device sent its first data and is now settling (still waiting)? */
  isSettling(device: string): boolean {
    return this.firstAt.has(device);
  }

  /** Called once per device, when it delivers its first data (after observe has updated the state). */
  onDelivered(listener: (device: string) => void): void {
    this.listeners.push(listener);
  }

  /** The device a tag belongs to while that device has not yet delivered; null otherwise. */
  waitingFor(tag: string): string | null {
    if (this.waiting.size === 0) return null;
    const device = this.deviceOfTag.get(tag);
    return device !== undefined && this.waiting.has(device) ? device : null;
  }

  /** Has this device not yet delivered its first data? */
  isWaiting(device: string): boolean {
    return this.waiting.has(device);
  }

  /** Devices that have not yet delivered, in configuration order. */
  pending(): readonly string[] {
    return [...this.waiting];
  }

  /** A device still silent after the start-up window: from now on its silence is a fault. */
  isOverdue(device: string, now: number): boolean {
    return this.waiting.has(device) && !this.firstAt.has(device) && now - this.startedAt >= this.windowMs;
  }

  /** The device's tags (for re-judging them when it turns overdue). */
  tagsOf(device: string): string[] {
    return [...this.deviceOfTag].filter(([, d]) => d === device).map(([t]) => t);
  }
}
