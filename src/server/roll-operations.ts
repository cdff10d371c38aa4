/**
 * The roll operations: a roll change (a new roll with its lot), QA's lab results with their disposition, and
 * splitting an ended roll. Each runs through the one operation runner (permission, input, audit record); the
 * roll catalog decides, and its refusal comes back with its own error code and the reason in words.
 */
import { z } from "zod";
import { actorName } from "../auth/actor.js";
import { ScadaError } from "../core/errors.js";
import { type OperationDef, need, op } from "./operation-def.js";
import type { RollRefusal } from "./roll-routes.js";

/** A precursor lot number as typed (the recipe's lotIdPattern decides the rest). */
export const lotNumber = z.string().trim().min(1, "a lot number is required").max(64).regex(/^[A-Za-z0-9._/-]+$/, "must be letters, digits and . _ / - only");
const rollId = z.string().regex(/^[a-z0-9-]{1,80}$/, "must be a roll id such as htr-line-1-20261202-001");
const metre = z.number().finite().min(0).max(1_000_000);

const refused = (r: RollRefusal): ScadaError => new ScadaError(r.code, r.message, r.details);

export const ROLL_OPERATIONS = {
  "roll.new": op({
    action: "roll.new",
    permission: "rolls:new",
    input: z.strictObject({ lot: lotNumber.optional() }),
    target: () => "roll",
    run: async (deps, i, actor) => {
      const rolls = need(deps.rolls, "rolls");
      const before = rolls.currentId();
      const r = rolls.newRoll(i.lot ?? null, actorName(actor));
      if (!r.ok) throw refused(r);
      return { result: r.roll, oldValue: before, newValue: { roll: r.roll.id, lot: r.roll.lot } };
    },
  }),
  "roll.lab-result": op({
    action: "roll.lab-result",
    permission: "rolls:qa",
    input: z.strictObject({
      rollId,
      atM: metre,
      particleSizeNm: z.number().finite().optional(),
      alloyContentPct: z.number().finite().optional(),
      xrdMatch: z.boolean().optional(),
      betM2g: z.number().finite().optional(),
      note: z.string().max(2000).optional(),
      disposition: z.enum(["accept", "hold", "reject"]).optional(),
      fromM: metre.optional(),
      toM: metre.optional(),
      corrects: z.number().int().min(1).optional(),
    }),
    target: (i) => `${i.rollId}@${i.atM} m`,
    reason: (i) => i.note,
    run: async (deps, i, actor) => {
      const rolls = need(deps.rolls, "rolls");
      const r = rolls.addLabResult(actorName(actor), i);
      if (!r.ok) throw refused(r);
      return { result: r.result, newValue: r.result };
    },
  }),
  "roll.split": op({
    action: "roll.split",
    permission: "rolls:qa",
    input: z.strictObject({ rollId, atM: z.array(metre).min(1).max(24) }),
    target: (i) => i.rollId,
    run: async (deps, i, actor) => {
      const rolls = need(deps.rolls, "rolls");
      const r = rolls.split(actorName(actor), i.rollId, i.atM);
      if (!r.ok) throw refused(r);
      return { result: { parent: i.rollId, children: r.children }, oldValue: { state: "ended" }, newValue: { state: "split", children: r.children.map((c) => ({ id: c.id, parent: c.parent })) } };
    },
  }),
} satisfies Record<"roll.new" | "roll.lab-result" | "roll.split", OperationDef<never>>;
