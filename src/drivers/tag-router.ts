/**
 * The one router of tag reads and writes: tag → its device → that device's driver. Recipes (download and
 * read-back), the control machines (batch writes) and the interlock trip path all write through it, each
 * holding only the capability it needs. A tag without a device, a device without a driver or a driver that
 * throws is an outcome (`ok: false` with the reason), never a rejection. Cost: two map lookups per call.
 */
import type { ReadResult, TagBatchWriter, TagReader, TagWrite, TagWriter, WriteOutcome, WriteResult } from "../core/tag-io.js";
import type { TagScalar } from "../core/tag-value.js";

/** What the router needs of a driver: its device id, a write and a fresh read. */
export interface RoutedDevice extends TagReader, TagWriter {
  readonly deviceId: string;
}

/** Which device each tag belongs to (the tag configs). */
export interface RoutedTag {
  readonly name: string;
  readonly device: string;
}

const failure = (err: unknown): string => `driver failed: ${err instanceof Error ? err.message : String(err)}`;

export class TagRouter implements TagReader, TagWriter, TagBatchWriter {
  private readonly deviceOf: ReadonlyMap<string, string>;
  private readonly driverOf: ReadonlyMap<string, RoutedDevice>;

  constructor(drivers: readonly RoutedDevice[], tags: readonly RoutedTag[]) {
    this.deviceOf = new Map(tags.map((t) => [t.name, t.device]));
    this.driverOf = new Map(drivers.map((d) => [d.deviceId, d]));
  }

  async write(tag: string, value: TagScalar): Promise<WriteResult> {
    const driver = this.route(tag);
    if (typeof driver === "string") return { ok: false, status: driver, roundTripMs: 0 };
    try {
      return await driver.write(tag, value);
    } catch (err) {
      return { ok: false, status: failure(err), roundTripMs: 0 };
    }
  }

  async read(tag: string): Promise<ReadResult> {
    const driver = this.route(tag);
    if (typeof driver === "string") return { ok: false, value: null, status: driver, roundTripMs: 0 };
    try {
      return await driver.read(tag);
    } catch (err) {
      return { ok: false, value: null, status: failure(err), roundTripMs: 0 };
    }
  }

  /** Every write issued at once; the outcome lists each failure as "tag: status". */
  async writeTags(writes: readonly TagWrite[]): Promise<WriteOutcome> {
    const results = await Promise.all(writes.map(async (w) => ({ w, r: await this.write(w.tag, w.value) })));
    const failures = results.filter((x) => !x.r.ok).map((x) => `${x.w.tag}: ${x.r.status}`);
    return { ok: failures.length === 0, failures };
  }

  private route(tag: string): RoutedDevice | string {
    const device = this.deviceOf.get(tag);
    if (device === undefined) return `unknown tag '${tag}'`;
    return this.driverOf.get(device) ?? `no driver for device '${device}'`;
  }
}
