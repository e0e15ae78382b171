/**
 * NAMES replies: who is in a channel, with their prefixes (every one of
 * them with multi-prefix) and, with userhost-in-names, their user and host.
 * The list is stored (`channel_members`) and lets quits and nick changes be
 * stored in the channels they concern.
 *
 * @module
 */
import { type EventHandler, isName, textOf } from "./context.ts";

/** Tracks channel members from NAMES replies. */
export const namesHandler: EventHandler = (ctx) => {
  ctx.client.on("userlist", (event) => {
    if (!isName(event.channel) || !Array.isArray(event.users)) return;
    const members = event.users.filter((u) => isName(u?.nick)).map((u) => ({
      nick: u.nick,
      modes: Array.isArray(u.modes) ? u.modes.filter((m) => typeof m === "string") : [],
      user: textOf(u.ident),
      host: textOf(u.hostname),
    }));
    ctx.users.set(event.channel, members);
  });
  // A new connection starts with no channel: the joins will tell again.
  // Cleared at registration too: a worker that crashed had no close.
  ctx.client.on("close", () => ctx.users.clear());
  ctx.client.on("registered", () => ctx.users.clear());
};
