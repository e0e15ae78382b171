/**
 * What the server tells of a user between joins, in every channel we share
 * with them: AWAY (away-notify, and our own away replies), ACCOUNT
 * (account-notify), CHGHOST (a new user and host) and SETNAME (a new
 * realname). Nothing is stored as a message; the members are updated.
 *
 * @module
 */
import { type EventHandler, isName, textOf } from "./context.ts";

/** Tracks away state, accounts, hosts and realnames of channel members. */
export const memberInfoHandler: EventHandler = (ctx) => {
  ctx.client.on("away", (event) => {
    // Someone's away message, or (from a WHOIS or a message to them) RPL_AWAY.
    if (!isName(event.nick)) return;
    ctx.users.update(event.nick, { away: textOf(event.message) || "away" });
  });
  ctx.client.on("back", (event) => {
    if (!isName(event.nick)) return;
    ctx.users.update(event.nick, { away: null });
  });
  ctx.client.on("account", (event) => {
    if (!isName(event.nick)) return;
    ctx.users.update(event.nick, { account: isName(event.account) ? event.account : null });
  });
  ctx.client.on("user updated", (event) => {
    if (!isName(event.nick)) return;
    if (isName(event.new_ident) || isName(event.new_hostname)) {
      ctx.users.update(event.nick, {
        ...(isName(event.new_ident) ? { user: event.new_ident } : {}),
        ...(isName(event.new_hostname) ? { host: event.new_hostname } : {}),
      });
    }
    if (typeof event.new_gecos === "string") ctx.users.update(event.nick, { realname: event.new_gecos });
  });
};
