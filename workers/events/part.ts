/**
 * PART: stored in the channel; ours also marks the channel left.
 *
 * @module
 */
import { type EventHandler, eventTime, isName, textOf } from "./context.ts";

/** Stores parts and tracks who is in the channel. */
export const partHandler: EventHandler = (ctx) => {
  ctx.client.on("part", (event) => {
    if (!isName(event.channel) || !isName(event.nick)) return;
    ctx.store({
      target: event.channel,
      sender: event.nick,
      content: textOf(event.message),
      message_type: "part",
      created_at: eventTime(event.time),
    });
    if (ctx.isMe(event.nick)) {
      ctx.users.forget(event.channel);
      ctx.changeChannel(event.channel, { joined: false });
    } else {
      ctx.users.remove(event.channel, event.nick);
    }
  });
};
