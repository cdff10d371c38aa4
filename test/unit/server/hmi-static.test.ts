import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import express from "express";
import { hmiStatic } from "../../../src/server/hmi-static.js";

async function serve(distDir: string): Promise<{ url: string; server: Server }> {
  const app = express();
  app.get("/api/thing", (_req, res) => res.json({ ok: true }));
  app.use(hmiStatic(distDir));
  app.use((_req, res) => res.status(404).json({ error: { code: "NOT_FOUND", message: "no route" } }));
  const server = app.listen(0, "127.0.0.1");
  await new Promise<void>((r) => server.once("listening", () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe("server: hmi-static", () => {
  let dir: string;
  let server: Server | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "hmi-dist-"));
  });
  afterEach(async () => {
    if (server) await new Promise((r) => server!.close(r));
    server = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves index.html (no-cache) at / and for page paths; hashed assets cached immutably; API and missing files fall through", async () => {
    mkdirSync(join(dir, "assets"));
    writeFileSync(join(dir, "index.html"), "<!doctype html><title>HMI</title>");
    writeFileSync(join(dir, "assets", "index-abc123.js"), "console.log(1)");
    const s = await serve(dir);
    server = s.server;
    const root = await fetch(`${s.url}/`);
    assert.equal(root.status, 200);
    assert.match(await root.text(), /<title>HMI<\/title>/);
    assert.equal(root.headers.get("cache-control"), "no-cache");
    const page = await fetch(`${s.url}/alarms/history`);
    assert.equal(page.status, 200);
    assert.equal(page.headers.get("cache-control"), "no-cache");
    const asset = await fetch(`${s.url}/assets/index-abc123.js`);
    assert.equal(asset.status, 200);
    assert.equal(asset.headers.get("cache-control"), "public, max-age=31536000, immutable");
    assert.equal((await fetch(`${s.url}/assets/missing.js`)).status, 404);
    assert.deepEqual(await (await fetch(`${s.url}/api/thing`)).json(), { ok: true });
    const unknownApi = await fetch(`${s.url}/api/nope`);
    assert.equal(unknownApi.status, 404);
    assert.equal(((await unknownApi.json()) as { error: { code: string } }).error.code, "NOT_FOUND");
    assert.equal((await fetch(`${s.url}/index.html`)).headers.get("cache-control"), "no-cache");
  });

  it("without a build: page paths answer 503 with the command that builds it; the API still works", async () => {
    const s = await serve(join(dir, "absent"));
    server = s.server;
    const root = await fetch(`${s.url}/`);
    assert.equal(root.status, 503);
    assert.match(await root.text(), /HMI not built: run npm run build:hmi/);
    assert.equal((await fetch(`${s.url}/api/thing`)).status, 200);
    assert.equal((await fetch(`${s.url}/api/nope`)).status, 404);
  });
});
