/**
 * PART: stored in the channel; ours also marks the channel left.
 *
 * @module
 */
import { type EventHandler, eventTime } from "./context.ts";

/** Stores parts and tracks who is in the channel. */
export const partHandler: EventHandler = (ctx) => {
  ctx.client.on("part", (event) => {
    ctx.store({
      target: event.channel,
      sender: event.nick,
      content: event.message ?? "",
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
