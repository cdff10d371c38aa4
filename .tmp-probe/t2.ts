import { devicesFileSchema } from "/work/main/src/config/device-schema.ts";
import { tagsFileSchema } from "/work/main/src/tags/tag-schema.ts";
import { lineFileSchema } from "/work/main/src/config/line-schema.ts";
import { parseDocument } from "yaml";
const show = (s: any, d: unknown) => { const r = s.safeParse(d, { reportInput: true }); console.log(JSON.stringify(r.success ? "ok" : r.error.issues, (k, v) => k === "input" && typeof v === "object" ? "[obj]" : v)); };
show(devicesFileSchema, { devices: [{ id: "x", protocol: "bacnet", heartbeatTag: "a.b" }] });
show(devicesFileSchema, { devices: [{ id: "x", heartbeatTag: "a.b" }] });
show(devicesFileSchema, { devices: [{ id: "x", protocol: "modbus-rtu", heartbeatTag: "a.b", path: "/dev/x", dataBits: 9, parity: "mark" }] });
show(tagsFileSchema, null);
show(tagsFileSchema, [1]);
show(tagsFileSchema, { tags: [{ name: "A.b", device: "d", type: "float", quantity: "temp", units: 3, updateMs: 5 }] });
show(tagsFileSchema, { tags: null });
show(lineFileSchema, { line: { id: "x", name: "y", webWidth: "wide" }, stations: [] });
for (const src of ["a: [1, 2\nb: 3", "a: 1\na: 2", "a:\n\t- 1", "foo: bar\n  baz: 1", "---\na: 1\n---\nb: 2\n", ""]) {
  const doc = parseDocument(src, { prettyErrors: false, uniqueKeys: true });
  console.log(JSON.stringify(src), doc.errors.map(e => [e.code, e.message, e.linePos]), JSON.stringify(doc.toJS()));
  const doc2 = parseDocument(src, { uniqueKeys: true });
  console.log("  pretty:", doc2.errors.map(e => [e.message.split("\n")[0], e.linePos]));
}
