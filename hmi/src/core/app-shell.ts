import { h, setText } from "./dom.js";
import type { Page } from "./page.js";
import type { ChangeKind, PlantState } from "./plant-state.js";
import { session } from "./session.js";
import { alarmBanner } from "../widgets/alarm-banner.js";
import { connectionBanner } from "../widgets/connection-banner.js";
import { headerRecipe } from "../widgets/header-recipe.js";
import { type Operate, headerStop } from "../widgets/header-stop.js";

interface NavItem {
  readonly hash: string;
  readonly label: string;
  readonly permission?: string;
}

const NAV: readonly NavItem[] = [
  { hash: "#/overview", label: "Overview" },
  { hash: "#/station/feed", label: "Feed" },
  { hash: "#/station/htr", label: "HTR" },
  { hash: "#/station/quench", label: "Quench" },
  { hash: "#/station/rinse", label: "Rinse" },
  { hash: "#/alarms", label: "Alarms" },
  { hash: "#/trends", label: "Trends", permission: "history:read" },
  { hash: "#/interlocks", label: "Interlocks" },
  { hash: "#/recipes", label: "Recipes", permission: "recipes:read" },
  { hash: "#/rolls", label: "Rolls", permission: "rolls:read" },
  { hash: "#/audit", label: "Audit", permission: "audit:read" },
  { hash: "#/devices", label: "Devices", permission: "devices:read" },
  { hash: "#/users", label: "Users", permission: "users:read" },
];

/** The frame around every display: header (line state, navigation, user), the two banners, the page. */
export class AppShell {
  readonly el: HTMLElement;
  private readonly main = h("main", { class: "page-host", "data-testid": "page" });
  private readonly packml = h("span", { class: "hdr-state", "data-testid": "header-packml" });
  private readonly userBox = h("span", { class: "hdr-user", "data-testid": "header-user" });
  private readonly nav = h("nav", { class: "hdr-nav" });
  private readonly alarm;
  private readonly conn;
  private readonly recipe;
  private page: Page | null = null;

  constructor(
    private readonly state: PlantState,
    navigate: (hash: string) => void,
    onLogout: () => void,
    operate: Operate,
  ) {
    this.alarm = alarmBanner(state, navigate);
    this.conn = connectionBanner(state);
    this.recipe = headerRecipe(state);
    const logout = h("button", { type: "button", class: "btn", "data-testid": "logout", onclick: onLogout }, "Log out");
    this.el = h(
      "div",
      { class: "shell" },
      h("header", { class: "hdr" }, h("span", { class: "hdr-title" }, "HTR line 1"), this.packml, this.recipe.el, headerStop(operate), this.nav, this.userBox, logout),
      this.conn.el,
      this.alarm.el,
      this.main,
    );
    this.renderNav();
  }

  renderNav(): void {
    const items = NAV.filter((n) => !n.permission || session.can(n.permission));
    this.nav.replaceChildren(...items.map((n) => h("a", { href: n.hash, "data-testid": `nav-${n.hash.slice(2).replace("/", "-")}` }, n.label)));
    const s = session.current;
    setText(this.userBox, s ? `${s.user} · ${s.role}` : "");
  }

  setPage(page: Page, hash: string): void {
    this.page?.dispose?.();
    this.page = page;
    this.main.replaceChildren(page.el);
    for (const a of this.nav.querySelectorAll("a")) a.classList.toggle("active", hash.startsWith(a.getAttribute("href") ?? "?"));
    this.update(new Set(["tags", "line", "interlocks", "alarms", "connection", "recipe"]));
  }

  update(kinds: ReadonlySet<ChangeKind>): void {
    if (kinds.has("alarms") || kinds.has("connection")) this.alarm.update();
    if (kinds.has("connection")) this.conn.update();
    if (kinds.has("line") || kinds.has("connection")) {
      setText(this.packml, this.state.line ? this.state.line.state : "—");
      this.packml.classList.toggle("stale", !this.state.connected);
      this.recipe.update();
    }
    this.page?.update(kinds);
  }

  dispose(): void {
    this.page?.dispose?.();
    this.page = null;
  }
}
