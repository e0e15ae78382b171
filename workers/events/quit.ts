/**
 * QUIT names no channel: it is stored in each channel we share with that nick.
 *
 * @module
 */
import { type EventHandler, eventTime, isName, textOf } from "./context.ts";

/** Stores quits in every shared channel. */
export const quitHandler: EventHandler = (ctx) => {
  ctx.client.on("quit", (event) => {
    if (!isName(event.nick) || ctx.isMe(event.nick)) return;
    const created_at = eventTime(event.time);
    for (const channel of ctx.users.quit(event.nick)) {
      ctx.store({
        target: channel,
        sender: event.nick,
        content: textOf(event.message),
        message_type: "quit",
        created_at,
      });
    }
  });
};
