/**
 * MODE: a channel's mode change is stored in the channel as on the wire
 * (`+o alice`); a change of our own user modes goes to the server window.
 *
 * @module
 */
import { type EventHandler, eventTime } from "./context.ts";

/** Stores mode changes. */
export const modeHandler: EventHandler = (ctx) => {
  ctx.client.on("mode", (event) => {
    const content = [event.raw_modes, ...(event.raw_params ?? [])].filter((p) => p).join(" ");
    ctx.store({
      target: ctx.isChannel(event.target) ? event.target : null,
      sender: event.nick || null,
      content,
      message_type: "mode",
      created_at: eventTime(event.time),
    });
  });
};
