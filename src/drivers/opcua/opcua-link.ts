import {
  AttributeIds,
  ClientMonitoredItemGroup,
  DataChangeFilter,
  DataChangeTrigger,
  DeadbandType,
  MessageSecurityMode,
  OPCUAClient,
  SecurityPolicy,
  TimestampsToReturn,
  VariableIds,
  resolveNodeId,
  type ClientSession,
  type ClientSubscription,
  type DataValue,
  type MonitoringParametersOptions,
  type OPCUACertificateManager,
  type StatusCode,
  type UserIdentityInfo,
  type Variant,
} from "node-opcua";
import type { OpcuaDeviceConfig } from "../../config/device-schema.js";
import type { TagConfig } from "../../tags/tag-schema.js";
import { rawDeadband } from "./opcua-tag-codec.js";

/** One value from a publish response, for the tag at `index` of the link's tags. */
export interface LinkValue {
  readonly index: number;
  readonly dataValue: DataValue;
}

export interface OpcuaLinkHandlers {
  /** The values of one publish response, in order (a tag may appear more than once). */
  onValues(batch: readonly LinkValue[]): void;
  /** A publish response arrived (data or keep-alive): the server is alive and unchanged values are current. */
  onPublish(): void;
  /** The open link broke; called at most once, never after close(). */
  onLost(reason: string): void;
}

export interface OpcuaLinkOptions {
  readonly device: OpcuaDeviceConfig;
  readonly tags: readonly TagConfig[];
  readonly certificateManager: OPCUACertificateManager;
  readonly userIdentity: UserIdentityInfo;
  /** Keep-alive publish responses come after this many empty publishing intervals. */
  readonly maxKeepAliveCount: number;
  /** The link counts as lost when no publish response arrived for this long. */
  readonly watchdogMs: number;
  /** Each step of opening (connect, session, subscription, monitored items) must finish within this. */
  readonly stepTimeoutMs: number;
  /** Aborting rejects a pending open at once. */
  readonly signal: AbortSignal;
}

export interface OpcuaLink {
  /** Tags whose monitored item the server refused (e.g. BadNodeIdUnknown). */
  readonly refused: readonly { readonly index: number; readonly status: StatusCode }[];
  /** The subscriptions made, in plan order: the publishing interval the server revised to, and how many tags each carries. */
  readonly subscriptions: readonly { readonly publishingIntervalMs: number; readonly tags: number }[];
  write(nodeId: string, variant: Variant): Promise<StatusCode>;
  /** Reads the Value attribute from the server (a Read service call, not the subscription's last value). */
  read(nodeId: string): Promise<DataValue>;
  /** Disconnects (closing the session and its subscription when the server is still there). Never rejects. */
  close(): Promise<void>;
}

/**
 * One connection to an OPC UA server: client, session, ONE subscription with every tag as a monitored item
 * (grouped by monitoring parameters) — or, when the device sets `exceptionPublishingIntervalMs`, a second one
 * at that interval for the exception-based tags (see subscriptionPlan) — and a watchdog on publish responses.
 * It does not reconnect: when it breaks it reports it once and the owner opens a new one.
 */
export async function openOpcuaLink(options: OpcuaLinkOptions, handlers: OpcuaLinkHandlers): Promise<OpcuaLink> {
  const link = new Link(options, handlers);
  try {
    await link.open();
    return link;
  } catch (err) {
    await link.close();
    throw err;
  }
}

/** The application name the driver's OPC UA client presents for a device (its certificate is made for it). */
export function clientApplicationName(deviceId: string): string {
  return `htr-scada ${deviceId}`;
}

/** OPC UA Part 4 §5.12.1.2: a sampling interval of 0 asks for exception-based monitoring (the fastest the server supports). */
const EXCEPTION_BASED_SAMPLING = 0;

/**
 * Items per CreateMonitoredItems call when the server does not state its OperationLimits.MaxMonitoredItemsPerCall
 * (the node is missing or unreadable, or it reads 0 = "no limit stated"; OPC UA Part 5 §6.3.11). Servers refuse
 * a larger call as a whole with BadTooManyOperations; 1000 is within what PLC servers accept and what
 * node-opcua's own client assumes in that case.
 */
export const FALLBACK_MONITORED_ITEMS_PER_CALL = 1000;

