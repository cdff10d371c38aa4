import { z } from "zod";

/** Order of the bytes of a 32-bit value in two 16-bit registers: A = most significant byte. */
export const WORD_ORDERS = ["ABCD", "CDAB", "BADC", "DCBA"] as const;
export const wordOrderSchema = z.enum(WORD_ORDERS);
export type WordOrder = z.infer<typeof wordOrderSchema>;
