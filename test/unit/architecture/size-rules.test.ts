import assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

/**
 * The house's size rules, kept by the suite: no file in src/ over 400 lines, and no function over 120 lines
 * but the declarative machine definitions (an XState `createMachine` / `setup(…).createMachine` config is
 * a table, not a procedure).
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const MAX_FILE_LINES = 400;
const MAX_FUNCTION_LINES = 120;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return p.endsWith(".ts") ? [p] : [];
  });
}

const isMachineCall = (n: ts.Node): n is ts.CallExpression => {
  if (!ts.isCallExpression(n)) return false;
  const callee = n.expression;
  return (ts.isPropertyAccessExpression(callee) ? callee.name.text : ts.isIdentifier(callee) ? callee.text : "") === "createMachine";
};

/** True when the function is inside the argument of a `createMachine(…)` call: a machine's declarative definition. */
function inMachineDefinition(node: ts.Node): boolean {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) if (isMachineCall(n)) return true;
  return false;
}

/** Lines of the `createMachine(…)` calls directly inside a function (a function that builds a machine counts without them). */
function machineLines(fn: ts.Node, sf: ts.SourceFile): number {
  let lines = 0;
  const visit = (n: ts.Node): void => {
    if (isMachineCall(n)) {
      lines += sf.getLineAndCharacterOfPosition(n.getEnd()).line - sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
      return;
    }
    if (n !== fn && ts.isFunctionLike(n)) return;
    ts.forEachChild(n, visit);
  };
  visit(fn);
  return lines;
}

export function longFunctions(file: string, text: string, max = MAX_FUNCTION_LINES): string[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && "body" in node && node.body && !inMachineDefinition(node)) {
      const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
      const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = end - start + 1 - machineLines(node, sf);
      if (lines > max) {
        const name = (node as ts.FunctionLikeDeclaration).name?.getText(sf) ?? "(anonymous)";
        out.push(`${file}:${start + 1}: ${name} is ${lines} lines (at most ${max}, machine definitions not counted)`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

describe("architecture: size rules (src/)", () => {
  const files = sourceFiles(join(root, "src"));

  it(`no file over ${MAX_FILE_LINES} lines`, () => {
    const long = files
      .map((f) => ({ f: relative(root, f), n: readFileSync(f, "utf8").split("\n").length }))
      .filter((x) => x.n > MAX_FILE_LINES)
      .map((x) => `${x.f}: ${x.n} lines`);
    assert.deepEqual(long, []);
  });

  it(`no function over ${MAX_FUNCTION_LINES} lines outside declarative machine definitions`, () => {
    const long = files.flatMap((f) => longFunctions(relative(root, f), readFileSync(f, "utf8")));
    assert.deepEqual(long, []);
  });

  it("the function rule fires on a long function and spares a machine definition (planted)", () => {
    const body = Array.from({ length: 130 }, (_, i) => `  x += ${i};`).join("\n");
    const planted = `export function tooLong() {\n  let x = 0;\n${body}\n  return x;\n}\n`;
    assert.equal(longFunctions("planted.ts", planted).length, 1);
    const machine = `const m = setup({}).createMachine({ states: { a: { entry: () => {\n${body}\n} } } });\n`;
    assert.deepEqual(longFunctions("machine.ts", machine), []);
    const builder = `export function createM(io: unknown) {\n  return setup({}).createMachine({ states: { a: { entry: () => {\n${body}\n} } } });\n}\n`;
    assert.deepEqual(longFunctions("builder.ts", builder), []);
  });
});
