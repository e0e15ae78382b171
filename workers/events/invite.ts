/**
 * INVITE: an invitation to us, in the server's window, and (invite-notify)
 * someone invited to a channel we are in, in that channel's, each a
 * `system` message. Our own invitations are answered by RPL_INVITING
 * (`commandReplies.ts`).
 *
 * @module
 */
import { type EventHandler, eventTime, isName } from "./context.ts";

/** Stores invitations. */
export const inviteHandler: EventHandler = (ctx) => {
  ctx.client.on("invite", (event) => {
    if (!isName(event?.nick) || !isName(event.invited) || !isName(event.channel)) return;
    const created_at = eventTime(event.time);
    const toUs = ctx.isMe(event.invited);
    ctx.store({
      target: toUs ? null : event.channel,
      sender: event.nick,
      content: toUs
        ? `${event.nick} invites you to ${event.channel}`
        : `${event.nick} invited ${event.invited} to ${event.channel}`,
      message_type: "system",
      created_at,
    });
  });
};
