/**
 * What a recipe file says (plc-config/recipes/<alloy>.yaml) and what the equipment limits file says
 * (plc-config/equipment-limits.yaml). A recipe holds PHYSICAL TARGETS — temperatures, times, flows, loading —
 * never raw PLC setpoints: recipe-derivation turns them into setpoints, recipe-limits checks those against
 * the equipment. The bounds here are only what is physically meaningful; what this line can do is the
 * equipment limits' job, so an out-of-limit recipe is refused naming the limit, not a schema bound.
 */
import { z } from "zod";

/** An alloy name as a chemical formula (it is also the recipe file's name): BiSb, Cu2Sb, Sb. */
export const ALLOY_NAME = /^[A-Z][A-Za-z0-9]{0,31}$/;

export const HTR_MODES = ["pulse", "continuous"] as const;
export type HtrMode = (typeof HTR_MODES)[number];

const positive = (description: string) => z.number().positive().describe(description);

function isRegExp(pattern: string): boolean {
  try {
    new RegExp(pattern, "u");
    return true;
  } catch {
    return false;
  }
}

const precursorSchema = z
  .strictObject({
    description: z.string().min(1).describe("What the precursor powder is (salts, carbon source, template)."),
    lotIdPattern: z
      .string()
      .min(1)
      .refine(isRegExp, "must be a valid regular expression")
      .describe("Regular expression the precursor lot number (feed.lot_id, a uint32, in decimal) must match."),
    arealLoadingMgCm2: positive("Target areal loading of precursor on the web, mg/cm²."),
    arealLoadingToleranceMgCm2: positive("Accepted deviation from the target areal loading, ± mg/cm²."),
  })
  .describe("The precursor lot this recipe accepts and how much of it goes on the web.");

const htrSchema = z
  .strictObject({
    mode: z.enum(HTR_MODES).describe("pulse: index one zone length, then ramp → hold → cool (the paper's profile); continuous: web moves through the zone at peak temperature."),
    peakTempK: z.number().min(300).max(3000).describe("Peak web temperature, K (paper: 1340 K)."),
    peakToleranceK: z.number().positive().max(200).describe("Accepted deviation from the peak, ± K (paper: 15 K)."),
    rampTimeS: positive("Time from the start of heating to peak, s (paper: 3.0 s)."),
    holdTimeS: positive("Time at peak, s (paper: 7.0 s). In continuous mode the web's dwell in the zone."),
    coolTimeS: positive("Time after power off, with quench, before the next index, s (paper: 5.0 s)."),
    minHeatingRateKps: positive("Lowest accepted mean heating rate from ramp start to peak, K/s."),
    minCoolingRateKps: positive("Lowest accepted mean cooling rate from peak to the safe web temperature, K/s."),
    safeWebTempK: z.number().min(273).default(373).describe("Web temperature considered safe (stopping waits for it), K."),
    argonFlowLpm: positive("Argon purge flow through the HTR chamber, L/min."),
    o2PermissivePpm: positive("O₂ below which the heater may be enabled (IL-04), ppm."),
    o2TripPpm: positive("O₂ above which a heating pulse trips (IL-03), ppm."),
  })
  .describe("The thermal profile and the HTR chamber atmosphere.");

const quenchSchema = z
  .strictObject({
    gasFlowLpm: positive("Argon gas-knife flow, L/min."),
    minGasFlowLpm: positive("Gas-knife flow below which quench counts as not flowing (IL-05), L/min."),
    minCoolantFlowLpm: positive("Chill-plate coolant flow below which quench counts as not flowing (IL-05), L/min."),
  })
  .describe("Quench after the HTR zone.");

const feedSchema = z
  .strictObject({
    webSpeedMpm: positive("Continuous mode only: web speed, m/min. Default: HTR zone length / hold time.").optional(),
    indexLengthM: positive("Pulse mode: web moved per cycle, m. Default: the HTR zone length.").optional(),
    webTensionN: positive("Web tension setpoint, N."),
  })
  .describe("Web transport and precursor feed.");

