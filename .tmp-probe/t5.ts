import { LineCounter, parseDocument } from "yaml";
const text = "devices:\n  - id: a\n    port: 5020\n    port: 502\n";
const lc = new LineCounter();
const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
for (const e of doc.errors) console.log(e.code, e.pos, JSON.stringify(text.slice(e.pos[0], e.pos[1])));
