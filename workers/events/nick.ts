/**
 * NICK names no channel: it is stored in each channel we share with that
 * nick (from the old nick, the new one as content); our own change is also
 * stored in the server window.
 *
 * @module
 */
import { type EventHandler, eventTime, isName } from "./context.ts";

/** Stores nick changes in every shared channel. */
export const nickHandler: EventHandler = (ctx) => {
  ctx.client.on("nick", (event) => {
    if (!isName(event.nick) || !isName(event.new_nick)) return;
    const created_at = eventTime(event.time);
    const message = {
      sender: event.nick,
      content: event.new_nick,
      message_type: "nick" as const,
      created_at,
    };
    // irc-framework has already renamed us when the event arrives.
    if (ctx.isMe(event.new_nick) || ctx.isMe(event.nick)) ctx.store({ target: null, ...message });
    for (const channel of ctx.users.rename(event.nick, event.new_nick)) {
      ctx.store({ target: channel, ...message });
    }
  });
};
