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
import { assign } from "xstate";
import type { TagBatchWriter } from "../../core/tag-io.js";
import { DEFAULT_STATION_SETPOINTS, type HtrEvent, type HtrStatus, timeoutOf, timeoutReason } from "./station-protocol.js";
import { STATION_CONTEXT, stationSetup } from "./station-setup.js";
import { StationStates } from "./station-states.js";
import { HTR_HEATING_STATES, PLC_TRIP } from "./htr-heating-states.js";
import {
  HEATER_OFF_WRITES,
  type HtrContext,
  heatPermissive,
  o2Limit,
  purgeTimeoutReason,
  purgeWrites,
  safeWebTemp,
  webCool,
  webReading,
} from "./htr-rules.js";

const s = new StationStates<HtrContext, HtrEvent, HtrStatus>("htr");
const coolDownThen = (afterCooling: HtrContext["afterCooling"]) => s.take("coolingDown", assign({ afterCooling }));

export function createHtrMachine(io: TagBatchWriter) {
  const context: HtrContext = {
    ...STATION_CONTEXT,
    arFlowSp: DEFAULT_STATION_SETPOINTS.arFlowLpm,
    afterCooling: "off",
    heatRequested: false,
    enableSeen: false,
    countAtPulse: undefined,
    phaseSeen: 0,
    offSince: null,
    pulses: 0,
    pulseRequestedAt: undefined,
    pulseRetries: 0,
  };
  return stationSetup<HtrContext, HtrEvent, HtrStatus>({ station: "htr", name: "the heater", io }).createMachine(
    s.machine(context, {
      off: s.offState({
        "STATION.START": s.start("purging", (start) => ({ arFlowSp: start.setpoints.arFlowLpm, heatRequested: false, pulses: 0 })),
        "STATION.STOP": coolDownThen("off"),
        "STATION.HOLD": s.answer("off", "off"),
        "STATION.HEAT": s.refuse("off (purge first)"),
        "STATION.PULSE": s.refuse("off"),
      }),

      purging: {
        entry: s.report("purging", (c) => `argon ${c.arFlowSp} L/min until O₂ < ${o2Limit(c)} ppm with the door closed`),
        initial: "writing",
        on: {
          "STATION.START": s.answer("purging", "already purging"),
          "STATION.HOLD": s.answer("purging", "heater off, purging"),
          "STATION.HEAT": s.answer(
            "purging",
            "heat requested: the heater is enabled once the O₂ permissive holds",
            assign({ heatRequested: true }),
          ),
          "STATION.PULSE": s.refuse("purging"),
          "STATION.STOP": coolDownThen("off"),
        },
        states: {
          writing: s.writeThenWait("argon purge", (c) => purgeWrites(c.arFlowSp), "waiting"),
          waiting: s.waitUntil({
            until: [
              PLC_TRIP,
              { guard: ({ context, event }) => context.heatRequested && heatPermissive(event.view, o2Limit(context)), target: "#htr.heating" },
              { guard: ({ context, event }) => heatPermissive(event.view, o2Limit(context)), target: "#htr.ready" },
            ],
            timeoutMs: (c) => timeoutOf(c.params, "purgeMs"),
            timedOut: (c, view) => purgeTimeoutReason(c.params, view),
          }),
        },
      },

      ready: {
        entry: s.report("ready", (c) => `O₂ < ${o2Limit(c)} ppm, door closed`),
        on: {
          TICK: [PLC_TRIP, { guard: ({ context, event }) => !heatPermissive(event.view, o2Limit(context)), target: "purging" }],
          "STATION.HEAT": s.take("heating"),
          "STATION.START": s.answer("ready", "already ready"),
          "STATION.HOLD": s.answer("ready", "heater off, ready"),
          "STATION.PULSE": s.refuse("not enabled"),
          "STATION.STOP": coolDownThen("off"),
        },
      },

      heating: {
        entry: assign({ enableSeen: false, heatRequested: false }),
        initial: "enabling",
        on: {
          "STATION.STOP": coolDownThen("off"),
          "STATION.HOLD": coolDownThen("purging"),
          "STATION.START": s.answer("heating", "already heating"),
          "STATION.HEAT": s.answer("heating", "already heating"),
          "STATION.PULSE": s.refuse("not waiting for a pulse"),
        },
        states: HTR_HEATING_STATES,
      },

      coolingDown: {
        entry: s.report("cooling-down", (c) => `heater off; waiting for the web < ${safeWebTemp(c.params)} K`),
        initial: "writing",
        on: {
          "STATION.START": s.answer("cooling-down", "cooling, then purge", assign({ afterCooling: "purging" })),
          "STATION.HOLD": s.answer("cooling-down", "cooling, then purge", assign({ afterCooling: "purging" })),
          "STATION.STOP": s.answer("cooling-down", "cooling, then off", assign({ afterCooling: "off" })),
          "STATION.HEAT": s.refuse("cooling down"),
          "STATION.PULSE": s.refuse("cooling down"),
        },
        states: {
          writing: s.writeThenWait("heater off", HEATER_OFF_WRITES, "waiting"),
          waiting: s.waitUntil({
            until: [
              {
                guard: ({ context, event }) => context.afterCooling === "purging" && webCool(event.view, safeWebTemp(context.params)),
                target: "#htr.purging",
              },
              {
                guard: ({ context, event }) => webCool(event.view, safeWebTemp(context.params)),
                target: "#htr.off",
                actions: assign({ offDetail: ({ event }) => `stopped: ${webReading(event.view)}` }),
              },
            ],
            timeoutMs: (c) => timeoutOf(c.params, "coolMs"),
            timedOut: (c, view) => timeoutReason("cool-down", webReading(view), timeoutOf(c.params, "coolMs"), `< ${safeWebTemp(c.params)} K`),
          }),
        },
      },

      tripped: s.faultState({
        status: "tripped",
        invoke: s.keepWritten("heater off", HEATER_OFF_WRITES, "fault"),
        answered: ["STATION.START", "STATION.HEAT", "STATION.PULSE"],
        on: { "STATION.STOP": coolDownThen("off"), "STATION.HOLD": coolDownThen("purging") },
      }),

      aborting: s.writeThenOff("heater off (abort)", HEATER_OFF_WRITES, "aborted: heater off"),

      fault: s.faultState({
        // Best effort: a faulted heater zone is a heater that is off.
        invoke: s.keepWritten("heater off", HEATER_OFF_WRITES),
        answered: ["STATION.START", "STATION.HOLD", "STATION.HEAT", "STATION.PULSE"],
        on: { "STATION.STOP": coolDownThen("off") },
      }),
    }),
  );
}

export type HtrMachine = ReturnType<typeof createHtrMachine>;
