import { h } from "./dom.js";
import type { Page, PageContext } from "./page.js";
import { session } from "./session.js";
import { stationDef } from "./station-defs.js";
import { alarmHistoryPage } from "../pages/alarm-history-page.js";
import { alarmKpisPage } from "../pages/alarm-kpis-page.js";
import { alarmSummaryPage } from "../pages/alarm-summary-page.js";
import { auditPage } from "../pages/audit-page.js";
import { devicesPage } from "../pages/devices-page.js";
import { interlocksPage } from "../pages/interlocks-page.js";
import { overviewPage } from "../pages/overview-page.js";
import { recipesPage } from "../pages/recipes-page.js";
import { rollsPage } from "../pages/rolls-page.js";
import { stationPage } from "../pages/station-page.js";
import { trendsPage } from "../pages/trends-page.js";
import { usersPage } from "../pages/users-page.js";

function notAllowed(what: string, permission: string): Page {
  return { el: h("div", { class: "panel", "data-testid": "not-allowed" }, h("h1", {}, what), h("p", {}, `This role may not see it (needs ${permission}).`)), tags: [], update() {} };
}

/** Hash routes → displays. Unknown routes show the overview. */
export function createPage(hash: string, ctx: PageContext): Page {
  const parts = hash.replace(/^#\/?/, "").split("/");
  switch (parts[0]) {
    case "station": {
      const def = stationDef(parts[1] ?? "");
      if (def) return stationPage(ctx, def);
      break;
    }
    case "alarms":
      if (parts[1] === "history") return alarmHistoryPage();
      if (parts[1] === "kpis") return alarmKpisPage();
      return alarmSummaryPage(ctx);
    case "trends":
      return session.can("history:read") ? trendsPage(ctx) : notAllowed("Trends", "history:read");
    case "interlocks":
      return interlocksPage(ctx);
    case "recipes":
      return session.can("recipes:read") ? recipesPage(ctx, parts.slice(1)) : notAllowed("Recipes", "recipes:read");
    case "rolls":
      return session.can("rolls:read") ? rollsPage(ctx, parts.slice(1)) : notAllowed("Rolls", "rolls:read");
    case "audit":
      return session.can("audit:read") ? auditPage() : notAllowed("Audit trail", "audit:read");
    case "devices":
      return session.can("devices:read") ? devicesPage(ctx) : notAllowed("Devices", "devices:read");
    case "users":
      return session.can("users:read") ? usersPage() : notAllowed("Users", "users:read");
  }
  return overviewPage(ctx);
}
