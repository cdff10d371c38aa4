/**
 * ARCHITECTURE.md "Who may import whom", as dependency-cruiser rules.
 *
 *   npx depcruise src hmi/src --config .dependency-cruiser.cjs
 *
 * test/unit/architecture/dependency-rules.test.ts runs it over src/ and hmi/src/ (no violation allowed) and
 * shows each rule failing on a planted violation (test/fixtures/dependency-rules/<rule>/).
 *
 * Paths are relative to the directory cruised from (the repository, or a fixture tree): `src/…`, `hmi/…`.
 * Node's own modules are named without their `node:` prefix (`fs`, `fs/promises`); npm packages by their
 * resolved file (`node_modules/zod/index.cjs`, `../../node_modules/…` from a fixture tree) or, when not
 * installed, by their bare name (`mqtt`).
 */

/**
 * Pure domains: decisions as functions of their inputs and an injected clock (auth: the policy; audit: the
 * records; control: the XState machines and the services that run them through ports).
 */
const PURE_AREAS = ["tags", "interlocks", "alarms", "process", "recipes", "quality", "auth", "audit", "control"];
const PURE = `^src/(${PURE_AREAS.join("|")})/`;
/** core + the pure domains: they may import only each other. */
const PURE_OR_CORE = `^src/(core|${PURE_AREAS.join("|")})/`;
/**
 * The I/O edge: the only areas that speak to PLCs, databases, files of their own, the historian and the MQTT
 * broker (src/northbound, the Sparkplug B edge node, once it exists).
 */
const ADAPTERS = "^src/(drivers|historian|stores|sim|northbound)/";
/** Node modules that do I/O (files, sockets, processes, threads, the terminal), and `module` (createRequire). */
const NODE_IO = "^(node:)?(fs|net|tls|dgram|dns|http|https|http2|child_process|cluster|worker_threads|readline|module)(/|$)";
/** The libraries that only adapters use. */
const ADAPTER_LIBS = "(^|node_modules/)(node-opcua[-a-z]*|modbus-serial|influx|better-sqlite3|@node-rs/argon2|mqtt)(/|$)";
/** The npm packages pure code may use: schemas and state machines, no I/O. */
const PURE_LIBS = "(^|node_modules/)(zod|xstate)(/|$)";
/** Types an adapter area declares for others to program against (interfaces only, no behaviour). */
const ADAPTER_PORTS = "^src/drivers/driver-port\\.ts$";
/**
 * The site overview's pure files (src/site: its own process, issue 14 item 4): the fold of the Sparkplug
 * messages, the events it folds, the payload → event conversion and the plan of the lines.
 */
const SITE_PURE = "^src/site/site-(state|message|payload|plan)\\.ts$";
/** What a line is made of: the site reads the lines only through the broker, never through their code. */
const LINE_INTERNALS = "^src/(server|runtime|control|drivers|sim|stores|tags|interlocks|alarms|recipes|quality|audit|auth|process)/|^src/runtime\\.ts$";
/** The composition root: src/runtime.ts and the wiring it is split into (src/runtime/). */
const RUNTIME = "^src/runtime(\\.ts$|/)";

/**
 * A forbidden dependency: `from` modules must not import `to` modules.
 * @param {string} name @param {string} comment the reason, shown with each violation
 * @param {import("dependency-cruiser").IFromRestriction} from @param {import("dependency-cruiser").IToRestriction} to
 * @returns {import("dependency-cruiser").IForbiddenRuleType}
 */
const forbid = (name, comment, from, to) => ({ name, severity: "error", comment, from, to });

