/**
 * TOPIC changes are stored (from whoever set it) and update the channel;
 * the topic shown on joining (RPL_TOPIC, no setter) only updates the channel.
 *
 * @module
 */
import { type EventHandler, eventTime, isName, textOf } from "./context.ts";

/** Stores topic changes and keeps the channel's topic. */
export const topicHandler: EventHandler = (ctx) => {
  ctx.client.on("topic", (event) => {
    // `:srv 332 me` names no channel: nothing to change.
    if (!isName(event.channel)) return;
    const topic = textOf(event.topic);
    if (isName(event.nick)) {
      ctx.store({
        target: event.channel,
        sender: event.nick,
        content: topic,
        message_type: "topic",
        created_at: eventTime(event.time),
      });
    }
    ctx.changeChannel(event.channel, { topic });
  });
};
