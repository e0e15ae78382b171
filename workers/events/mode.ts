/**
 * MODE: a channel's mode change is stored in the channel as on the wire
 * (`+o alice`); a change of our own user modes goes to the server window.
 *
 * @module
 */
import { type EventHandler, eventTime, isName } from "./context.ts";

/** Stores mode changes. */
export const modeHandler: EventHandler = (ctx) => {
  ctx.client.on("mode", (event) => {
    if (!isName(event.target)) return;
    const params = Array.isArray(event.raw_params) ? event.raw_params : [];
    const content = [event.raw_modes, ...params].filter((p) => typeof p === "string" && p).join(" ");
    ctx.store({
      target: ctx.isChannel(event.target) ? event.target : null,
      sender: isName(event.nick) ? event.nick : null,
      content,
      message_type: "mode",
      created_at: eventTime(event.time),
    });
    // Prefix modes (+o, -v...) change the members' ranks.
    if (!ctx.isChannel(event.target) || !Array.isArray(event.modes)) return;
    for (const change of event.modes) {
      if (typeof change?.mode !== "string" || !/^[+-].$/.test(change.mode) || !isName(change.param)) continue;
      ctx.users.mode(event.target, change.param, change.mode[1], change.mode[0] === "+");
    }
  });
};
