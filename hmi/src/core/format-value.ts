import type { LiveValue } from "./plant-state.js";

/** Decimals by unit: enough to see a trend, never noise (ISA-101: no false precision). */
export function decimalsFor(units: string): number {
  switch (units) {
    case "":
    case "K":
    case "%":
    case "mm":
      return 0;
    case "m/min":
    case "kW":
    case "m":
    case "mg/cm²":
      return 2;
    default:
      return 1;
  }
}

export function formatNumber(v: number, decimals: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 10_000) return Math.round(v).toLocaleString("en-US");
  return v.toFixed(decimals);
}

export interface Formatted {
  readonly text: string;
  /** No value, not Good, or connection down: shown greyed, hatched, with "?". */
  readonly stale: boolean;
  readonly bad: boolean;
}

/** A value for display: number with its decimals, booleans by their labels, "----" when there is none. */
export function formatValue(
  v: LiveValue | undefined,
  units: string,
  connected: boolean,
  opts: { decimals?: number; onOff?: readonly [string, string] } = {},
): Formatted {
  const bad = v === undefined || v.quality === "Bad" || v.value === null;
  const stale = bad || !connected || v.quality !== "Good";
  if (v === undefined || v.value === null) return { text: "----", stale: true, bad: true };
  if (typeof v.value === "boolean") {
    const [on, off] = opts.onOff ?? ["ON", "OFF"];
    return { text: v.value ? on : off, stale, bad };
  }
  return { text: formatNumber(v.value, opts.decimals ?? decimalsFor(units)), stale, bad };
}

export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || ms <= 0) return "—";
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}
