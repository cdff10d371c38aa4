/** A change of the line's PackML state or of a station's state, for the historian and the HMI. */
export interface StateTransition {
  /** "line" or a station id. */
  readonly scope: string;
  readonly from: string | null;
  readonly to: string;
  /** The station's detail or the line's step when it changed. */
  readonly detail: string;
  readonly at: number;
}

/** What changed between two views of { scope → state } (pure). A scope seen for the first time has from = null. */
export function stateTransitions(
  previous: Readonly<Record<string, string>>,
  next: Readonly<Record<string, { state: string; detail: string }>>,
  at: number,
): StateTransition[] {
  const out: StateTransition[] = [];
  for (const [scope, { state, detail }] of Object.entries(next)) {
    const from = previous[scope] ?? null;
    if (from !== state) out.push({ scope, from, to: state, detail, at });
  }
  return out;
}
