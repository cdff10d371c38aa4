/** The link is down (or went down while the request waited): not a per-block failure. */
export class LinkDownError extends Error {}

/** A request got no answer within the device's timeout. */
export class RequestTimeoutError extends Error {}

const MODBUS_EXCEPTIONS: Record<number, string> = {
  1: "illegal function",
  2: "illegal data address",
  3: "illegal data value",
  4: "server device failure",
  5: "acknowledge",
  6: "server device busy",
  8: "memory parity error",
  10: "gateway path unavailable",
  11: "gateway target device failed to respond",
};

/** A clear reason for a failed request: "timeout", "Modbus exception 2 (illegal data address)", … */
export function describeModbusError(e: unknown): string {
  if (e instanceof RequestTimeoutError) return "timeout";
  if (e instanceof LinkDownError) return e.message;
  const err = e as { modbusCode?: unknown; errno?: unknown; message?: unknown } | null;
  if (err && typeof err.modbusCode === "number") {
    return `Modbus exception ${err.modbusCode} (${MODBUS_EXCEPTIONS[err.modbusCode] ?? "unknown"})`;
  }
  if (err && err.errno === "ETIMEDOUT") return "timeout";
  if (err && typeof err.message === "string" && err.message !== "") return err.message;
  return String(e);
}
