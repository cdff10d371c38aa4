import assert from "node:assert/strict";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfigOrThrow } from "../../../src/config/config-loader.js";
import { TagRouter } from "../../../src/drivers/tag-router.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const config = loadConfigOrThrow(join(root, "plc-config"));

describe("drivers: TagRouter (tag → device → driver)", () => {
  it("TagRouter routes each tag to its device's driver and never rejects", async () => {
    const calls: string[] = [];
    const driver = (deviceId: string) => ({
      deviceId,
      write: async (tag: string) => {
        calls.push(`${deviceId} write ${tag}`);
        return { ok: true, status: "Good", roundTripMs: 0 };
      },
      read: async (tag: string) => {
        calls.push(`${deviceId} read ${tag}`);
        if (tag === "feed.tension_sp") throw new Error("boom");
        return { ok: true, value: 1, status: "Good", roundTripMs: 0 };
      },
    });
    const io = new TagRouter([driver("htr-plc"), driver("line-plc")], config.tags);
    await io.write("htr.peak_sp", 1340);
    await io.read("feed.web_speed_sp");
    assert.deepEqual(calls, ["htr-plc write htr.peak_sp", "line-plc read feed.web_speed_sp"]);
    assert.deepEqual(await io.read("feed.tension_sp"), { ok: false, value: null, status: "driver failed: boom", roundTripMs: 0 });
    assert.deepEqual(await io.write("htr.nope", 1), { ok: false, status: "unknown tag 'htr.nope'", roundTripMs: 0 });
    const onlyHtr = new TagRouter([driver("htr-plc")], config.tags);
    assert.deepEqual(await onlyHtr.read("feed.web_speed_sp"), { ok: false, value: null, status: "no driver for device 'line-plc'", roundTripMs: 0 });
  });
  it("writeTags issues every write and lists each failure as 'tag: status'", async () => {
    const driver = {
      deviceId: "htr-plc",
      write: async (tag: string) => (tag === "htr.peak_sp" ? { ok: false, status: "BadNotWritable", roundTripMs: 0 } : { ok: true, status: "Good", roundTripMs: 0 }),
      read: async () => ({ ok: true, value: 1, status: "Good", roundTripMs: 0 }),
    };
    const router = new TagRouter([driver], config.tags);
    assert.deepEqual(await router.writeTags([{ tag: "htr.heater_enable", value: false }]), { ok: true, failures: [] });
    assert.deepEqual(await router.writeTags([{ tag: "htr.heater_enable", value: false }, { tag: "htr.peak_sp", value: 1 }, { tag: "feed.doser_on", value: false }]), {
      ok: false,
      failures: ["htr.peak_sp: BadNotWritable", "feed.doser_on: no driver for device 'line-plc'"],
    });
  });
});
