/**
 * What the server says to us rather than to a channel: error replies and
 * `ERROR` lines (`error`), the message of the day (`system`). They go to the
 * server window (no target). Server notices are in `message.ts`.
 *
 * @module
 */
import type { EventHandler } from "./context.ts";

/** Stores server errors and the MOTD. */
export const serverMessagesHandler: EventHandler = (ctx) => {
  ctx.client.on("irc error", (event) => {
    const reason = event.reason ?? event.error;
    const about = event.channel ?? event.nick;
    ctx.store({
      target: null,
      sender: null,
      content: about && !reason.includes(about) ? `${about}: ${reason}` : reason,
      message_type: "error",
    });
  });
  for (const event of ["nick in use", "nick invalid"] as const) {
    ctx.client.on(event, (e) => {
      ctx.store({ target: null, sender: null, content: `${e.nick}: ${e.reason}`, message_type: "error" });
    });
  }
  ctx.client.on("motd", (event) => {
    const content = (event.motd ?? event.error ?? "").replace(/\n$/, "");
    if (content) ctx.store({ target: null, sender: null, content, message_type: "system" });
  });
};
