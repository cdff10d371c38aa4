/**
 * The HTR zone's heater-enabled substates: the heater enable write, then pulse mode (one pulse per
 * STATION.PULSE: pulse_start, phase 1 → 2 → 3 → 0 with the count incremented) or continuous mode (ramp to
 * phase 4, at temperature). In all of them a PLC trip, or the PLC dropping the heater enable, → tripped.
 */
import { assign } from "xstate";
import type { TickEvent } from "../control-io.js";
import { type HtrEvent, type HtrStatus, readBool, readNumber, timeoutOf, timeoutReason } from "./station-protocol.js";
import type { StationActionOn, StationState, StationTransition } from "./station-setup.js";
import { StationStates } from "./station-states.js";
import {
  HEATER_ON_WRITES,
  HTR_PHASE,
  HTR_TAGS,
  type HtrContext,
  PULSE_COUNT_GRACE_MS,
  PULSE_WRITES,
  enableSeenNow,
  phaseName,
  phaseOf,
  plcTripWord,
  pulseRequestDropped,
  pulseRunningTimeoutMs,
  pulseStartConditions,
  pulseStartTimeoutMs,
  tripDescription,
  webReading,
} from "./htr-rules.js";

const s = new StationStates<HtrContext, HtrEvent, HtrStatus>("htr");
type HtrTick = StationTransition<HtrContext, TickEvent, HtrEvent, HtrStatus>;

/** The PLC reports a trip (htr.trip_word ≠ 0). */
export const PLC_TRIP: HtrTick = {
  guard: ({ event }) => plcTripWord(event.view) !== 0,
  target: "#htr.tripped",
  actions: { type: "note", params: ({ event }) => ({ reason: tripDescription(event.view) }) },
};
/** While heating: a PLC trip, or the PLC dropped the heater enable (it does so on every hard trip). */
const HEATING_TRIPS: readonly HtrTick[] = [
  PLC_TRIP,
  {
    guard: ({ context, event }) => context.enableSeen && readBool(event.view, HTR_TAGS.heaterEnable) === false,
    target: "#htr.tripped",
    actions: { type: "note", params: { reason: "the PLC dropped the heater enable while heating" } },
  },
];
/** What a heating substate does with the view on every TICK: note when the PLC shows the enable. */
const trackEnable: StationActionOn<HtrContext, TickEvent, HtrEvent, HtrStatus> = assign({
  enableSeen: ({ context, event }) => enableSeenNow(context.enableSeen, event.view),
});