/**
 * How many monitored items one CreateMonitoredItems call may carry, from the value read at
 * Server.ServerCapabilities.OperationLimits.MaxMonitoredItemsPerCall (undefined: not readable).
 */
export function monitoredItemsPerCall(limit: unknown): number {
  return typeof limit === "number" && Number.isInteger(limit) && limit > 0 ? limit : FALLBACK_MONITORED_ITEMS_PER_CALL;
}

/** Splits `items` into runs of at most `size`, in order. */
export function chunked<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** One subscription of a link: its publishing interval, keep-alive count and the tags (indices) it monitors. */
export interface PlannedSubscription {
  readonly publishingIntervalMs: number;
  readonly maxKeepAliveCount: number;
  /** OPC UA priority: the server serves a higher one first when several are due. */
  readonly priority: number;
  readonly indices: readonly number[];
}

/** The main subscription's priority, and the exception subscription's (served first: the trip path). */
const MAIN_PRIORITY = 10;
const EXCEPTION_PRIORITY = 200;

/**
 * The subscriptions of a link (pure). One for every tag — unless the device sets
 * `exceptionPublishingIntervalMs` and some tags have `sampling: exception`: those go into a second
 * subscription at that interval, so a change waits at most that long in the server's queue instead of up to a
 * whole main publishing interval. Its keep-alive count keeps its keep-alives as far apart in time as the main
 * one's (a fast subscription would otherwise send one every few ms when nothing changes). Empty subscriptions
 * are left out, except the main one when there are no tags at all (its keep-alives still prove the link).
 */
export function subscriptionPlan(device: Pick<OpcuaDeviceConfig, "publishingIntervalMs" | "exceptionPublishingIntervalMs">, tags: readonly Pick<TagConfig, "sampling">[], maxKeepAliveCount: number): PlannedSubscription[] {
  const main: number[] = [];
  const exception: number[] = [];
  const fast = device.exceptionPublishingIntervalMs;
  tags.forEach((tag, i) => (fast !== undefined && tag.sampling === "exception" ? exception : main).push(i));
  const plan: PlannedSubscription[] = [];
  if (main.length > 0 || exception.length === 0) {
    plan.push({ publishingIntervalMs: device.publishingIntervalMs, maxKeepAliveCount, priority: MAIN_PRIORITY, indices: main });
  }
  if (fast !== undefined && exception.length > 0) {
    const keepAliveMs = maxKeepAliveCount * device.publishingIntervalMs;
    plan.push({ publishingIntervalMs: fast, maxKeepAliveCount: Math.max(2, Math.round(keepAliveMs / fast)), priority: EXCEPTION_PRIORITY, indices: exception });
  }
  return plan;
}

