/**
 * NAMES replies: who is in a channel, so that quits and nick changes can be
 * stored in the channels they concern. Nothing is stored.
 *
 * @module
 */
import { type EventHandler, isName } from "./context.ts";

/** Tracks channel members from NAMES replies. */
export const namesHandler: EventHandler = (ctx) => {
  ctx.client.on("userlist", (event) => {
    if (!isName(event.channel) || !Array.isArray(event.users)) return;
    ctx.users.set(event.channel, event.users.map((u) => u?.nick).filter(isName));
  });
  // A new connection starts with no channel: the joins will tell again.
  ctx.client.on("close", () => ctx.users.clear());
};
