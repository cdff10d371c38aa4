import { z } from "zod";
import { devicesFileSchema } from "../src/config/device-schema.js";
import { tagsFileSchema, tagSchema } from "../src/tags/tag-schema.js";
const reg = z.registry<Record<string, unknown>>();
reg.add(tagSchema.shape.writable, { description: "WRITABLE DOC" });
reg.add(tagSchema.shape.units, { description: "UNITS DOC" });
console.log(JSON.stringify(z.toJSONSchema(tagsFileSchema, { io: "input", target: "draft-07", metadata: reg }), null, 1).slice(0, 3000));
console.log(JSON.stringify(z.toJSONSchema(devicesFileSchema, { io: "input", target: "draft-07" })).slice(0, 2500));
