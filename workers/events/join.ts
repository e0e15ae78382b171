/**
 * JOIN: stored in the channel; ours also marks the channel joined.
 *
 * @module
 */
import { type EventHandler, eventTime, isName, textOf } from "./context.ts";

/** Stores joins and tracks who is in the channel. */
export const joinHandler: EventHandler = (ctx) => {
  ctx.client.on("join", (event) => {
    if (!isName(event.channel) || !isName(event.nick)) return;
    // With extended-join, the account (false: none) and realname come along.
    const info = {
      user: textOf(event.ident),
      host: textOf(event.hostname),
      ...(event.account === undefined ? {} : { account: isName(event.account) ? event.account : null }),
      ...(isName(event.gecos) ? { realname: event.gecos } : {}),
    };
    if (ctx.isMe(event.nick)) {
      ctx.users.joined(event.channel, event.nick, info);
      ctx.changeChannel(event.channel, { joined: true });
    } else {
      ctx.users.add(event.channel, event.nick, info);
    }
    ctx.store({
      target: event.channel,
      sender: event.nick,
      content: `${textOf(event.ident)}@${textOf(event.hostname)}`,
      message_type: "join",
      created_at: eventTime(event.time),
    });
  });
};
