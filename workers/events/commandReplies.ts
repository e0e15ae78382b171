/**
 * The answers to commands users type that change no stored state but that
 * the user should see, each a `system` message: away and back (RPL_NOWAWAY,
 * RPL_UNAWAY) in the server's window, a channel's modes (RPL_CHANNELMODEIS)
 * and an invitation sent (RPL_INVITING) in the channel's. (WHOIS and LIST
 * have handlers of their own.)
 *
 * @module
 */
import { type EventHandler, isName, textOf } from "./context.ts";

// Most characters of a server's text kept in one answer.
const TEXT = 400;

/** Stores the answers to /away, /back, /mode #channel and /invite. */
export const commandRepliesHandler: EventHandler = (ctx) => {
  const system = (target: string | null, content: string) =>
    ctx.store({ target, sender: null, content: content.slice(0, TEXT), message_type: "system" });
  ctx.client.on("away", (event) => {
    if (event?.self !== true) return;
    system(null, textOf(event.message) || "You are marked as away");
  });
  ctx.client.on("back", (event) => {
    if (event?.self !== true) return;
    system(null, textOf(event.message) || "You are no longer marked as away");
  });
  ctx.client.on("channel info", (event) => {
    if (!isName(event?.channel) || typeof event.raw_modes !== "string") return;
    const params = Array.isArray(event.raw_params)
      ? event.raw_params.filter((p) => typeof p === "string")
      : [];
    system(event.channel, `Modes of ${event.channel}: ${[event.raw_modes, ...params].join(" ")}`);
  });
  ctx.client.on("invited", (event) => {
    if (!isName(event?.nick) || !isName(event?.channel)) return;
    system(event.channel, `${event.nick} has been invited to ${event.channel}`);
  });
};
