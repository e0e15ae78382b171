/**
 * What the server says to us rather than to a channel: error replies and
 * `ERROR` lines (`error`, but `system` for the one answering our own QUIT), the message of the day (`system`). They go to the
 * server window (no target). Server notices are in `message.ts`.
 *
 * @module
 */
import { type EventHandler, isName, textOf } from "./context.ts";

/** Stores server errors and the MOTD. */
export const serverMessagesHandler: EventHandler = (ctx) => {
  // The server answers our QUIT with an ERROR ("Closing connection"): the
  // user's own disconnect, not something gone wrong.
  let quitSent = false;
  ctx.client.on("raw", (event) => {
    if (event.from_server) return;
    if (/^QUIT\b/i.test(event.line)) quitSent = true;
    // Registration starting again: a new connection, whose errors are errors.
    else if (/^(CAP LS|USER)\b/i.test(event.line)) quitSent = false;
  });
  ctx.client.on("irc error", (event) => {
    const reason = textOf(event.reason) || textOf(event.error);
    const about = isName(event.channel) ? event.channel : isName(event.nick) ? event.nick : undefined;
    ctx.store({
      target: null,
      sender: null,
      content: about && !reason.includes(about) ? `${about}: ${reason}` : reason,
      message_type: quitSent && event.error === "irc" ? "system" : "error",
    });
  });
  for (const event of ["nick in use", "nick invalid"] as const) {
    ctx.client.on(event, (e) => {
      ctx.store({
        target: null,
        sender: null,
        content: `${textOf(e.nick)}: ${textOf(e.reason)}`,
        message_type: "error",
      });
    });
  }
  ctx.client.on("motd", (event) => {
    const content = (textOf(event.motd) || textOf(event.error)).replace(/\n$/, "");
    if (content) ctx.store({ target: null, sender: null, content, message_type: "system" });
  });
};
