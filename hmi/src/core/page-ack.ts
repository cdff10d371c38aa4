import type { AlarmJson } from "../../../src/server/socket-contract.js";

/** One alarm acknowledged (or refused) in a page acknowledgement. */
export interface PageAckOutcome {
  readonly id: string;
  readonly ok: boolean;
  readonly reason?: string;
}

/** The alarms a page acknowledgement would send: the unacknowledged ones among those shown, in the order shown. */
export function unackedIds(shown: readonly AlarmJson[]): string[] {
  return shown.filter((a) => a.state === "unack-active" || a.state === "rtn-unack").map((a) => a.id);
}

/** The result line of a page acknowledgement: how many were acknowledged, then each refusal with its reason. */
export function pageAckSummary(outcomes: readonly PageAckOutcome[]): string {
  const done = outcomes.filter((o) => o.ok).length;
  const refused = outcomes.filter((o) => !o.ok);
  const head = `${done} of ${outcomes.length} alarm${outcomes.length === 1 ? "" : "s"} acknowledged`;
  return refused.length === 0 ? head : `${head}; ${refused.length} refused: ${refused.map((o) => `${o.id} (${o.reason ?? "refused"})`).join("; ")}`;
}