const rinseSchema = z
  .strictObject({
    waterFlowLpm: positive("DI-water flow of the NaCl rinse, L/min."),
    minWaterFlowLpm: positive("Rinse flow below which the rinse counts as not flowing, L/min."),
    conductivityEndpointUsCm: positive("Rinse is done when effluent conductivity is below this, µS/cm."),
    maxEffluentConductivityUsCm: positive(
      "Highest rinse effluent conductivity accepted while product is rinsed (the per-metre record's RINSE-CONDUCTIVITY-HIGH), µS/cm. Absent: recorded, not judged (conductivityEndpointUsCm is the stop flush's endpoint).",
    ).optional(),
    dryerTempK: positive("Dryer air temperature, K."),
  })
  .describe("NaCl rinse and dryer.");

const productSchema = z
  .strictObject({
    particleSizeNm: positive("Target mean particle size, nm (PROCESS.md product targets).").optional(),
    particleSizeToleranceNm: positive("Accepted deviation from the target particle size, ± nm.").optional(),
    alloyContentPct: z.number().min(0).max(100).optional().describe("Target alloy content (TGA), % by mass."),
    notes: z.string().optional().describe("Anything else QA checks (XRD peaks, BET, …)."),
  })
  .describe("What QA checks offline; the roll report links it to the roll.");

const timeoutsSchema = z
  .strictObject({
    flowS: positive("Rinse water, quench gas and coolant must be flowing within this, s.").default(30),
    purgeS: positive("The argon purge must bring O₂ below the permissive within this, s.").default(300),
    webS: positive("The web must reach its speed (or finish an index) within this, s.").default(30),
    heatS: positive("The heater must reach the profile within this, s.").default(60),
    coolS: positive("Stopping: the web must cool below the safe temperature within this, s.").default(60),
    flushS: positive("Stopping: the rinse must reach the conductivity endpoint within this, s.").default(600),
  })
  .describe("How long each step of starting and stopping may take.");

export const recipeSchema = z
  .strictObject({
    alloy: z.string().regex(ALLOY_NAME, "must be a chemical formula such as BiSb or Cu2Sb (it is the file's name)").describe("Alloy made; also the recipe's name and file name."),
    description: z.string().min(1).describe("What this recipe makes, for the operator."),
    precursor: precursorSchema,
    htr: htrSchema,
    quench: quenchSchema,
    feed: feedSchema,
    rinse: rinseSchema,
    targetRollLengthM: positive("The line goes Completing when the roll reaches this length, m."),
    product: productSchema,
    sequence: z
      .strictObject({ timeouts: timeoutsSchema.default({ flowS: 30, purgeS: 300, webS: 30, heatS: 60, coolS: 60, flushS: 600 }) })
      .default({ timeouts: { flowS: 30, purgeS: 300, webS: 30, heatS: 60, coolS: 60, flushS: 600 } })
      .describe("Start and stop sequence timing."),
  })
  .superRefine((r, ctx) => {
    const problem = (path: PropertyKey[], message: string): void => {
      ctx.addIssue({ code: "custom", path, message });
    };
    if (r.htr.o2PermissivePpm >= r.htr.o2TripPpm) {
      problem(["htr", "o2PermissivePpm"], `must be below htr.o2TripPpm (${r.htr.o2TripPpm} ppm), found ${r.htr.o2PermissivePpm}`);
    }
    if (r.htr.peakToleranceK >= r.htr.peakTempK - r.htr.safeWebTempK) {
      problem(["htr", "peakToleranceK"], `${r.htr.peakToleranceK} K reaches down to the safe web temperature (${r.htr.safeWebTempK} K)`);
    }
    if (r.quench.minGasFlowLpm > r.quench.gasFlowLpm) {
      problem(["quench", "minGasFlowLpm"], `must not exceed quench.gasFlowLpm (${r.quench.gasFlowLpm} L/min), found ${r.quench.minGasFlowLpm}`);
    }
    if (r.rinse.minWaterFlowLpm > r.rinse.waterFlowLpm) {
      problem(["rinse", "minWaterFlowLpm"], `must not exceed rinse.waterFlowLpm (${r.rinse.waterFlowLpm} L/min), found ${r.rinse.minWaterFlowLpm}`);
    }
    if (r.precursor.arealLoadingToleranceMgCm2 >= r.precursor.arealLoadingMgCm2) {
      problem(["precursor", "arealLoadingToleranceMgCm2"], `must be below the target loading (${r.precursor.arealLoadingMgCm2} mg/cm²)`);
    }
    if (r.htr.mode === "pulse" && r.feed.webSpeedMpm !== undefined) {
      problem(["feed", "webSpeedMpm"], "applies to continuous mode only (pulse mode indexes feed.indexLengthM)");
    }
    if (r.product.particleSizeToleranceNm !== undefined && r.product.particleSizeNm === undefined) {
      problem(["product", "particleSizeToleranceNm"], "needs product.particleSizeNm");
    }
  });

