import assert from "node:assert/strict";
import type { AlarmStatus } from "../../../src/alarms/alarm-status.js";
import type { InterlockStatusEntry } from "../../../src/interlocks/interlock-status.js";
import type { AlarmJson, InterlockJson } from "../../../src/server/socket-contract.js";

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

describe("hmi: the socket contract's alarm and interlock shapes match the server's", () => {
  it("AlarmStatus → AlarmJson (tag, limit) and InterlockStatusEntry → InterlockJson (effects) are assignable", () => {
    assert.deepEqual([alarmFits, interlockFits, alarmTag, alarmLimit, effects], [true, true, true, true, true]);
  });
});
