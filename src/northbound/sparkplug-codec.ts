/** Sparkplug B payloads ↔ bytes: Eclipse Tahu's encoder (sparkplug-payload, protobuf) in one place. */
import { get } from "sparkplug-payload";
import type { UPayload } from "sparkplug-payload/lib/sparkplugbpayload.js";

export type SparkplugPayload = UPayload;

const codec = get("spBv1.0");
if (!codec) throw new Error("sparkplug-payload: namespace spBv1.0 missing");
const spB = codec;

export function encodeSparkplug(payload: SparkplugPayload): Buffer {
  const bytes = spB.encodePayload(payload);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Decodes a payload; throws on bytes that are not a Sparkplug B payload. */
export function decodeSparkplug(bytes: Uint8Array): SparkplugPayload {
  return spB.decodePayload(bytes);
}
