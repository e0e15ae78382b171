/**
 * KICK: stored in the channel as "<kicked> <reason>" from the kicker; when
 * we are the one kicked, the channel is marked left.
 *
 * @module
 */
import { type EventHandler, eventTime, isName, textOf } from "./context.ts";

/** Stores kicks and tracks who is in the channel. */
export const kickHandler: EventHandler = (ctx) => {
  ctx.client.on("kick", (event) => {
    if (!isName(event.channel) || !isName(event.kicked)) return;
    ctx.store({
      target: event.channel,
      sender: isName(event.nick) ? event.nick : null,
      content: textOf(event.message) ? `${event.kicked} ${event.message}` : event.kicked,
      message_type: "kick",
      created_at: eventTime(event.time),
    });
    if (ctx.isMe(event.kicked)) {
      ctx.users.forget(event.channel);
      ctx.changeChannel(event.channel, { joined: false });
    } else {
      ctx.users.remove(event.channel, event.kicked);
    }
  });
};
