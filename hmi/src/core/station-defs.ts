/** What each station display shows: analog faceplates, discrete states, setpoints (read-only). */
export interface StationDef {
  readonly id: string;
  readonly name: string;
  readonly analog: readonly { readonly tag: string; readonly label: string }[];
  readonly discrete: readonly { readonly tag: string; readonly label: string; readonly onOff?: readonly [string, string]; readonly labels?: Readonly<Record<number, string>> }[];
  readonly setpoints: readonly { readonly tag: string; readonly label: string }[];
}

export const PHASE_LABELS: Readonly<Record<number, string>> = { 0: "OFF", 1: "RAMP", 2: "HOLD", 3: "COOL", 4: "AT TEMP" };
export const FIRST_OUT_LABELS: Readonly<Record<number, string>> = { 0: "none", 1: "over-temp", 2: "door", 3: "e-stop", 4: "O₂", 5: "over-current", 6: "SCADA lost" };
export const LINE_FIRST_OUT_LABELS: Readonly<Record<number, string>> = { 0: "none", 1: "SCADA lost" };

export const STATIONS: readonly StationDef[] = [
  {
    id: "feed",
    name: "Precursor feed (unwinder, doser)",
    analog: [
      { tag: "feed.web_speed", label: "Web speed" },
      { tag: "feed.web_tension", label: "Web tension" },
      { tag: "feed.hopper_level", label: "Hopper level" },
      { tag: "feed.doser_rate", label: "Doser rate" },
      { tag: "feed.areal_loading", label: "Areal loading" },
    ],
    discrete: [
      { tag: "feed.drives_running", label: "Web drives", onOff: ["RUNNING", "STOPPED"] },
      { tag: "feed.doser_on", label: "Doser", onOff: ["ON", "OFF"] },
      { tag: "feed.indexing", label: "Indexing", onOff: ["YES", "NO"] },
      { tag: "feed.encoder_pos", label: "Encoder position" },
      { tag: "feed.lot_id", label: "Precursor lot" },
      { tag: "line-plc.first_out", label: "Line PLC first-out", labels: LINE_FIRST_OUT_LABELS },
    ],
    setpoints: [
      { tag: "feed.web_speed_sp", label: "Web speed SP" },
      { tag: "feed.tension_sp", label: "Tension SP" },
      { tag: "feed.doser_rate_sp", label: "Doser rate SP" },
      { tag: "feed.index_length_sp", label: "Index length SP" },
    ],
  },
  {
    id: "htr",
    name: "HTR radiation zone",
    analog: [
      { tag: "htr.web_temp", label: "Web temperature" },
      { tag: "htr.radiator_temp", label: "Radiator temperature" },
      { tag: "htr.o2", label: "Chamber O₂" },
      { tag: "htr.ar_flow", label: "Argon flow" },
      { tag: "htr.supply_power", label: "Supply power" },
      { tag: "htr.supply_voltage", label: "Supply voltage" },
      { tag: "htr.supply_current", label: "Supply current" },
    ],
    discrete: [
      { tag: "htr.profile_phase", label: "Profile phase", labels: PHASE_LABELS },
      { tag: "htr.heater_enable", label: "Heater enable (SCADA)", onOff: ["ENABLED", "DISABLED"] },
      { tag: "htr.heater_on", label: "Heater power stage", onOff: ["ON", "OFF"] },
      { tag: "htr.door_closed", label: "Chamber door", onOff: ["CLOSED", "OPEN"] },
      { tag: "htr.estop_ok", label: "E-stop chain", onOff: ["HEALTHY", "PRESSED"] },
      { tag: "htr.pulse_count", label: "Pulses completed" },
      { tag: "htr.trip_word", label: "PLC trip word" },
      { tag: "htr.first_out", label: "PLC first-out", labels: FIRST_OUT_LABELS },
    ],
    setpoints: [
      { tag: "htr.peak_sp", label: "Peak SP" },
      { tag: "htr.ramp_time_sp", label: "Ramp time SP" },
      { tag: "htr.hold_time_sp", label: "Hold time SP" },
      { tag: "htr.cool_time_sp", label: "Cool time SP" },
      { tag: "htr.ar_flow_sp", label: "Argon flow SP" },
    ],
  },
  {
    id: "quench",
    name: "Quench (gas knife, chill plates)",
    analog: [
      { tag: "quench.gas_flow", label: "Gas-knife flow" },
      { tag: "quench.coolant_flow", label: "Coolant flow" },
      { tag: "quench.coolant_temp", label: "Coolant temperature" },
      { tag: "quench.exit_web_temp", label: "Exit web temperature" },
    ],
    discrete: [
      { tag: "quench.gas_on", label: "Gas knife", onOff: ["ON", "OFF"] },
      { tag: "quench.coolant_on", label: "Coolant valve", onOff: ["OPEN", "CLOSED"] },
    ],
    setpoints: [{ tag: "quench.gas_flow_sp", label: "Gas flow SP" }],
  },
  {
    id: "rinse",
    name: "NaCl rinse, dryer, rewinder",
    analog: [
      { tag: "rinse.water_flow", label: "DI-water flow" },
      { tag: "rinse.conductivity", label: "Effluent conductivity" },
      { tag: "rinse.tank_level", label: "Dip tank level" },
      { tag: "rinse.water_temp", label: "Water temperature" },
      { tag: "rinse.dryer_temp", label: "Dryer temperature" },
      { tag: "rinse.rewind_tension", label: "Rewind tension" },
    ],
    discrete: [
      { tag: "rinse.pump_running", label: "Rinse pump", onOff: ["RUNNING", "STOPPED"] },
      { tag: "rinse.dryer_on", label: "Dryer heater", onOff: ["ON", "OFF"] },
      { tag: "rinse.roll_length", label: "Roll length" },
    ],
    setpoints: [
      { tag: "rinse.water_flow_sp", label: "Water flow SP" },
      { tag: "rinse.dryer_temp_sp", label: "Dryer temperature SP" },
    ],
  },
];

export function stationDef(id: string): StationDef | undefined {
  return STATIONS.find((s) => s.id === id);
}

export function stationTags(def: StationDef): string[] {
  return [...def.analog, ...def.discrete, ...def.setpoints].map((x) => x.tag);
}
