/**
 * The IRCv3 capabilities in use on the connection, in the server's window
 * (`system`): all of them once registered, then each change the server
 * announces (cap-notify: CAP NEW, which irc-framework answers with a REQ,
 * then its ACK; and CAP DEL).
 *
 * @module
 */
import type { CapEvent } from "../irc-framework.d.ts";
import type { EventHandler } from "./context.ts";

function named(event: CapEvent | undefined): string[] {
  const caps = event?.capabilities;
  if (typeof caps !== "object" || caps === null) return [];
  return Object.keys(caps).filter((name) => /^[\x21-\x7e]{1,100}$/.test(name));
}

/** Stores what was negotiated, and what changes later. */
export const capabilitiesHandler: EventHandler = (ctx) => {
  let registered = false;
  const system = (content: string) =>
    ctx.store({ target: null, sender: null, content, message_type: "system" });
  ctx.client.on("registered", () => {
    registered = true;
    const enabled = ctx.client.network.cap.enabled.filter((name) => typeof name === "string").sort();
    system(
      enabled.length > 0 ? `Capabilities: ${enabled.join(" ")}` : "The server offers no IRCv3 capabilities",
    );
  });
  ctx.client.on("close", () => {
    registered = false;
  });
  // Before registration these are the negotiation, which the list above sums up.
  ctx.client.on("cap ack", (event) => {
    const caps = named(event);
    if (registered && caps.length > 0) system(`Capabilities added: ${caps.join(" ")}`);
  });
  ctx.client.on("cap del", (event) => {
    const caps = named(event);
    if (registered && caps.length > 0) system(`Capabilities withdrawn by the server: ${caps.join(" ")}`);
  });
};
