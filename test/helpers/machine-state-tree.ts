import type { AnyStateMachine } from "xstate";

/**
 * The parts of a machine's shape a persisted snapshot depends on: every state node's id (the state value
 * paths) and every invoked actor's id with its source (persisted children are keyed by invoke id).
 */
export interface MachineStateTree {
  readonly states: readonly string[];
  readonly invokes: readonly string[];
}

interface StateNodeLike {
  readonly id: string;
  readonly states: Readonly<Record<string, StateNodeLike>>;
  readonly invoke: ReadonlyArray<{ readonly id: string; readonly src: unknown }>;
}

export function machineStateTree(machine: AnyStateMachine): MachineStateTree {
  const states: string[] = [];
  const invokes: string[] = [];
  const walk = (node: StateNodeLike): void => {
    states.push(node.id);
    for (const inv of node.invoke) invokes.push(`${inv.id} <- ${typeof inv.src === "string" ? inv.src : "(inline)"}`);
    for (const child of Object.values(node.states)) walk(child);
  };
  walk(machine.root as unknown as StateNodeLike);
  return { states: states.sort(), invokes: invokes.sort() };
}