/** The substates of htr.heating. */
export const HTR_HEATING_STATES = {
  enabling: s.writeThenWait("heater enable", HEATER_ON_WRITES, [
    { when: (c) => c.params?.mode === "pulse", target: "pulseIdle" },
    { target: "ramping" },
  ]),

  // ── pulse mode
  pulseIdle: {
    entry: s.report("heating", (c) => `pulse mode: heater enabled, ${c.pulses} pulses done`),
    on: {
      TICK: [...HEATING_TRIPS, { actions: trackEnable }],
      "STATION.PULSE": s.take("pulse", assign({ countAtPulse: undefined, phaseSeen: HTR_PHASE.off, offSince: null, pulseRequestedAt: undefined, pulseRetries: 0 })),
    },
  },
  pulse: {
    entry: s.report("pulsing", (c) => `pulse ${c.pulses + 1}: requested`),
    initial: "requesting",
    states: {
      requesting: s.writeThenWait("pulse start", PULSE_WRITES, "awaitingStart"),
      awaitingStart: s.waitUntil({
        until: [
          ...HEATING_TRIPS,
          {
            // The earlier pulse finished cooling: the PLC takes pulse_start only in phase 0 (and clears it
            // every scan), so the request made during the cool-down is made again.
            guard: ({ context, event }) => context.phaseSeen === HTR_PHASE.cool && phaseOf(event.view) === HTR_PHASE.off,
            target: "requesting",
            actions: assign({ phaseSeen: HTR_PHASE.off, pulseRequestedAt: undefined }),
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
            // The PLC dropped the request (it may not start in that scan): asked again, a few times.
            guard: ({ context, event }) => pulseRequestDropped(context, event.view, event.now),
            target: "requesting",
            actions: assign({ pulseRequestedAt: undefined, pulseRetries: ({ context }) => context.pulseRetries + 1 }),
          },
        ],
        timeoutMs: (c) => pulseStartTimeoutMs(c.params, c.phaseSeen),
        timedOut: (c, view) =>
          timeoutReason(
            "pulse start",
            `phase ${phaseName(phaseOf(view))}`,
            pulseStartTimeoutMs(c.params, c.phaseSeen),
            `phase 1 (ramp); the PLC starts a pulse only with the heater enabled, no trip, the door closed, O₂ below its permissive and the quench ready — seen: ${pulseStartConditions(view, c.params)}; asked ${c.pulseRetries + 1} ${c.pulseRetries === 0 ? "time" : "times"}`,
          ),
        waiting: [
          assign({
            pulseRequestedAt: ({ context, event }) => context.pulseRequestedAt ?? event.now,
            // An earlier pulse still cooling when this one is requested: its cool-down comes first (the
            // deadline is armed after this, with the phase seen).
            phaseSeen: ({ context, event }) => (phaseOf(event.view) === HTR_PHASE.cool ? HTR_PHASE.cool : context.phaseSeen),
            countAtPulse: ({ context, event }) => context.countAtPulse ?? readNumber(event.view, HTR_TAGS.pulseCount),
            enableSeen: ({ context, event }) => enableSeenNow(context.enableSeen, event.view),
          }),
        ],
      }),
      running: s.waitUntil({
        entry: [s.report("pulsing", (c) => `pulse ${c.pulses + 1}: running`)],
        until: [
          ...HEATING_TRIPS,
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
        ],
        timeoutMs: (c) => pulseRunningTimeoutMs(c.params),
        timedOut: (c, view) =>
          timeoutReason(`pulse ${c.pulses + 1}`, `phase ${phaseName(phaseOf(view))}`, pulseRunningTimeoutMs(c.params), "phase 0 with the pulse counted"),
        waiting: [
          assign({
            offSince: ({ context, event }) => (phaseOf(event.view) === HTR_PHASE.off ? (context.offSince ?? event.now) : null),
            phaseSeen: ({ context, event }) => Math.max(context.phaseSeen, phaseOf(event.view) ?? HTR_PHASE.off),
            enableSeen: ({ context, event }) => enableSeenNow(context.enableSeen, event.view),
          }),
        ],
      }),
    },
  },

  // ── continuous mode
  ramping: s.waitUntil({
    entry: [s.report("heating", "continuous mode: heater enabled, ramping to peak")],
    until: [
      ...HEATING_TRIPS,
      { guard: ({ event }) => phaseOf(event.view) === HTR_PHASE.atTemperature, target: "atTemperature", actions: trackEnable },
    ],
    timeoutMs: (c) => timeoutOf(c.params, "heatMs"),
    timedOut: (c, view) =>
      timeoutReason("heat-up", `phase ${phaseName(phaseOf(view))}, ${webReading(view)}`, timeoutOf(c.params, "heatMs"), "phase 4, at temperature"),
    waiting: [trackEnable],
  }),
  atTemperature: {
    entry: s.report("at-temperature", "continuous mode: holding the web at peak"),
    on: {
      TICK: [
        ...HEATING_TRIPS,
        {
          guard: ({ event }) => {
            const phase = phaseOf(event.view);
            return phase !== undefined && phase !== HTR_PHASE.atTemperature;
          },
          target: "#htr.fault",
          actions: assign({ reason: ({ event }) => `the PLC left "at temperature": phase ${phaseName(phaseOf(event.view))}` }),
        },
        { actions: trackEnable },
      ],
      "STATION.HEAT": s.answer("at-temperature", "already at temperature"),
      "STATION.START": s.answer("at-temperature", "already at temperature"),
    },
  },
} satisfies Record<string, StationState<HtrContext, HtrEvent, HtrStatus>>;
