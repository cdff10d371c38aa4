import type { TagValue } from "../core/tag-value.js";
import type { TagBatch, TagDelta } from "./socket-contract.js";

/** Reads a tag's current value (for the initial values after a subscribe). */
export type TagValueReader = (name: string) => TagValue | undefined;

/** One batch for every member of a subscription group, except the members listed (they get a personal batch). */
export interface GroupBatch {
  readonly group: number;
  readonly except: readonly string[];
  readonly batch: TagBatch;
}

/** A batch for one subscriber: the current value of every tag it subscribed to (it has just subscribed). */
export interface PersonalBatch {
  readonly subscriber: string;
  readonly batch: TagBatch;
}

export interface TagFanout {
  readonly groups: readonly GroupBatch[];
  readonly personal: readonly PersonalBatch[];
}

/** Where a subscriber moved to: leave `previous`'s room, join `group`'s (null: none). */
export interface GroupMove {
  readonly previous: number | null;
  readonly group: number | null;
}

interface Group {
  readonly id: number;
  readonly key: string;
  readonly names: readonly string[];
  readonly members: Set<string>;
  /** Deltas collected during a drain (reset at its end). */
  pending: TagDelta[];
}

const EMPTY: TagFanout = Object.freeze({ groups: [], personal: [] });

export function tagDelta(name: string, v: TagValue): TagDelta {
  return { name, value: v.value, quality: v.quality.status, ts: v.sourceTs };
}

/**
 * Batches tag changes for many subscribers (pure: no timers, no sockets; time comes in with `drain`).
 *
 * Subscribers with the same set of tags share a group, and a tag indexes the groups that hold it, so a
 * drain costs (changed tags × groups holding them) + (subscribers that have just subscribed × their
 * tags) — never all tags × all subscribers. Each group's batch is built once and sent once to the group's
 * room (socket.io encodes it once for all members). A changed tag nobody subscribes to is not even kept.
 *
 * Within one drain a tag appears once, with its latest value (many changes between drains → one delta).
 */
export class TagDeltaBatcher {
  private readonly groupsByKey = new Map<string, Group>();
  private readonly groupsById = new Map<number, Group>();
  /** tag name → the groups subscribed to it. */
  private readonly byTag = new Map<string, Group[]>();
  private readonly groupOf = new Map<string, Group>();
  /** Changed since the last drain: tag → latest value (insertion order = order of first change). */
  private readonly dirty = new Map<string, TagValue>();
  /** Subscribers owed the current values of their tags in the next drain. */
  private readonly initial = new Set<string>();
  private nextGroupId = 1;

  constructor(private readonly read: TagValueReader) {}

  /** Records a change (call it from the tag table's synchronous change listener). True when it is kept. */
  noteChange(name: string, value: TagValue): boolean {
    if (!this.byTag.has(name)) return false;
    this.dirty.set(name, value);
    return true;
  }

  /** Something to send at the next drain. */
  hasPending(): boolean {
    return this.dirty.size > 0 || this.initial.size > 0;
  }

  /**
   * Replaces a subscriber's tags (names already validated as known; duplicates ignored). The current values
   * of all of them go to this subscriber in the next drain.
   */
  subscribe(subscriber: string, names: readonly string[]): GroupMove {
    const unique = [...new Set(names)].sort();
    const key = unique.join("\u0000");
    const old = this.groupOf.get(subscriber);
    const previous = old?.id ?? null;
    if (unique.length === 0) {
      this.leave(subscriber);
      return { previous, group: null };
    }
    if (old?.key === key) {
      this.initial.add(subscriber);
      return { previous, group: previous };
    }
    this.leave(subscriber);
    let g = this.groupsByKey.get(key);
    if (!g) {
      g = { id: this.nextGroupId++, key, names: unique, members: new Set(), pending: [] };
      this.groupsByKey.set(key, g);
      this.groupsById.set(g.id, g);
      for (const n of unique) {
        const list = this.byTag.get(n);
        if (list) list.push(g);
        else this.byTag.set(n, [g]);
      }
    }
    g.members.add(subscriber);
    this.groupOf.set(subscriber, g);
    this.initial.add(subscriber);
    return { previous, group: g.id };
  }

  /** Forgets a subscriber (disconnected, or lost the permission); returns the group it left. */
  remove(subscriber: string): number | null {
    const id = this.groupOf.get(subscriber)?.id ?? null;
    this.leave(subscriber);
    return id;
  }

  /** The tags a subscriber holds (sorted). */
  subscription(subscriber: string): readonly string[] {
    return this.groupOf.get(subscriber)?.names ?? [];
  }

  stats(): { subscribers: number; groups: number; indexedTags: number; dirty: number } {
    return { subscribers: this.groupOf.size, groups: this.groupsById.size, indexedTags: this.byTag.size, dirty: this.dirty.size };
  }

  /** Everything to send now, stamped `now` (epoch ms); clears what it returns. */
  drain(now: number): TagFanout {
    if (!this.hasPending()) return EMPTY;
    const touched: Group[] = [];
    for (const [name, value] of this.dirty) {
      const groups = this.byTag.get(name);
      if (!groups) continue;
      const delta = tagDelta(name, value);
      for (let i = 0; i < groups.length; i++) {
        const g = groups[i]!;
        if (g.pending.length === 0) touched.push(g);
        g.pending.push(delta);
      }
    }
    this.dirty.clear();

    const personal: PersonalBatch[] = [];
    const excepted = new Map<number, string[]>();
    for (const subscriber of this.initial) {
      const g = this.groupOf.get(subscriber);
      if (!g) continue;
      const list = excepted.get(g.id);
      if (list) list.push(subscriber);
      else excepted.set(g.id, [subscriber]);
      const changes: TagDelta[] = [];
      for (const n of g.names) {
        const v = this.read(n);
        if (v) changes.push(tagDelta(n, v));
      }
      if (changes.length > 0) personal.push({ subscriber, batch: { t: now, changes } });
    }
    this.initial.clear();

    const groups: GroupBatch[] = [];
    for (const g of touched) {
      const changes = g.pending;
      g.pending = [];
      const except = excepted.get(g.id) ?? [];
      if (except.length >= g.members.size) continue;
      groups.push({ group: g.id, except, batch: { t: now, changes } });
    }
    return { groups, personal };
  }

  private leave(subscriber: string): void {
    this.initial.delete(subscriber);
    const g = this.groupOf.get(subscriber);
    if (!g) return;
    this.groupOf.delete(subscriber);
    g.members.delete(subscriber);
    if (g.members.size > 0) return;
    this.groupsByKey.delete(g.key);
    this.groupsById.delete(g.id);
    for (const n of g.names) {
      const list = this.byTag.get(n);
      if (!list) continue;
      const rest = list.filter((x) => x !== g);
      if (rest.length > 0) this.byTag.set(n, rest);
      else {
        this.byTag.delete(n);
        this.dirty.delete(n);
      }
    }
  }
}
