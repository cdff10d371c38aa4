/**
 * The HTR radiation zone: off → purging (argon flow setpoint; wait until O₂ < the permissive with the door
 * closed) → ready → heating (heater enable; pulse mode then runs one pulse per STATION.PULSE — pulse_start,
 * phase 1 → 2 → 3 → 0 with the count incremented; continuous mode waits for phase 4, at temperature) →
 * cooling-down (heater off; wait until the web is below the safe temperature) → off.
 *
 * tripped: the PLC reports a trip (htr.trip_word ≠ 0), or dropped the heater enable while heating (it does
 * so on every hard trip). The station confirms heater off and stays tripped until STOP / HOLD / ABORT.
 * fault: a wait timed out, a write failed, or a command came that the state cannot honour; the heater
 * enable is written off on entry. ABORT writes heater off (and pulse_start off) at once, without waiting.
 * The argon purge is left running when the station stops: an inert chamber is the safe state.
 */
import { assign, enqueueActions, setup } from "xstate";
import type { ProcessView } from "../control-io.js";
import type { TagBatchWriter, TagWrite } from "../../core/tag-io.js";
import type { SequenceParams } from "../sequencer-protocol.js";
import {
  DEFAULT_STATION_SETPOINTS,
  FALLBACK_SAFE_WEB_TEMP_K,
  type HtrEvent,
  type HtrStatus,
  type StationCommandType,
  armedDeadline,
  createWriteTagsActor,
  deadlinePassed,
  formatReading,
  readBool,
  readNumber,
  statusReport,
  timeoutOf,
  timeoutReason,
  writeErrorReason,
  writeFailureReason,
} from "./station-protocol.js";

export const HTR_TAGS = {
  arFlowSp: "htr.ar_flow_sp",
  o2: "htr.o2",
  doorClosed: "htr.door_closed",
  heaterEnable: "htr.heater_enable",
  pulseStart: "htr.pulse_start",
  pulseCount: "htr.pulse_count",
  profilePhase: "htr.profile_phase",
  webTemp: "htr.web_temp",
  tripWord: "htr.trip_word",
  firstOut: "htr.first_out",
} as const;

/** htr.profile_phase codes (plc-config/tags/htr.yaml). */
export const HTR_PHASE = { off: 0, ramp: 1, hold: 2, cool: 3, atTemperature: 4 } as const;
const PHASE_NAMES = ["off", "ramp", "hold", "cool", "at temperature"] as const;
/** htr.trip_word bits, in order (plc-config/tags/htr.yaml). */
const TRIP_BIT_NAMES = ["over-temperature", "door", "e-stop", "O₂", "over-current"] as const;
/** htr.first_out codes 1…5 (0 none). */
const FIRST_OUT_NAMES = ["none", "over-temperature", "door", "e-stop", "O₂", "over-current"] as const;

export interface HtrContext {
  readonly params: SequenceParams | undefined;
  readonly arFlowSp: number;
  readonly deadline: number | undefined;
  readonly reason: string;
  readonly offDetail: string;
  readonly command: StationCommandType | "none";
  /** Where cooling-down goes once the web is cool: off (STOP) or back to purging (HOLD, or START meanwhile). */
  readonly afterCooling: "off" | "purging";
  /** HEAT came while purging: heat as soon as the permissive holds. */
  readonly heatRequested: boolean;
  /** The view has shown heater_enable true since the enable write (a later false is the PLC dropping it). */
  readonly enableSeen: boolean;
  /** htr.pulse_count when the running pulse was requested (captured on its first TICK). */
  readonly countAtPulse: number | undefined;
  /** Highest profile phase seen in the running pulse. */
  readonly phaseSeen: number;
  /** When phase 0 was first seen in a running pulse whose count had not yet moved (null otherwise). */
  readonly offSince: number | null;
  /** Pulses completed since the station was started. */
  readonly pulses: number;
}

// ─── Pure rules ────────────────────────────────────────────────────────────────────────────────────────

