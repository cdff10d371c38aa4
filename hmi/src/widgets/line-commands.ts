import type { OperationInputs } from "../../../src/server/socket-contract.js";
import { api } from "../core/api.js";
import { h, setText } from "../core/dom.js";
import type { PageContext, Widget } from "../core/page.js";
import { session } from "../core/session.js";

type Command = OperationInputs["line.command"]["command"];

const COMMANDS: readonly { command: Command; label: string; permission: "line:command" | "line:stop"; kind?: string }[] = [
  { command: "reset", label: "Reset", permission: "line:command" },
  { command: "start", label: "Start", permission: "line:command" },
  { command: "hold", label: "Hold", permission: "line:command" },
  { command: "unhold", label: "Unhold", permission: "line:command" },
  { command: "suspend", label: "Suspend", permission: "line:command" },
  { command: "unsuspend", label: "Unsuspend", permission: "line:command" },
  { command: "clear", label: "Clear", permission: "line:command" },
  { command: "stop", label: "Stop", permission: "line:stop", kind: "btn-stop" },
  { command: "abort", label: "Abort", permission: "line:stop", kind: "btn-stop" },
];

/** An entry of `GET /api/recipes`: the versioned list (`approved`), or the older one (`valid`). */
interface RecipeListEntry {
  readonly alloy: string;
  readonly valid?: boolean;
  readonly approved?: number | null;
  readonly mode?: string | null;
}

/** A recipe the line may start with: valid, and (when the list has versions) with an approved version. */
const startable = (r: RecipeListEntry): boolean => r.valid !== false && r.approved !== null;

/**
 * PackML commands over the socket (`operate line.command`). A button the session may not use is not shown;
 * commands the state does not offer now are drawn dimmed but still sent, so the operator reads the
 * server's reason. The outcome (accepted → state, or the refusal reason) stays on screen.
 */
export function lineCommands(ctx: PageContext): Widget {
  const recipe = h("select", { "data-testid": "recipe-select", title: "Recipe to start with" });
  const result = h("p", { class: "cmd-result", "data-testid": "cmd-result", role: "status" });
  const buttons = new Map<Command, HTMLButtonElement>();
  const send = async (command: Command) => {
    const b = buttons.get(command);
    if (b) b.disabled = true;
    setText(result, `${command} …`);
    result.className = "cmd-result";
    const input: OperationInputs["line.command"] = command === "start" && recipe.value ? { command, recipe: recipe.value } : { command };
    const ack = await ctx.live.operate("line.command", input);
    if (b) b.disabled = false;
    if (ack.ok) {
      const r = ack.result as { state?: string } | undefined;
      setText(result, `${command} accepted${r?.state ? ` → ${r.state}` : ""}`);
      result.dataset.outcome = "accepted";
    } else {
      // The server's message often names the command already ("start refused: …"): do not say it twice.
      setText(result, ack.error.message.startsWith(`${command} refused`) ? ack.error.message : `${command} refused: ${ack.error.message}`);
      result.className = "cmd-result refused";
      result.dataset.outcome = "refused";
    }
  };
  for (const c of COMMANDS) {
    if (!session.can(c.permission)) continue;
    buttons.set(c.command, h("button", { type: "button", class: `btn ${c.kind ?? ""}`, "data-testid": `cmd-${c.command}`, onclick: () => void send(c.command) }, c.label));
  }
  const canStart = buttons.has("start");
  if (canStart) {
    api
      .get<RecipeListEntry[]>("/api/recipes")
      .then((list) => {
        const current = ctx.state.line?.loadedRecipe.alloy ?? "BiSb";
        recipe.replaceChildren(...list.filter(startable).map((r) => h("option", { value: r.alloy, selected: r.alloy === current }, `${r.alloy}${r.mode ? ` (${r.mode})` : ""}`)));
      })
      .catch((err: Error) => setText(result, `recipes: ${err.message}`));
  }
  const el = h(
    "section",
    { class: "panel line-commands", "data-testid": "line-commands" },
    h("h2", {}, "Line commands"),
    buttons.size === 0 ? h("p", { class: "muted", "data-testid": "no-commands" }, "View only: this role may not command the line.") : null,
    canStart ? h("label", { class: "recipe-pick" }, "Recipe ", recipe) : null,
    h("div", { class: "cmd-row" }, ...buttons.values()),
    result,
  );
  return {
    el,
    update() {
      const available = (ctx.state.line?.availableCommands as string[] | undefined) ?? null;
      for (const [c, b] of buttons) {
        const offered = available === null || available.includes(c);
        b.classList.toggle("unavailable", !offered);
        b.title = offered ? `${c} the line` : `${c} is not offered in state ${ctx.state.line?.state ?? "?"} (the server will say why)`;
      }
    },
  };
}