/** A valid recipe, defaults applied. */
export type Recipe = z.output<typeof recipeSchema>;
/** A recipe as written in a file (defaulted fields optional). */
export type RecipeInput = z.input<typeof recipeSchema>;

/**
 * Limits of this line's equipment that are not a writable tag's range (those are limits too, from tags/).
 */
export const equipmentLimitsSchema = z.strictObject({
  htr: z
    .strictObject({
      maxHeatingRateKps: positive("Fastest mean ramp the radiator may be asked for, K/s."),
      rampStartTempK: positive("Web temperature a ramp starts from (the web at rest), K: the ramp rate is (peak − this) / ramp time."),
      overTempTripK: positive("The PLC's hard over-temperature trip, K: peak + tolerance must stay below it."),
      o2PermissiveMaxPpm: positive("The HTR PLC does not start the heater above this O₂, ppm: a recipe's permissive may not be higher."),
      o2TripMaxPpm: positive("The HTR PLC trips a pulse above this O₂, ppm: a recipe's trip limit may not be higher."),
    })
    .describe("HTR zone."),
  quench: z
    .strictObject({
      coolantFlowLpm: positive("Chill-plate coolant flow with the valve open (fixed orifice), L/min."),
      minGasFlowSpLpm: positive("The HTR PLC only starts a pulse with the gas-knife setpoint at least this, L/min."),
    })
    .describe("Quench."),
  feed: z
    .strictObject({
      indexSpeedMpm: positive("Cruise speed of a pulse-mode index move, m/min."),
      indexAccelerationMps2: positive("Acceleration and deceleration of a pulse-mode index move, m/s²."),
    })
    .describe("Web drives."),
});

export type EquipmentLimits = z.output<typeof equipmentLimitsSchema>;

type JsonObject = Record<string, unknown>;

function jsonSchemaOf(schema: z.ZodType, title: string, description: string): JsonObject {
  const json = z.toJSONSchema(schema, { io: "input", target: "draft-07", unrepresentable: "any" }) as JsonObject;
  const { $schema, ...rest } = json;
  return { $schema, title, description, ...rest };
}

/**
 * JSON Schemas of the recipe and equipment-limits files, keyed by their file name in plc-config/schema/, for
 * YAML editors. What a schema cannot say (cross-field rules, equipment limits) `htr-scada check-config`
 * and loading the recipe report.
 */
export function recipeJsonSchemas(): { "recipe.schema.json": object; "equipment-limits.schema.json": object } {
  return {
    "recipe.schema.json": jsonSchemaOf(recipeSchema, "HTR line: recipes/<alloy>.yaml", "A recipe: the physical targets of one alloy."),
    "equipment-limits.schema.json": jsonSchemaOf(equipmentLimitsSchema, "HTR line: equipment-limits.yaml", "Equipment limits a recipe is checked against, beyond the setpoint tags' ranges."),
  };
}
