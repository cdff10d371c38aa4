/**
 * Audit records and their hash chain (21 CFR Part 11 §11.10(e): secure, computer-generated, time-stamped
 * audit trail that records who did what, when, and the old and new values, and that cannot be altered without
 * it showing).
 *
 * Each record's `hash` is sha256(prevHash + "\n" + canonical(content)), where content is every field except
 * `hash` and `signature`, and `prevHash` is the previous record's hash (GENESIS_HASH for sequence 1). So
 * editing, deleting, inserting or reordering any record breaks the chain at that point, and re-hashing an
 * edited record breaks it at the next one. What a chain alone cannot show is the loss (or re-hashing) of its
 * TAIL: that needs an anchor kept elsewhere (the historian's `audit` measurement holds sequence + hash).
 *
 * The canonical form is JSON with object keys sorted at every depth (RFC 8785 order; numbers as ECMAScript
 * prints them), so the hash does not depend on how a record was built, stored or read back.
 *
 * Electronic signature (§11.50, §11.70): `signature` names the signer, the meaning and the time, and carries
 * the hash of the record it was applied to, so it cannot be moved onto another record without showing. It is
 * outside the content hash — a signature is a manifestation ON a record, not part of what was done. Note
 * that this binds the signature to the record, not the signer's name to the signature: protecting the
 * name/meaning themselves needs a key (HMAC or a real signature), which is a later step.
 *
 * Pure: no I/O, no clock (the caller passes `now`); node:crypto's sha256 is deterministic.
 */
import { createHash } from "node:crypto";
import { z } from "zod";

