/**
 * A web process's view of the line's process, from its periodic `scada:alive` requests (pure): reachable
 * or not, and which boot of it answered. After any gap — a restart of the line's process (another boot
 * id), or an alive left unanswered (Redis or the line was away: pushes may have been lost, and sockets that
 * connected meanwhile got no state) — every socket of the web process is closed so its client reconnects,
 * subscribes again and gets a fresh state. The first answer after start counts as the end of a gap.
 *
 * An alive sent before any answer ever came (the adapter's stream reader may not be reading yet: the line's
 * answer to it is then never seen) says nothing once a later one was answered: that answer already ended
 * the "gap" of the start, and marking the line unreachable for it would close every socket a second time.
 */
export interface RuntimeLink {
  /** The boot id that answered last (null: none yet). */
  readonly boot: string | null;
  readonly reachable: boolean;
}

export const initialRuntimeLink: RuntimeLink = { boot: null, reachable: false };

/**
 * The link after one alive request: `answeredBy` is the boot id that answered, or null when none did in
 * time; `sentAt` is the link when that request was sent (default: `link`).
 */
export function nextRuntimeLink(link: RuntimeLink, answeredBy: string | null, sentAt: RuntimeLink = link): { link: RuntimeLink; reconnectAll: boolean } {
  if (answeredBy === null) {
    if (sentAt.boot === null && link.boot !== null) return { link, reconnectAll: false };
    return { link: { boot: link.boot, reachable: false }, reconnectAll: false };
  }
  // Unreachable before (or never reached yet: sockets that connected meanwhile have no state), or another boot.
  const gap = !link.reachable || (link.boot !== null && link.boot !== answeredBy);
  return { link: { boot: answeredBy, reachable: true }, reconnectAll: gap };
}
