import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type LoopbackDaemon, startLoopbackDaemon } from "./loopback-daemon.js";

const MOSQUITTO = "/usr/sbin/mosquitto";

export type TestMosquitto = LoopbackDaemon;

/** A private mosquitto (Debian's) on a free loopback port, anonymous, no persistence; like the tests' influxd. */
export async function startTestMosquitto(): Promise<TestMosquitto> {
  if (!existsSync(MOSQUITTO)) throw new Error("mosquitto is not installed: apt-get install -y mosquitto (npm test does it as root)");
  return startLoopbackDaemon(
    "mosquitto",
    MOSQUITTO,
    (port, dir) => {
      const conf = join(dir, "mosquitto.conf");
      writeFileSync(conf, [`listener ${port} 127.0.0.1`, "allow_anonymous true", "persistence false", "log_dest stdout", "log_type error", "log_type warning", "log_type notice", ""].join("\n"));
      return ["-c", conf];
    },
    (port) => `mqtt://127.0.0.1:${port}`,
  );
}
