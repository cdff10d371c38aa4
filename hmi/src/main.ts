// The operator HMI's entry: session → shell + live connection → hash-routed displays.
import "uplot/dist/uPlot.min.css";
import "./styles.css";
import { api, setUnauthorisedHandler } from "./core/api.js";
import { AppShell } from "./core/app-shell.js";
import { createPage } from "./core/create-page.js";
import { h } from "./core/dom.js";
import { LiveConnection } from "./core/live-connection.js";
import type { PageContext } from "./core/page.js";
import { loadedRecipeOf } from "./core/loaded-recipe.js";
import { PlantState, type RecipeDoc, type TagMeta } from "./core/plant-state.js";
import { session } from "./core/session.js";
import { loginPage } from "./pages/login-page.js";
import type { AlarmsJson, InterlocksJson, LineJson } from "../../src/server/socket-contract.js";

const root = document.getElementById("app")!;
let state = new PlantState();
let live: LiveConnection | null = null;
let shell: AppShell | null = null;
let stopState: (() => void) | null = null;
let recipeKey: string | null = null;

interface TagJson extends TagMeta {
  readonly value: number | boolean | null;
  readonly quality: "Good" | "Uncertain" | "Bad";
  readonly sourceTs: string | null;
}

const navigate = (hash: string) => {
  if (location.hash === hash) route();
  else location.hash = hash;
};

/** REST snapshot: at start and after every reconnect (pushes only come on change). */
async function loadSnapshot(s: PlantState): Promise<void> {
  const [tags, line, interlocks, alarms] = await Promise.allSettled([
    api.get<{ tags: TagJson[] }>("/api/tags"),
    api.get<LineJson>("/api/line"),
    api.get<InterlocksJson>("/api/interlocks"),
    api.get<AlarmsJson>("/api/alarms"),
  ]);
  if (tags.status === "fulfilled") {
    for (const t of tags.value.tags) {
      s.meta.set(t.name, { name: t.name, description: t.description, station: t.station, units: t.units, range: t.range, writable: t.writable });
      if (!s.values.has(t.name) || !s.connected) s.values.set(t.name, { value: t.value, quality: t.quality, ts: t.sourceTs ? Date.parse(t.sourceTs) : 0 });
    }
    s.changed("tags");
  }
  if (line.status === "fulfilled") {
    s.line = line.value;
    s.changed("line");
  }
  if (interlocks.status === "fulfilled") {
    s.interlocks = interlocks.value;
    s.changed("interlocks");
  }
  if (alarms.status === "fulfilled") {
    s.alarms = alarms.value;
    s.changed("alarms");
  }
}

/** Follows the loaded recipe and version (the thermal envelope and the normal bands come from it). */
function trackRecipe(s: PlantState): void {
  const { alloy, version } = loadedRecipeOf(s.line);
  const key = alloy === null ? null : `${alloy}@${version ?? ""}`;
  if (key === recipeKey) return;
  recipeKey = key;
  if (alloy === null) {
    s.recipe = null;
    s.changed("recipe");
    return;
  }
  const a = encodeURIComponent(alloy);
  api
    .get<{ recipe: RecipeDoc }>(version !== null ? `/api/recipes/${a}/versions/${version}` : `/api/recipes/${a}`)
    .then((r) => {
      s.recipe = r.recipe;
      s.changed("recipe");
    })
    .catch(() => {
      recipeKey = null;
    });
}

function route(): void {
  if (!shell || !live) return;
  const hash = location.hash || "#/overview";
  const ctx: PageContext = { state, live, navigate };
  const page = createPage(hash, ctx);
  live.subscribe(page.tags);
  shell.setPage(page, hash);
}

function stopApp(): void {
  stopState?.();
  stopState = null;
  live?.stop();
  live = null;
  shell?.dispose();
  shell = null;
}

function showLogin(reason?: string): void {
  stopApp();
  root.replaceChildren(loginPage({ ...(reason ? { reason } : {}), onLoggedIn: () => void startApp() }));
}

async function startApp(): Promise<void> {
  stopApp();
  state = new PlantState();
  recipeKey = null;
  const s = state;
  live = new LiveConnection(s, {
    onExpired: (reason) => session.expired(reason),
    onHandshakeRefused: () => {
      // The socket was refused: is the session gone (→ login) or is the server just not ready?
      session.restore().catch(() => undefined);
    },
  });
  const link = live;
  shell = new AppShell(s, navigate, () => void session.logout(), (op, input) => link.operate(op, input));
  root.replaceChildren(shell.el);
  let wasConnected = false;
  let everConnected = false;
  stopState = s.onChange((kinds) => {
    if (kinds.has("line")) trackRecipe(s);
    if (kinds.has("connection")) {
      // After a reconnect: what changed while away (pushes only come on change).
      if (s.connected && !wasConnected && everConnected) void loadSnapshot(s);
      if (s.connected) everConnected = true;
      wasConnected = s.connected;
    }
    shell?.update(kinds);
  });
  // Socket, REST snapshot and the first display at once: the first meaningful paint waits for the slower.
  live.start();
  if (!location.hash || location.hash === "#/login") history.replaceState(null, "", "#/overview");
  route();
  await loadSnapshot(s).catch(() => undefined);
}

setUnauthorisedHandler((message) => session.expired(message));
session.onChange((s, reason) => {
  if (!s) showLogin(reason);
});
window.addEventListener("hashchange", route);

session
  .restore()
  .then((s) => (s ? startApp() : showLogin()))
  .catch((err: Error) => {
    root.replaceChildren(h("div", { class: "panel", "data-testid": "boot-error" }, h("h1", {}, "Server not reachable"), h("p", {}, err.message), h("button", { class: "btn", onclick: () => location.reload() }, "Retry")));
  });
