import assert from "node:assert/strict";
import type { AlarmStatus } from "../../../src/alarms/alarm-status.js";
import type { InterlockStatusEntry } from "../../../src/interlocks/interlock-status.js";
import type { LabResult, Roll } from "../../../src/quality/roll-record.js";
import type { SegmentRecord } from "../../../src/quality/segment-record.js";
import type { AlarmJson, InterlockJson, LabResultJson, RollJson, SegmentJson } from "../../../src/server/socket-contract.js";

/**
 * The socket contract's alarm and interlock shapes against what the server sends (`AlarmService.list()`,
 * the interlock status): checked by `tsc --noEmit` (a field the HMI reads that the server does not send, or
 * sends with another type, fails the typecheck here); the run only confirms the file loads.
 */
type Assignable<From, To> = [From] extends [To] ? true : false;
/** The declared fields of a contract shape (its index signature left out). */
type Declared<T> = keyof { [K in keyof T as string extends K ? never : K]: T[K] };
// Pick fails to compile when the server lacks a declared field; Assignable is false when a type differs.
const alarmFits: Assignable<Pick<AlarmStatus, Declared<AlarmJson>>, Pick<AlarmJson, Declared<AlarmJson>>> = true;
// Interlocks: every declared field but `bypass` (the server's BypassInfo is an interface, which TypeScript does
// not let stand for the contract's open `{ by, reason, until, [key]: unknown }`).
const interlockFits: Assignable<Pick<InterlockStatusEntry, Exclude<Declared<InterlockJson>, "bypass">>, Pick<InterlockJson, Exclude<Declared<InterlockJson>, "bypass">>> = true;
const alarmTag: Assignable<AlarmStatus["tag"], NonNullable<AlarmJson["tag"]> | null> = true;
const alarmLimit: Assignable<AlarmStatus["limit"], NonNullable<AlarmJson["limit"]> | null> = true;
const effects: Assignable<InterlockStatusEntry["effects"], InterlockJson["effects"]> = true;
// The roll record: roll-contract.ts repeats the domain's shapes for the browser build (which cannot import
// src/quality); these keep the two from drifting apart.
const rollFits: Assignable<Roll, RollJson> = true;
const segmentFits: Assignable<Omit<SegmentRecord, "rollId"> & { disposition: SegmentJson["disposition"] }, Omit<SegmentJson, "index"> & { index: number }> = true;
const labFits: Assignable<LabResult, LabResultJson> = true;

describe("hmi: the socket contract's alarm, interlock and roll shapes match the server's", () => {
  it("AlarmStatus → AlarmJson (tag, limit) and InterlockStatusEntry → InterlockJson (effects) are assignable", () => {
    assert.deepEqual([alarmFits, interlockFits, alarmTag, alarmLimit, effects], [true, true, true, true, true]);
  });
  it("Roll → RollJson, SegmentRecord (+ disposition) → SegmentJson, LabResult → LabResultJson are assignable", () => {
    assert.deepEqual([rollFits, segmentFits, labFits], [true, true, true]);
  });
});
