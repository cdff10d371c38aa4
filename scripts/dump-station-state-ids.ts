/**
 * Prints the state tree (state ids, invoke ids) of every station machine of a source tree as JSON: the fixture
 * test/fixtures/station-state-ids.json, which test/unit/control/station-state-ids.test.ts compares the current
 * machines with (a persisted line snapshot must restore into the same state paths). Generated from the tree
 * before the station builders (issue 9):
 *   node --import=tsx scripts/dump-station-state-ids.ts /work/orig > test/fixtures/station-state-ids.json
 */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { AnyStateMachine } from "xstate";
import { machineStateTree, type MachineStateTree } from "../test/helpers/machine-state-tree.js";

const STATIONS = ["feed", "htr", "quench", "rinse"] as const;
const root = resolve(process.argv[2] ?? ".");
const io = { writeTags: () => Promise.resolve({ ok: true, failures: [] }) };

const trees: Record<string, MachineStateTree> = {};
for (const station of STATIONS) {
  const file = resolve(root, "src/control/stations", `${station}.machine.ts`);
  const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const name = `create${station[0]!.toUpperCase()}${station.slice(1)}Machine`;
  const create = module[name] as ((writer: typeof io) => AnyStateMachine) | undefined;
  if (create === undefined) throw new Error(`${file} exports no ${name}`);
  trees[station] = machineStateTree(create(io));
}
process.stdout.write(`${JSON.stringify(trees, null, 2)}\n`);