export const AUDIT_ACTIONS = [
  "line.command",
  "setpoint.write",
  "alarm.ack",
  "alarm.shelve",
  "alarm.unshelve",
  "alarm.reset",
  "interlock.reset",
  "interlock.bypass",
  "recipe.load",
  "recipe.verify",
  "sim.fault",
  "login",
  "logout",
  "login.failed",
  "user.change",
  "config.load",
  /** A request refused before it reached a domain: no session, missing permission, CSRF, unknown operation. */
  "access.denied",
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const AUDIT_RESULTS = ["ok", "refused", "failed"] as const;
export type AuditResult = (typeof AUDIT_RESULTS)[number];

/** 64 zeros: the prevHash of the first record. */
export const GENESIS_HASH = "0".repeat(64);

export interface AuditSignature {
  readonly name: string;
  /** What the signature means: "approval", "review", "responsibility", … */
  readonly meaning: string;
  /** Epoch ms at which it was signed. */
  readonly time: number;
  /** The hash of the record it was applied to. */
  readonly hash: string;
}

/** What the caller knows about an action; the chain fields are added by `nextRecord`. */
export interface AuditEntry {
  /** Login name; the attempted name for login.failed; "system" for actions nobody asked for. */
  readonly user: string;
  readonly role: string;
  readonly clientAddress: string;
  readonly action: AuditAction;
  /** What was acted on: a tag, alarm id, interlock, recipe name + version, user name, config dir. */
  readonly target: string;
  /** Any JSON value; undefined is stored as null. */
  readonly oldValue?: unknown;
  readonly newValue?: unknown;
  /** Why the operator did it (free text asked for by the HMI), when given. */
  readonly reason?: string | null;
  readonly result: AuditResult;
  /** Why it was refused or failed (error code + message). */
  readonly resultReason?: string | null;
  /** Sign the record as it is written (the signature's hash is filled in). */
  readonly signature?: Omit<AuditSignature, "hash">;
}

export interface AuditRecord {
  /** 1, 2, 3, … with no gaps. */
  readonly sequence: number;
  /** Epoch ms, server clock. */
  readonly serverTime: number;
  readonly user: string;
  readonly role: string;
  readonly clientAddress: string;
  readonly action: AuditAction;
  readonly target: string;
  readonly oldValue: unknown;
  readonly newValue: unknown;
  readonly reason: string | null;
  readonly result: AuditResult;
  readonly resultReason: string | null;
  /** Lower-case hex sha256. */
  readonly prevHash: string;
  readonly hash: string;
  readonly signature?: AuditSignature;
}

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lower-case hex digits");
const signatureSchema = z.strictObject({ name: z.string().min(1), meaning: z.string().min(1), time: z.number(), hash: hex64 });

/** The exact shape of a stored record: extra keys are refused because the hash would not cover them. */
export const auditRecordSchema: z.ZodType<AuditRecord> = z.strictObject({
  sequence: z.number().int().min(1),
  serverTime: z.number(),
  user: z.string(),
  role: z.string(),
  clientAddress: z.string(),
  action: z.enum(AUDIT_ACTIONS),
  target: z.string(),
  oldValue: z.json(),
  newValue: z.json(),
  reason: z.string().nullable(),
  result: z.enum(AUDIT_RESULTS),
  resultReason: z.string().nullable(),
  prevHash: hex64,
  hash: hex64,
  signature: signatureSchema.optional(),
});

/**
 * JSON with keys sorted at every depth. Throws on anything JSON cannot hold faithfully (undefined inside
 * objects or arrays, NaN, ±Infinity, bigint, functions, cycles): a value the hash covers must read back equal.
 */
export function canonicalJson(value: unknown, seen: object[] = []): string {
  if (value === null || typeof value === "string" || typeof value === "boolean") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${value} is not JSON`);
    return JSON.stringify(value);
  }
  if (typeof value !== "object") throw new TypeError(`canonicalJson: a ${typeof value} is not JSON`);
  if (seen.includes(value)) throw new TypeError("canonicalJson: cyclic value");
  const inner = [...seen, value];
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v, inner)).join(",")}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k], inner)}`).join(",")}}`;
}

/** The content the hash covers: every field but `hash` and `signature`. */
function content(r: AuditRecord): Omit<AuditRecord, "hash" | "signature"> {
  const { sequence, serverTime, user, role, clientAddress, action, target, oldValue, newValue, reason, result, resultReason, prevHash } = r;
  return { sequence, serverTime, user, role, clientAddress, action, target, oldValue, newValue, reason, result, resultReason, prevHash };
}

/** sha256(prevHash + "\n" + canonical(content)) of a record, whatever its `hash` field says. */
export function auditRecordHash(record: AuditRecord): string {
  return createHash("sha256").update(`${record.prevHash}\n${canonicalJson(content(record))}`).digest("hex");
}

/**
 * A value as it will read back from the journal, by JSON.stringify's rules (toJSON used, so Dates become ISO
 * strings; undefined and NaN become null): the hash must cover what is stored, not what was passed.
 * Throws on bigint and cycles — a caller bug, caught before anything is written.
 */
function toJson(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value) ?? "null");
}

/** The record that follows `prev` (null: the first record). */
export function nextRecord(prev: AuditRecord | null, entry: AuditEntry, now: number): AuditRecord {
  if (!Number.isFinite(now)) throw new TypeError(`nextRecord: now must be epoch ms, got ${now}`);
  const unsigned: AuditRecord = {
    sequence: prev ? prev.sequence + 1 : 1,
    serverTime: now,
    user: entry.user,
    role: entry.role,
    clientAddress: entry.clientAddress,
    action: entry.action,
    target: entry.target,
    oldValue: toJson(entry.oldValue),
    newValue: toJson(entry.newValue),
    reason: entry.reason ?? null,
    result: entry.result,
    resultReason: entry.resultReason ?? null,
    prevHash: prev ? prev.hash : GENESIS_HASH,
    hash: "",
  };
  const record = { ...unsigned, hash: auditRecordHash(unsigned) };
  return entry.signature ? signRecord(record, entry.signature) : record;
}

/** The record with an electronic signature bound to its hash. A record carries at most one signature. */
export function signRecord(record: AuditRecord, by: Omit<AuditSignature, "hash">): AuditRecord {
  if (record.signature) throw new Error(`audit record ${record.sequence} is already signed`);
  if (!by.name || !by.meaning) throw new Error("a signature needs the signer's name and its meaning");
  if (!Number.isFinite(by.time)) throw new TypeError(`signature time must be epoch ms, got ${by.time}`);
  return { ...record, signature: { name: by.name, meaning: by.meaning, time: by.time, hash: record.hash } };
}

export type ChainBreakReason = "malformed" | "sequence-gap" | "sequence-duplicate" | "prev-hash-mismatch" | "hash-mismatch" | "signature-unbound";

export interface ChainBreak {
  /** The sequence at which the chain stops being trustworthy: the one expected at that position. */
  readonly sequence: number;
  readonly reason: ChainBreakReason;
  readonly detail: string;
}

/** Where a chain (or a verified part of one) ends. */
export interface ChainLink {
  readonly sequence: number;
  readonly hash: string;
}

export const GENESIS_LINK: ChainLink = { sequence: 0, hash: GENESIS_HASH };

/** Whether `value` (a record as read back) correctly follows `prev`; null when it does. Checks in order of cause. */
export function checkLink(prev: ChainLink, value: unknown): ChainBreak | null {
  const expected = prev.sequence + 1;
  const parsed = auditRecordSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { sequence: expected, reason: "malformed", detail: `${issue?.path.join(".") || "record"}: ${issue?.message}` };
  }
  const r = parsed.data;
  if (r.sequence > expected) return { sequence: expected, reason: "sequence-gap", detail: `expected ${expected}, found ${r.sequence}: missing or out of order` };
  if (r.sequence < expected) return { sequence: expected, reason: "sequence-duplicate", detail: `expected ${expected}, found ${r.sequence} again` };
  if (r.prevHash !== prev.hash)
    return { sequence: expected, reason: "prev-hash-mismatch", detail: `prevHash does not match the hash of record ${prev.sequence}: that record was altered, or this link was` };
  if (auditRecordHash(r) !== r.hash) return { sequence: expected, reason: "hash-mismatch", detail: "content does not match its hash: altered after it was written" };
  if (r.signature && r.signature.hash !== r.hash) return { sequence: expected, reason: "signature-unbound", detail: "the signature was applied to another record" };
  return null;
}

export type ChainVerdict = { readonly ok: true; readonly count: number } | ({ readonly ok: false } & ChainBreak);

/** Verifies records in order from `from` (the genesis by default) and names the FIRST broken one. */
export function verifyChain(records: Iterable<unknown>, from: ChainLink = GENESIS_LINK): ChainVerdict {
  let prev = from;
  let count = 0;
  for (const r of records) {
    const broken = checkLink(prev, r);
    if (broken) return { ok: false, ...broken };
    prev = r as AuditRecord;
    count += 1;
  }
  return { ok: true, count };
}
