import assert from "node:assert/strict";
import { PERMISSIONS, ROLES, isRole, permissionsOf, roleCan } from "../../../src/auth/permissions.js";

/**
 * Who may do what, written out by hand (not derived from ROLE_PERMISSIONS): a change to the table must be
 * made here too, on purpose. Columns: viewer, operator, engineer, qa, admin.
 */
const EXPECTED = `
                    V O E Q A
  metrics:read      . . x x x
  tags:read         x x x x x
  line:read         x x x x x
  line:command      . x x . x
  line:stop         . x x . x
  line:mode         . . x . x
  interlocks:read   x x x x x
  interlocks:reset  . x x . x
  interlocks:bypass . . x . x
  recipes:read      x x x x x
  recipes:load      . x x . x
  recipes:edit      . . x . x
  recipes:approve   . . . x x
  rolls:read        x x x x x
  rolls:new         . x x . x
  rolls:qa          . . . x x
  alarms:read       x x x x x
  alarms:ack        . x x . x
  alarms:shelve     . x x . x
  history:read      x x x x x
  audit:read        . . x x x
  users:read        . . . x x
  users:manage      . . . . x
  sim:read          x x x x x
  sim:control       . . x . x
  devices:read      x x x x x
  devices:trust     . . . . x
`;

const COLUMNS = ["viewer", "operator", "engineer", "qa", "admin"] as const;

function expectedTable(): Map<string, Map<string, boolean>> {
  const table = new Map<string, Map<string, boolean>>();
  for (const line of EXPECTED.split("\n").slice(2)) {
    const cells = line.trim().split(/\s+/);
    if (cells.length < 2) continue;
    const [permission, ...marks] = cells;
    assert.equal(marks.length, COLUMNS.length, `row ${permission}`);
    table.set(permission!, new Map(COLUMNS.map((role, i) => [role, marks[i] === "x"])));
  }
  return table;
}

describe("permission table (deny by default)", () => {
  const table = expectedTable();

  it("the hand-written table names exactly the roles and permissions the code has", () => {
    assert.deepEqual([...ROLES], [...COLUMNS]);
    assert.deepEqual([...table.keys()].sort(), [...PERMISSIONS].sort());
  });

  for (const role of COLUMNS) {
    it(`${role}: every permission as the table says`, () => {
      const wrong: string[] = [];
      for (const permission of PERMISSIONS) {
        const want = table.get(permission)!.get(role)!;
        if (roleCan(role, permission) !== want) wrong.push(`${permission}: expected ${want ? "allowed" : "refused"}`);
      }
      assert.deepEqual(wrong, []);
      assert.deepEqual(permissionsOf(role), PERMISSIONS.filter((p) => table.get(p)!.get(role)));
    });
  }

  it("an unknown role, an empty role or another case is refused everything", () => {
    for (const role of ["", "root", "Admin", "ADMIN", "admin ", "system", "cli"]) {
      assert.equal(isRole(role), false, role);
      for (const p of PERMISSIONS) assert.equal(roleCan(role, p), false, `${role} ${p}`);
    }
  });

  it("a permission that is not in the table is refused to every role, admin included", () => {
    for (const role of ROLES) {
      assert.equal(roleCan(role, "health:read" as never), false);
      assert.equal(roleCan(role, "users:delete" as never), false);
    }
  });

  it("Stop and Abort (line:stop) are held by every role that may operate", () => {
    for (const role of ROLES) if (roleCan(role, "line:command")) assert.equal(roleCan(role, "line:stop"), true, role);
  });
});
