import { h, setText } from "../core/dom.js";
import type { Widget } from "../core/page.js";
import type { PlantState } from "../core/plant-state.js";

/** Shown while the socket is down: every value on the page is then drawn stale. socket.io reconnects. */
export function connectionBanner(state: PlantState): Widget {
  const detail = h("span", { class: "cb-detail" });
  const el = h("div", { class: "connection-banner", role: "alert", "data-testid": "connection-banner" }, h("strong", {}, "Connection lost — values stale"), detail);
  return {
    el,
    update() {
      el.hidden = state.connected;
      document.body.classList.toggle("disconnected", !state.connected);
      setText(detail, ` (${state.connectionDetail}; reconnecting …)`);
    },
  };
}