export function purgeWrites(arFlowSp: number): TagWrite[] {
  return [{ tag: HTR_TAGS.arFlowSp, value: arFlowSp }];
}
export const HEATER_ON_WRITES: readonly TagWrite[] = [{ tag: HTR_TAGS.heaterEnable, value: true }];
/** Heater off first, then the pulse request. */
export const HEATER_OFF_WRITES: readonly TagWrite[] = [
  { tag: HTR_TAGS.heaterEnable, value: false },
  { tag: HTR_TAGS.pulseStart, value: false },
];
export const PULSE_WRITES: readonly TagWrite[] = [{ tag: HTR_TAGS.pulseStart, value: true }];

/** IL-04 / IL-07: the heater may be enabled with O₂ below the permissive and the door closed. */
export function heatPermissive(view: ProcessView, o2PermissivePpm: number): boolean {
  const o2 = readNumber(view, HTR_TAGS.o2);
  return o2 !== undefined && o2 < o2PermissivePpm && readBool(view, HTR_TAGS.doorClosed) === true;
}

/** The PLC's trip word, 0 when it is not Good (the interlocks treat that case; the station needs a real trip). */
export function plcTripWord(view: ProcessView): number {
  return readNumber(view, HTR_TAGS.tripWord) ?? 0;
}

export function phaseOf(view: ProcessView): number | undefined {
  return readNumber(view, HTR_TAGS.profilePhase);
}

export function phaseName(phase: number | undefined): string {
  return phase === undefined ? "not Good" : `${phase} (${PHASE_NAMES[phase] ?? "unknown"})`;
}

export function tripDescription(view: ProcessView): string {
  const word = plcTripWord(view);
  const bits = TRIP_BIT_NAMES.filter((_, i) => (word & (1 << i)) !== 0);
  const firstOut = readNumber(view, HTR_TAGS.firstOut);
  const first = firstOut === undefined ? "not Good" : `${firstOut} (${FIRST_OUT_NAMES[firstOut] ?? "unknown"})`;
  return `PLC trip: trip word 0x${word.toString(16)} (${bits.join(", ") || "unknown bits"}), first-out ${first}`;
}

function safeWebTemp(params: SequenceParams | undefined): number {
  return params?.safeWebTempK ?? FALLBACK_SAFE_WEB_TEMP_K;
}

export function webCool(view: ProcessView, safeWebTempK: number): boolean {
  const t = readNumber(view, HTR_TAGS.webTemp);
  return t !== undefined && t < safeWebTempK;
}

function purgeTimeoutReason(params: SequenceParams | undefined, view: ProcessView): string {
  const limit = params?.o2PermissivePpm ?? 0;
  const o2 = formatReading("O₂", readNumber(view, HTR_TAGS.o2), "ppm");
  const door = readBool(view, HTR_TAGS.doorClosed);
  const doorOk = door === true;
  const actual = doorOk ? o2 : `${o2}, door ${door === false ? "open" : "not Good"}`;
  return timeoutReason("purge", actual, timeoutOf(params, "purgeMs"), doorOk ? `< ${limit} ppm` : `< ${limit} ppm, door closed`);
}

/** How long phase 0 may be seen before the pulse count moves (the count is sampled every 100 ms). */
export const PULSE_COUNT_GRACE_MS = 1000;

/** How long a requested pulse may take to start: with an earlier pulse still cooling, its cool-down too. */
function pulseStartTimeoutMs(params: SequenceParams | undefined, phaseSeen: number): number {
  return phaseSeen === HTR_PHASE.cool ? pulseRunningTimeoutMs(params) : timeoutOf(params, "heatMs");
}

function pulseRunningTimeoutMs(params: SequenceParams | undefined): number {
  return timeoutOf(params, "heatMs") + timeoutOf(params, "coolMs");
}

/** What a heating substate does with the view on every TICK: note when the PLC shows the enable. */
function enableSeenNow(enableSeen: boolean, view: ProcessView): boolean {
  return enableSeen || readBool(view, HTR_TAGS.heaterEnable) === true;
}

