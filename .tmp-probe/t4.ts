import { tagsFileSchema } from "../src/tags/tag-schema.js";
import { devicesFileSchema } from "../src/config/device-schema.js";
const r = tagsFileSchema.safeParse({ tags: [{ name: "a.b", device: "d", type: "bool", quantity: "state", units: "", updateMs: 12.5, range: { min: "x" } }] }, { reportInput: true });
console.log(JSON.stringify(r.error?.issues));
const d = devicesFileSchema.safeParse({ devices: [{ id: "x", protocol: "opcua", endpoint: "http://x", heartbeatTag: "a.b", retries: 3 }] }, { reportInput: true });
console.log(JSON.stringify(d.error?.issues));
