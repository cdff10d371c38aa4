/** A TCP port on 127.0.0.1 that was free a moment ago (the one implementation, shared with the managed influxd). */
export { pickFreePort as freePort } from "../../src/historian/managed-influxd.js";