/** @type {import("dependency-cruiser").IConfiguration} */
module.exports = {
  forbidden: [
    forbid("no-circular", "No import cycles (node-opcua's find_cycles guard).", {}, { circular: true }),
    forbid(
      "not-to-unresolvable",
      "Every import resolves (an import the cruiser cannot follow is one the rules cannot check).",
      {},
      { couldNotResolve: true },
    ),
    forbid("core-imports-only-core", "src/core is imported by everything and imports nothing else of src.", { path: "^src/core/" }, {
      path: "^(src|hmi)/",
      pathNot: "^src/core/",
    }),
    forbid(
      "pure-imports-only-core-and-pure",
      "Pure domains (tags, interlocks, alarms, process, recipes, quality, auth policy, audit records, control) " +
        "import only src/core and each other: never an adapter, config, server, stores, runtime or main.",
      { path: PURE },
      { path: "^(src|hmi)/", pathNot: PURE_OR_CORE },
    ),
    forbid(
      "pure-no-node-io",
      "core and the pure domains never touch files, sockets or processes (node:fs, node:net, node:child_process, " +
        "node:http, …), whether by import, side-effect import, dynamic import, require or process.getBuiltinModule.",
      { path: [PURE_OR_CORE, SITE_PURE] },
      { dependencyTypes: ["core"], path: NODE_IO },
    ),
    forbid("pure-no-io-library", "Pure domains (and the site's pure files) use no I/O library: of npm, only zod and xstate.", { path: [PURE, SITE_PURE] }, {
      dependencyTypesNot: ["local", "core"],
      couldNotResolve: false,
      pathNot: PURE_LIBS,
    }),
    forbid(
      "only-adapters-use-io-libraries",
      "Only adapters (src/drivers, src/historian, src/stores, src/sim, src/northbound) import node-opcua, " +
        "modbus-serial, influx, better-sqlite3, @node-rs/argon2 or mqtt.",
      { pathNot: ADAPTERS },
      { path: ADAPTER_LIBS },
    ),
    forbid(
      "server-not-to-adapters",
      "src/server talks to services, never to adapters (drivers, historian, stores, sim, northbound); it may use " +
        "the types of an adapter port (src/drivers/driver-port.ts).",
      { path: "^src/server/" },
      { path: ADAPTERS, pathNot: ADAPTER_PORTS },
    ),
    forbid(
      "nothing-imports-server",
      "Nothing imports src/server but its own files and the composition root (src/runtime.ts, src/runtime/).",
      { path: "^src/", pathNot: ["^src/server/", RUNTIME] },
      { path: "^src/server/" },
    ),
    forbid(
      "hmi-imports-only-socket-contract",
      "The browser HMI shares one file with the server, the socket contract types, and nothing else of src.",
      { path: "^hmi/" },
      { path: "^src/", pathNot: "^src/server/socket-contract\\.ts$" },
    ),
    forbid(
      "only-main-imports-runtime",
      "The composition root (src/runtime.ts and its src/runtime/ files) is used by src/main.ts only (and by " +
        "end-to-end tests).",
      { pathNot: ["^src/main\\.ts$", RUNTIME] },
      { path: RUNTIME },
    ),
    forbid(
      "site-pure-imports-only-core",
      "The site's pure files (site-state, site-message, site-payload, site-plan) import only src/core and each other.",
      { path: SITE_PURE },
      { path: "^(src|hmi)/", pathNot: ["^src/core/", SITE_PURE] },
    ),
    forbid(
      "site-not-to-line-internals",
      "src/site (the site overview and launcher) knows a line only by what it publishes (Sparkplug B on the broker), its " +
        "config files and its command line: it never imports a line's server, runtime, control, drivers, stores or domains.",
      { path: "^src/site/" },
      { path: LINE_INTERNALS },
    ),
    forbid(
      "nothing-imports-site",
      "src/site is its own process: nothing but the CLI entry (src/main.ts) imports it.",
      { path: "^src/", pathNot: ["^src/site/", "^src/main\\.ts$"] },
      { path: "^src/site/" },
    ),
    forbid("nothing-imports-main", "src/main.ts is the CLI entry point: nothing imports it.", {}, { path: "^src/main\\.ts$" }),
  ],
  options: {
    // Type-only imports (`import type`, `export type … from`) are dependencies too: a pure domain that
    // imports an adapter's types still depends on it.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    detectProcessBuiltinModuleCalls: true,
    moduleSystems: ["es6", "cjs", "tsd"],
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^hmi/dist/" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
    },
  },
};
