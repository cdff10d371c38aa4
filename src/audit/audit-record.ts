/**
 * Audit records and their hash chain (21 CFR Part 11 §11.10(e): secure, computer-generated, time-stamped
 * audit trail that records who did what, when, and the old and new values, and that cannot be altered without
 * it showing).
 *
 * Each record's `hash` is sha256(prevHash + "\n" + canonical(content)), where content is every field except
 * `hash` — for a signed record including the signature's name, meaning and time (not its own `hash`) — and `prevHash` is the previous record's hash (GENESIS_HASH for sequence 1). So
 * editing, deleting, inserting or reordering any record breaks the chain at that point, and re-hashing an
 * edited record breaks it at the next one. What a chain alone cannot show is the loss (or re-hashing) of its
 * TAIL: that needs an anchor kept elsewhere (the historian's `audit` measurement holds sequence + hash).
 *
 * The canonical form is JSON with object keys sorted at every depth (RFC 8785 order; numbers as ECMAScript
 * prints them), so the hash does not depend on how a record was built, stored or read back.
 *
 * Electronic signature (§11.50, §11.70): `signature` names the signer, the meaning and the time, and carries
 * the hash of the record it was applied to. The name, meaning and time are part of the hashed content, so
 * altering the signer, the meaning or the signing time breaks the chain at that record (hash-mismatch), and
 * the signature's `hash` (= the record's hash) shows a signature moved onto another record
 * (signature-unbound). A record is therefore signed as it is made (`nextRecord` with `entry.signature`, or
 * `signRecord` before it is chained on): signing a record after others follow it re-hashes it and breaks the
 * link to its successor — a later review signature is a record of its own. Like every field, the signature
 * is protected by the chain, not by a key: someone who can rewrite the journal's tail and its successors
 * can re-hash them, which only an anchor kept elsewhere shows (see above). An HMAC or a real signature
 * per record is a later step.
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
  "recipe.create",
  "recipe.save",
  "recipe.submit",
  "recipe.approve",
  "recipe.reject",
  "recipe.obsolete",
  "line.mode",
  "roll.new",
  "roll.lab-result",
  "roll.split",
  "sim.fault",
  "login",
  "logout",
  "login.failed",
  "user.change",
  "config.load",
  /** `htr-scada restore`: the data directory was restored from a backup (recorded at the next start). */
  "data.restore",
  /** An OPC UA server certificate trusted, rejected or removed from the client's trust list (HMI, signed; or the certs CLI). */
  "device.certificate.trust",
  "device.certificate.reject",
  "device.certificate.remove",
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

type SignatureContent = Omit<AuditSignature, "hash">;

/**
 * The content the hash covers: every field but `hash`; of a signature, its name, meaning and time (its
 * `hash` is the result). An unsigned record has no `signature` key, so its hash is what it always was.
 */
function content(r: AuditRecord): Omit<AuditRecord, "hash" | "signature"> & { signature?: SignatureContent } {
  const { sequence, serverTime, user, role, clientAddress, action, target, oldValue, newValue, reason, result, resultReason, prevHash, signature } = r;
  const base = { sequence, serverTime, user, role, clientAddress, action, target, oldValue, newValue, reason, result, resultReason, prevHash };
  return signature ? { ...base, signature: { name: signature.name, meaning: signature.meaning, time: signature.time } } : base;
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
  const record = entry.signature ? signRecord(unsigned, entry.signature) : { ...unsigned, hash: auditRecordHash(unsigned) };
  // A record that would not read back (an action or result outside the lists, a non-string user …) is refused
  // before anything is written: one such line would make the whole journal unreadable.
  const parsed = auditRecordSchema.safeParse(record);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TypeError(`audit entry refused: ${issue?.path.join(".") || "record"}: ${issue?.message}`);
  }
  return record;
}

/**
 * The record signed: the signer's name, the meaning and the time become part of its hashed content, so the
 * record is re-hashed and the signature carries that new hash. Sign a record before anything is chained on
 * it (the successor's prevHash would no longer match). A record carries at most one signature.
 */
export function signRecord(record: AuditRecord, by: Omit<AuditSignature, "hash">): AuditRecord {
  if (record.signature) throw new Error(`audit record ${record.sequence} is already signed`);
  if (!by.name || !by.meaning) throw new Error("a signature needs the signer's name and its meaning");
  if (!Number.isFinite(by.time)) throw new TypeError(`signature time must be epoch ms, got ${by.time}`);
  const signed: AuditRecord = { ...record, signature: { name: by.name, meaning: by.meaning, time: by.time, hash: "" } };
  const hash = auditRecordHash(signed);
  return { ...signed, hash, signature: { name: by.name, meaning: by.meaning, time: by.time, hash } };
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
  // A signature carrying another hash was applied to another record (or the record's hash was replaced).
  if (r.signature && r.signature.hash !== r.hash) return { sequence: expected, reason: "signature-unbound", detail: "the signature was applied to another record" };
  if (auditRecordHash(r) !== r.hash) {
    const what = r.signature ? "content or signature (signer, meaning, time)" : "content";
    return { sequence: expected, reason: "hash-mismatch", detail: `${what} does not match its hash: altered after it was written` };
  }
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