// ─── Machine ───────────────────────────────────────────────────────────────────────────────────────────

export function createHtrMachine(io: TagBatchWriter) {
  return setup({
    types: {
      context: {} as HtrContext,
      events: {} as HtrEvent,
    },
    actors: { writeTags: createWriteTagsActor(io) },
    guards: {
      plcTripped: ({ event }) => event.type === "TICK" && plcTripWord(event.view) !== 0,
      enableDropped: ({ context, event }) =>
        event.type === "TICK" && context.enableSeen && readBool(event.view, HTR_TAGS.heaterEnable) === false,
      pulseMode: ({ context }) => context.params?.mode === "pulse",
    },
    actions: {
      // To the parent (the sequencer); a machine run without one (pure transitions, tools) reports nothing.
      report: enqueueActions(({ context, self, enqueue }, p: { status: HtrStatus; detail: string }) => {
        if (self._parent !== undefined) enqueue.sendParent(statusReport("htr", p.status, p.detail, context.command));
      }),
      takeCommand: assign({ command: ({ event }) => (event.type === "TICK" ? "none" : event.type) }),
      clearDeadline: assign({ deadline: undefined }),
      noteTrip: assign({ reason: ({ event }) => (event.type === "TICK" ? tripDescription(event.view) : "PLC trip") }),
      noteEnableDropped: assign({ reason: "the PLC dropped the heater enable while heating" }),
      trackEnable: assign({
        enableSeen: ({ context, event }) => (event.type === "TICK" ? enableSeenNow(context.enableSeen, event.view) : context.enableSeen),
      }),
      refuse: assign({
        reason: ({ event }, p: { state: string }) => `${event.type} refused: the heater is ${p.state}`,
      }),
    },
  }).createMachine({
    id: "htr",
    context: {
      params: undefined,
      arFlowSp: DEFAULT_STATION_SETPOINTS.arFlowLpm,
      deadline: undefined,
      reason: "",
      offDetail: "off",
      command: "none",
      afterCooling: "off",
      heatRequested: false,
      enableSeen: false,
      countAtPulse: undefined,
      phaseSeen: 0,
      offSince: null,
      pulses: 0,
    },
    initial: "off",
    on: {
      "STATION.ABORT": { target: ".aborting", actions: "takeCommand" },
    },
    states: {
      off: {
        entry: { type: "report", params: ({ context }) => ({ status: "off", detail: context.offDetail }) },
        on: {
          "STATION.START": {
            target: "purging",
            actions: [
              "takeCommand",
              assign({
                params: ({ event }) => event.params,
                arFlowSp: ({ event }) => event.setpoints.arFlowLpm,
                heatRequested: false,
                pulses: 0,
              }),
            ],
          },
          "STATION.STOP": { target: "coolingDown", actions: ["takeCommand", assign({ afterCooling: "off" })] },
          "STATION.HOLD": { actions: ["takeCommand", { type: "report", params: { status: "off", detail: "off" } }] },
          "STATION.HEAT": { target: "fault", actions: ["takeCommand", { type: "refuse", params: { state: "off (purge first)" } }] },
          "STATION.PULSE": { target: "fault", actions: ["takeCommand", { type: "refuse", params: { state: "off" } }] },
        },
      },

      purging: {
        entry: {
          type: "report",
          params: ({ context }) => ({
            status: "purging",
            detail: `argon ${context.arFlowSp} L/min until O₂ < ${context.params?.o2PermissivePpm ?? 0} ppm with the door closed`,
          }),
        },
        initial: "writing",
        on: {
          "STATION.START": { actions: ["takeCommand", { type: "report", params: { status: "purging", detail: "already purging" } }] },
          "STATION.HOLD": { actions: ["takeCommand", { type: "report", params: { status: "purging", detail: "heater off, purging" } }] },
          "STATION.HEAT": {
            actions: [
              "takeCommand",
              assign({ heatRequested: true }),
              { type: "report", params: { status: "purging", detail: "heat requested: the heater is enabled once the O₂ permissive holds" } },
            ],
          },
          "STATION.PULSE": { target: "fault", actions: ["takeCommand", { type: "refuse", params: { state: "purging" } }] },
          "STATION.STOP": { target: "coolingDown", actions: ["takeCommand", assign({ afterCooling: "off" })] },
        },
        states: {
          writing: {
            invoke: {
              src: "writeTags",
              input: ({ context }) => ({ writes: purgeWrites(context.arFlowSp) }),
              onDone: [
                { guard: ({ event }) => event.output.ok, target: "waiting" },
                { target: "#htr.fault", actions: assign({ reason: ({ event }) => writeFailureReason("argon purge", event.output) }) },
              ],
              onError: { target: "#htr.fault", actions: assign({ reason: ({ event }) => writeErrorReason("argon purge", event.error) }) },
            },
          },
          waiting: {
            entry: "clearDeadline",
            on: {
              TICK: [
                { guard: "plcTripped", target: "#htr.tripped", actions: "noteTrip" },
                {
                  guard: ({ context, event }) => context.heatRequested && heatPermissive(event.view, context.params?.o2PermissivePpm ?? 0),
                  target: "#htr.heating",
                },
                {
                  guard: ({ context, event }) => heatPermissive(event.view, context.params?.o2PermissivePpm ?? 0),
                  target: "#htr.ready",
                },
                {
                  guard: ({ context, event }) => deadlinePassed(context.deadline, event.now),
                  target: "#htr.fault",
                  actions: assign({ reason: ({ context, event }) => purgeTimeoutReason(context.params, event.view) }),
                },
                { actions: assign({ deadline: ({ context, event }) => armedDeadline(context.deadline, event.now, timeoutOf(context.params, "purgeMs")) }) },
              ],
            },
          },
        },
      },

      ready: {
        entry: {
          type: "report",
          params: ({ context }) => ({ status: "ready", detail: `O₂ < ${context.params?.o2PermissivePpm ?? 0} ppm, door closed` }),
        },
        on: {
          TICK: [
            { guard: "plcTripped", target: "tripped", actions: "noteTrip" },
            { guard: ({ context, event }) => !heatPermissive(event.view, context.params?.o2PermissivePpm ?? 0), target: "purging" },
          ],
          "STATION.HEAT": { target: "heating", actions: "takeCommand" },
          "STATION.START": { actions: ["takeCommand", { type: "report", params: { status: "ready", detail: "already ready" } }] },
          "STATION.HOLD": { actions: ["takeCommand", { type: "report", params: { status: "ready", detail: "heater off, ready" } }] },
          "STATION.PULSE": { target: "fault", actions: ["takeCommand", { type: "refuse", params: { state: "not enabled" } }] },
          "STATION.STOP": { target: "coolingDown", actions: ["takeCommand", assign({ afterCooling: "off" })] },
        },
      },

      heating: {
        entry: assign({ enableSeen: false, heatRequested: false }),
        initial: "enabling",
        on: {
          "STATION.STOP": { target: "coolingDown", actions: ["takeCommand", assign({ afterCooling: "off" })] },
          "STATION.HOLD": { target: "coolingDown", actions: ["takeCommand", assign({ afterCooling: "purging" })] },
          "STATION.START": { actions: ["takeCommand", { type: "report", params: { status: "heating", detail: "already heating" } }] },
          "STATION.HEAT": { actions: ["takeCommand", { type: "report", params: { status: "heating", detail: "already heating" } }] },
          "STATION.PULSE": { target: "fault", actions: ["takeCommand", { type: "refuse", params: { state: "not waiting for a pulse" } }] },
        },
        states: {
          enabling: {
            invoke: {
              src: "writeTags",
              input: { writes: HEATER_ON_WRITES },
              onDone: [
                { guard: ({ event, context }) => event.output.ok && context.params?.mode === "pulse", target: "pulseIdle" },
                { guard: ({ event }) => event.output.ok, target: "ramping" },
                { target: "#htr.fault", actions: assign({ reason: ({ event }) => writeFailureReason("heater enable", event.output) }) },
              ],
              onError: { target: "#htr.fault", actions: assign({ reason: ({ event }) => writeErrorReason("heater enable", event.error) }) },
            },
          },

          // ── pulse mode
          pulseIdle: {
            entry: {
              type: "report",
              params: ({ context }) => ({ status: "heating", detail: `pulse mode: heater enabled, ${context.pulses} pulses done` }),
            },
            on: {
              TICK: [
                { guard: "plcTripped", target: "#htr.tripped", actions: "noteTrip" },
                { guard: "enableDropped", target: "#htr.tripped", actions: "noteEnableDropped" },
                { actions: "trackEnable" },
              ],
              "STATION.PULSE": { target: "pulse", actions: ["takeCommand", assign({ countAtPulse: undefined, phaseSeen: HTR_PHASE.off, offSince: null })] },
            },
          },
          pulse: {
            entry: { type: "report", params: ({ context }) => ({ status: "pulsing", detail: `pulse ${context.pulses + 1}: requested` }) },
            initial: "requesting",
            states: {
              requesting: {
                invoke: {
                  src: "writeTags",
                  input: { writes: PULSE_WRITES },
                  onDone: [
                    { guard: ({ event }) => event.output.ok, target: "awaitingStart" },
                    { target: "#htr.fault", actions: assign({ reason: ({ event }) => writeFailureReason("pulse start", event.output) }) },
                  ],
                  onError: { target: "#htr.fault", actions: assign({ reason: ({ event }) => writeErrorReason("pulse start", event.error) }) },
                },
              },
              awaitingStart: {
                entry: "clearDeadline",
                on: {
                  TICK: [
                    { guard: "plcTripped", target: "#htr.tripped", actions: "noteTrip" },
                    { guard: "enableDropped", target: "#htr.tripped", actions: "noteEnableDropped" },
                    {
                      // The earlier pulse finished cooling: the PLC takes pulse_start only in phase 0 (and clears it
                      // every scan), so the request made during the cool-down is made again.
                      guard: ({ context, event }) => context.phaseSeen === HTR_PHASE.cool && phaseOf(event.view) === HTR_PHASE.off,
                      target: "requesting",
                      actions: assign({ phaseSeen: HTR_PHASE.off }),
                    },
                    {
                      // Already counted (a pulse shorter than a TICK period): done.
                      guard: ({ context, event }) => {
                        const count = readNumber(event.view, HTR_TAGS.pulseCount);
                        return context.countAtPulse !== undefined && count !== undefined && count !== context.countAtPulse;
                      },
                      target: "#htr.heating.pulseIdle",
                      actions: assign({ pulses: ({ context }) => context.pulses + 1 }),
                    },
                    {
                      // Only ramp or hold show that this pulse started: a cool phase here is an earlier pulse the
                      // PLC aborted (heater off on a hold or suspend) still cooling down; the PLC starts the
                      // requested pulse once it is back in phase 0.
                      guard: ({ event }) => {
                        const phase = phaseOf(event.view);
                        return phase === HTR_PHASE.ramp || phase === HTR_PHASE.hold;
                      },
                      target: "running",
                      actions: assign({
                        countAtPulse: ({ context, event }) => context.countAtPulse ?? readNumber(event.view, HTR_TAGS.pulseCount),
                        phaseSeen: ({ event }) => phaseOf(event.view) ?? HTR_PHASE.off,
                        enableSeen: ({ context, event }) => enableSeenNow(context.enableSeen, event.view),
                      }),
                    },
                    {
                      guard: ({ context, event }) => deadlinePassed(context.deadline, event.now),
                      target: "#htr.fault",
                      actions: assign({
                        reason: ({ context, event }) =>
                          timeoutReason(
                            "pulse start",
                            `phase ${phaseName(phaseOf(event.view))}`,
                            pulseStartTimeoutMs(context.params, context.phaseSeen),
                            "phase 1 (ramp); the PLC starts a pulse only with the heater enabled, no trip, the door closed, O₂ below its permissive and the quench ready",
                          ),
                      }),
                    },
                    {
                      actions: assign({
                        // An earlier pulse still cooling when this one is requested: its cool-down comes first.
                        phaseSeen: ({ context, event }) => (phaseOf(event.view) === HTR_PHASE.cool ? HTR_PHASE.cool : context.phaseSeen),
                        deadline: ({ context, event }) =>
                          armedDeadline(
                            context.deadline,
                            event.now,
                            pulseStartTimeoutMs(context.params, phaseOf(event.view) === HTR_PHASE.cool ? HTR_PHASE.cool : context.phaseSeen),
                          ),
                        countAtPulse: ({ context, event }) => context.countAtPulse ?? readNumber(event.view, HTR_TAGS.pulseCount),
                        enableSeen: ({ context, event }) => enableSeenNow(context.enableSeen, event.view),
                      }),
                    },
                  ],
                },
              },
              running: {
                entry: [
                  "clearDeadline",
                  { type: "report", params: ({ context }) => ({ status: "pulsing", detail: `pulse ${context.pulses + 1}: running` }) },
                ],
                on: {
                  TICK: [
                    { guard: "plcTripped", target: "#htr.tripped", actions: "noteTrip" },
                    { guard: "enableDropped", target: "#htr.tripped", actions: "noteEnableDropped" },
                    {
                      guard: ({ context, event }) => {
                        const count = readNumber(event.view, HTR_TAGS.pulseCount);
                        return phaseOf(event.view) === HTR_PHASE.off && count !== undefined && count !== context.countAtPulse;
                      },
                      target: "#htr.heating.pulseIdle",
                      actions: assign({ pulses: ({ context }) => context.pulses + 1 }),
                    },
                    {
                      // Phase and count are sampled at different rates (10 / 100 ms): phase 0 may arrive before
                      // the new count. Only a count still unchanged after a grace period is an aborted pulse.
                      guard: ({ context, event }) =>
                        phaseOf(event.view) === HTR_PHASE.off &&
                        readNumber(event.view, HTR_TAGS.pulseCount) !== undefined &&
                        context.offSince !== null &&
                        event.now - context.offSince >= PULSE_COUNT_GRACE_MS,
                      target: "#htr.fault",
                      actions: assign({
                        reason: ({ context }) =>
                          `pulse ${context.pulses + 1} aborted by the PLC: phase back to 0 without a count (got to phase ${phaseName(context.phaseSeen)})`,
                      }),
                    },
                    {
                      guard: ({ context, event }) => deadlinePassed(context.deadline, event.now),
                      target: "#htr.fault",
                      actions: assign({
                        reason: ({ context, event }) =>
                          timeoutReason(
                            `pulse ${context.pulses + 1}`,
                            `phase ${phaseName(phaseOf(event.view))}`,
                            pulseRunningTimeoutMs(context.params),
                            "phase 0 with the pulse counted",
                          ),
                      }),
                    },
                    {
                      actions: assign({
                        offSince: ({ context, event }) => (phaseOf(event.view) === HTR_PHASE.off ? (context.offSince ?? event.now) : null),
                        deadline: ({ context, event }) => armedDeadline(context.deadline, event.now, pulseRunningTimeoutMs(context.params)),
                        phaseSeen: ({ context, event }) => Math.max(context.phaseSeen, phaseOf(event.view) ?? HTR_PHASE.off),
                        enableSeen: ({ context, event }) => enableSeenNow(context.enableSeen, event.view),
                      }),
                    },
                  ],
                },
              },
            },
          },

          // ── continuous mode
          ramping: {
            entry: [
              "clearDeadline",
              { type: "report", params: { status: "heating", detail: "continuous mode: heater enabled, ramping to peak" } },
            ],
            on: {
              TICK: [
                { guard: "plcTripped", target: "#htr.tripped", actions: "noteTrip" },
                { guard: "enableDropped", target: "#htr.tripped", actions: "noteEnableDropped" },
                { guard: ({ event }) => phaseOf(event.view) === HTR_PHASE.atTemperature, target: "atTemperature", actions: "trackEnable" },
                {
                  guard: ({ context, event }) => deadlinePassed(context.deadline, event.now),
                  target: "#htr.fault",
                  actions: assign({
                    reason: ({ context, event }) =>
                      timeoutReason(
                        "heat-up",
                        `phase ${phaseName(phaseOf(event.view))}, ${formatReading("web", readNumber(event.view, HTR_TAGS.webTemp), "K")}`,
                        timeoutOf(context.params, "heatMs"),
                        "phase 4, at temperature",
                      ),
                  }),
                },
                {
                  actions: [
                    "trackEnable",
                    assign({ deadline: ({ context, event }) => armedDeadline(context.deadline, event.now, timeoutOf(context.params, "heatMs")) }),
                  ],
                },
              ],
            },
          },
          atTemperature: {
            entry: { type: "report", params: { status: "at-temperature", detail: "continuous mode: holding the web at peak" } },
            on: {
              TICK: [
                { guard: "plcTripped", target: "#htr.tripped", actions: "noteTrip" },
                { guard: "enableDropped", target: "#htr.tripped", actions: "noteEnableDropped" },
                {
                  guard: ({ event }) => {
                    const phase = phaseOf(event.view);
                    return phase !== undefined && phase !== HTR_PHASE.atTemperature;
                  },
                  target: "#htr.fault",
                  actions: assign({ reason: ({ event }) => `the PLC left "at temperature": phase ${phaseName(phaseOf(event.view))}` }),
                },
                { actions: "trackEnable" },
              ],
              "STATION.HEAT": { actions: ["takeCommand", { type: "report", params: { status: "at-temperature", detail: "already at temperature" } }] },
              "STATION.START": { actions: ["takeCommand", { type: "report", params: { status: "at-temperature", detail: "already at temperature" } }] },
            },
          },
        },
      },

      coolingDown: {
        entry: {
          type: "report",
          params: ({ context }) => ({
            status: "cooling-down",
            detail: `heater off; waiting for the web < ${safeWebTemp(context.params)} K`,
          }),
        },
        initial: "writing",
        on: {
          "STATION.START": {
            actions: ["takeCommand", assign({ afterCooling: "purging" }), { type: "report", params: { status: "cooling-down", detail: "cooling, then purge" } }],
          },
          "STATION.HOLD": {
            actions: ["takeCommand", assign({ afterCooling: "purging" }), { type: "report", params: { status: "cooling-down", detail: "cooling, then purge" } }],
          },
          "STATION.STOP": {
            actions: ["takeCommand", assign({ afterCooling: "off" }), { type: "report", params: { status: "cooling-down", detail: "cooling, then off" } }],
          },
          "STATION.HEAT": { target: "fault", actions: ["takeCommand", { type: "refuse", params: { state: "cooling down" } }] },
          "STATION.PULSE": { target: "fault", actions: ["takeCommand", { type: "refuse", params: { state: "cooling down" } }] },
        },
        states: {
          writing: {
            invoke: {
              src: "writeTags",
              input: { writes: HEATER_OFF_WRITES },
              onDone: [
                { guard: ({ event }) => event.output.ok, target: "waiting" },
                { target: "#htr.fault", actions: assign({ reason: ({ event }) => writeFailureReason("heater off", event.output) }) },
              ],
              onError: { target: "#htr.fault", actions: assign({ reason: ({ event }) => writeErrorReason("heater off", event.error) }) },
            },
          },
          waiting: {
            entry: "clearDeadline",
            on: {
              TICK: [
                {
                  guard: ({ context, event }) => context.afterCooling === "purging" && webCool(event.view, safeWebTemp(context.params)),
                  target: "#htr.purging",
                },
                {
                  guard: ({ context, event }) => webCool(event.view, safeWebTemp(context.params)),
                  target: "#htr.off",
                  actions: assign({
                    offDetail: ({ event }) => `stopped: ${formatReading("web", readNumber(event.view, HTR_TAGS.webTemp), "K")}`,
                  }),
                },
                {
                  guard: ({ context, event }) => deadlinePassed(context.deadline, event.now),
                  target: "#htr.fault",
                  actions: assign({
                    reason: ({ context, event }) =>
                      timeoutReason(
                        "cool-down",
                        formatReading("web", readNumber(event.view, HTR_TAGS.webTemp), "K"),
                        timeoutOf(context.params, "coolMs"),
                        `< ${safeWebTemp(context.params)} K`,
                      ),
                  }),
                },
                { actions: assign({ deadline: ({ context, event }) => armedDeadline(context.deadline, event.now, timeoutOf(context.params, "coolMs")) }) },
              ],
            },
          },
        },
      },

      tripped: {
        entry: { type: "report", params: ({ context }) => ({ status: "tripped", detail: context.reason }) },
        invoke: {
          src: "writeTags",
          input: { writes: HEATER_OFF_WRITES },
          onDone: {
            guard: ({ event }) => !event.output.ok,
            target: "fault",
            actions: assign({ reason: ({ context, event }) => `${context.reason}; ${writeFailureReason("heater off", event.output)}` }),
          },
          onError: {
            target: "fault",
            actions: assign({ reason: ({ context, event }) => `${context.reason}; ${writeErrorReason("heater off", event.error)}` }),
          },
        },
        on: {
          "STATION.STOP": { target: "coolingDown", actions: ["takeCommand", assign({ afterCooling: "off" })] },
          "STATION.HOLD": { target: "coolingDown", actions: ["takeCommand", assign({ afterCooling: "purging" })] },
          "STATION.START": { actions: ["takeCommand", { type: "report", params: ({ context }) => ({ status: "tripped", detail: context.reason }) }] },
          "STATION.HEAT": { actions: ["takeCommand", { type: "report", params: ({ context }) => ({ status: "tripped", detail: context.reason }) }] },
          "STATION.PULSE": { actions: ["takeCommand", { type: "report", params: ({ context }) => ({ status: "tripped", detail: context.reason }) }] },
        },
      },

      aborting: {
        invoke: {
          src: "writeTags",
          input: { writes: HEATER_OFF_WRITES },
          onDone: [
            { guard: ({ event }) => event.output.ok, target: "off", actions: assign({ offDetail: "aborted: heater off" }) },
            { target: "fault", actions: assign({ reason: ({ event }) => writeFailureReason("heater off (abort)", event.output) }) },
          ],
          onError: { target: "fault", actions: assign({ reason: ({ event }) => writeErrorReason("heater off (abort)", event.error) }) },
        },
      },

      fault: {
        entry: { type: "report", params: ({ context }) => ({ status: "fault", detail: context.reason }) },
        // Best effort: a faulted heater zone is a heater that is off.
        invoke: {
          src: "writeTags",
          input: { writes: HEATER_OFF_WRITES },
          onDone: {
            guard: ({ event }) => !event.output.ok,
            actions: assign({ reason: ({ context, event }) => `${context.reason}; ${writeFailureReason("heater off", event.output)}` }),
          },
          onError: { actions: assign({ reason: ({ context, event }) => `${context.reason}; ${writeErrorReason("heater off", event.error)}` }) },
        },
        on: {
          "STATION.STOP": { target: "coolingDown", actions: ["takeCommand", assign({ afterCooling: "off" })] },
          "STATION.START": { actions: ["takeCommand", { type: "report", params: ({ context }) => ({ status: "fault", detail: context.reason }) }] },
          "STATION.HOLD": { actions: ["takeCommand", { type: "report", params: ({ context }) => ({ status: "fault", detail: context.reason }) }] },
          "STATION.HEAT": { actions: ["takeCommand", { type: "report", params: ({ context }) => ({ status: "fault", detail: context.reason }) }] },
          "STATION.PULSE": { actions: ["takeCommand", { type: "report", params: ({ context }) => ({ status: "fault", detail: context.reason }) }] },
        },
      },
    },
  });
}

export type HtrMachine = ReturnType<typeof createHtrMachine>;