/** Tags that share monitoring parameters go into the same CreateMonitoredItems calls. */
function groupByParameters(tags: readonly TagConfig[], indices: readonly number[], publishingIntervalMs: number): Map<string, { params: MonitoringParametersOptions; indices: number[] }> {
  const groups = new Map<string, { params: MonitoringParametersOptions; indices: number[] }>();
  indices.forEach((index) => {
    const tag = tags[index]!;
    const deadband = rawDeadband(tag);
    // keep every sample taken between two publish responses, with room for a late one
    const queueSize = Math.min(100, Math.max(4, 2 * Math.ceil(publishingIntervalMs / tag.updateMs)));
    // Exception-based (interval 0): the server notifies every change it makes, no sampling delay.
    const samplingInterval = tag.sampling === "exception" ? EXCEPTION_BASED_SAMPLING : tag.updateMs;
    const key = `${samplingInterval}|${tag.updateMs}|${deadband ?? "-"}|${queueSize}`;
    let group = groups.get(key);
    if (!group) {
      const params: MonitoringParametersOptions = { samplingInterval, queueSize, discardOldest: true };
      if (deadband !== undefined) {
        params.filter = new DataChangeFilter({
          trigger: DataChangeTrigger.StatusValue,
          deadbandType: DeadbandType.Absolute,
          deadbandValue: deadband,
        });
      }
      group = { params, indices: [] };
      groups.set(key, group);
    }
    group.indices.push(index);
  });
  return groups;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

class Link implements OpcuaLink {
  readonly refused: { index: number; status: StatusCode }[] = [];
  private readonly client: OPCUAClient;
  private session: ClientSession | undefined;
  readonly subscriptions: { publishingIntervalMs: number; tags: number }[] = [];
  private opened = false;
  private broken = false;
  private closing: Promise<void> | undefined;
  private failOpen: (err: Error) => void = () => undefined;
  private readonly openAborted: Promise<never>;
  private watchdog: NodeJS.Timeout | undefined;
  private lastPublishAt = 0;
  private pending: LinkValue[] = [];
  private readonly onAbort = (): void => this.lost("stopped");

  constructor(
    private readonly options: OpcuaLinkOptions,
    private readonly handlers: OpcuaLinkHandlers,
  ) {
    this.openAborted = new Promise<never>((_, reject) => {
      this.failOpen = reject;
    });
    this.openAborted.catch(() => undefined);
    const { device } = options;
    this.client = OPCUAClient.create({
      applicationName: clientApplicationName(device.id),
      clientName: `htr-scada-${device.id}`,
      endpointMustExist: false,
      securityMode: MessageSecurityMode[device.securityMode],
      securityPolicy: SecurityPolicy[device.securityPolicy],
      clientCertificateManager: options.certificateManager,
      // no retries inside node-opcua: the driver owns reconnection (backoff, fresh session, fresh subscription)
      connectionStrategy: { maxRetry: 0, initialDelay: device.reconnect.initialMs, maxDelay: device.reconnect.maxMs },
      requestedSessionTimeout: Math.max(10_000, 10 * device.timeoutMs),
      keepSessionAlive: false,
    });
    this.client.on("connection_lost", () => this.lost("connection lost"));
    this.client.on("close", (err?: Error | null) => this.lost(err ? `connection closed: ${err.message}` : "connection closed"));
    this.client.on("start_reconnection", () => this.lost("connection broken"));
    this.client.on("abort", () => this.lost("connection aborted"));
    options.signal.addEventListener("abort", this.onAbort);
  }

  async open(): Promise<void> {
    const { device, tags, stepTimeoutMs } = this.options;
    const step = <T>(what: string, p: Promise<T>): Promise<T> => {
      p.catch(() => undefined); // the race may settle first; do not leave the loser unhandled
      return Promise.race([withTimeout(p, stepTimeoutMs, what), this.openAborted]);
    };
    if (this.options.signal.aborted) throw new Error("stopped");

    await step("connect", this.client.connect(device.endpoint));
    const session = await step("create session", this.client.createSession(this.options.userIdentity));
    this.session = session;
    session.on("session_closed", (sc: StatusCode) => this.lost(`session closed (${sc.name})`));
    session.on("keepalive_failure", () => this.lost("session keep-alive failed"));

    // The server refuses a CreateMonitoredItems call above its MaxMonitoredItemsPerCall as a whole
    // (BadTooManyOperations): split each parameter group into calls within it.
    const perCall = tags.length === 0 ? FALLBACK_MONITORED_ITEMS_PER_CALL : await this.readMonitoredItemsPerCall(step);
    for (const planned of subscriptionPlan(device, tags, this.options.maxKeepAliveCount)) {
      const subscription = await this.subscribe(step, planned);
      for (const group of groupByParameters(tags, planned.indices, planned.publishingIntervalMs).values()) {
        for (const indices of chunked(group.indices, perCall)) await this.monitor(step, subscription, indices, group.params);
      }
    }

    this.opened = true;
    this.lastPublishAt = Date.now();
    const every = Math.max(10, Math.floor(this.options.watchdogMs / 4));
    this.watchdog = setInterval(() => {
      const silent = Date.now() - this.lastPublishAt;
      if (silent > this.options.watchdogMs) this.lost(`no publish response for ${silent} ms`);
    }, every);
  }

  /** Creates one planned subscription; any of its failures breaks the link. */
  private async subscribe(step: <T>(what: string, p: Promise<T>) => Promise<T>, planned: PlannedSubscription): Promise<ClientSubscription> {
    const interval = planned.publishingIntervalMs;
    const subscription = await step(
      "create subscription",
      this.session!.createSubscription2({
        requestedPublishingInterval: interval,
        requestedMaxKeepAliveCount: planned.maxKeepAliveCount,
        requestedLifetimeCount: Math.max(3 * planned.maxKeepAliveCount, Math.ceil(30_000 / interval)),
        maxNotificationsPerPublish: 0,
        publishingEnabled: true,
        priority: planned.priority,
      }),
    );
    this.subscriptions.push({ publishingIntervalMs: subscription.publishingInterval, tags: planned.indices.length });
    subscription.on("keepalive", () => this.published());
    subscription.on("received_notifications", () => this.published());
    subscription.on("terminated", () => this.lost("subscription terminated"));
    subscription.on("status_changed", (sc: StatusCode) => this.lost(`subscription status ${sc.name}`));
    subscription.on("internal_error", (err: Error) => this.lost(`subscription error: ${err.message}`));
    return subscription;
  }

  /** The server's OperationLimits.MaxMonitoredItemsPerCall (a Bad read or 0 → the fallback). */
  private async readMonitoredItemsPerCall(step: <T>(what: string, p: Promise<T>) => Promise<T>): Promise<number> {
    const session = this.session!;
    const dataValue = await step(
      "read operation limits",
      session.read({ nodeId: resolveNodeId(VariableIds.Server_ServerCapabilities_OperationLimits_MaxMonitoredItemsPerCall), attributeId: AttributeIds.Value }),
    );
    return monitoredItemsPerCall(dataValue.statusCode.isGood() ? dataValue.value.value : undefined);
  }

  /** One CreateMonitoredItems call: the tags at `indices` (of the link's tags), with the same parameters. */
  private async monitor(step: <T>(what: string, p: Promise<T>) => Promise<T>, subscription: ClientSubscription, indices: readonly number[], params: MonitoringParametersOptions): Promise<void> {
    const tags = this.options.tags;
    const items = indices.map((i) => ({ nodeId: resolveNodeId(tags[i]!.nodeId ?? ""), attributeId: AttributeIds.Value }));
    const group = ClientMonitoredItemGroup.create(subscription, items, params, TimestampsToReturn.Both);
    group.on("changed", (_item, dataValue: DataValue, i: number) => this.received(indices[i]!, dataValue));
    await step(
      "create monitored items",
      new Promise<void>((resolve, reject) => {
        group.once("initialized", () => resolve());
        group.once("err", (message: string) => reject(new Error(`monitored items refused: ${message}`)));
      }),
    );
    group.monitoredItems.forEach((item, i) => {
      const status = (item as unknown as { statusCode?: StatusCode }).statusCode;
      if (status && status.isNotGood()) this.refused.push({ index: indices[i]!, status });
    });
  }

  async write(nodeId: string, variant: Variant): Promise<StatusCode> {
    const session = this.session;
    if (!session || this.broken || this.closing) throw new Error("not connected");
    return session.write({ nodeId: resolveNodeId(nodeId), attributeId: AttributeIds.Value, value: { value: variant } });
  }

  async read(nodeId: string): Promise<DataValue> {
    const session = this.session;
    if (!session || this.broken || this.closing) throw new Error("not connected");
    return session.read({ nodeId: resolveNodeId(nodeId), attributeId: AttributeIds.Value }, 0);
  }

  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    this.options.signal.removeEventListener("abort", this.onAbort);
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = undefined;
    this.pending = [];
    try {
      // disconnect closes the session (and so its subscription) when the channel is still up
      await withTimeout(this.client.disconnect(), Math.max(2000, this.options.device.timeoutMs), "disconnect");
    } catch {
      // a dead link may not answer; nothing is left to release on our side
    }
  }

  private published(): void {
    this.lastPublishAt = Date.now();
    if (!this.broken && !this.closing) this.handlers.onPublish();
  }

  /** Values of one publish response are dispatched in one synchronous run: hand them over together. */
  private received(index: number, dataValue: DataValue): void {
    if (this.broken || this.closing) return;
    this.pending.push({ index, dataValue });
    if (this.pending.length === 1) queueMicrotask(() => this.flush());
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    if (batch.length > 0 && !this.broken && !this.closing) this.handlers.onValues(batch);
  }

  private lost(reason: string): void {
    if (this.broken || this.closing) return;
    if (this.opened) this.flush(); // what arrived before the break still counts
    this.broken = true;
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = undefined;
    if (this.opened) this.handlers.onLost(reason);
    else this.failOpen(new Error(reason));
  }
}
