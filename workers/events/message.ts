/**
 * PRIVMSG, NOTICE and CTCP ACTION. A private message goes to a query window
 * named after the other side; a notice from the server itself, or a
 * private notice from someone (services, mostly), goes to the server window.
 * Our own messages arrive here too when the server echoes them (IRCv3
 * echo-message); otherwise `ownMessages.ts` stores them as they are sent.
 *
 * @module
 */
import type { ChatEvent } from "../irc-framework.d.ts";
import { type EventHandler, eventTime, isName, textOf } from "./context.ts";

// Longest msgid kept: the specification sets no bound, a hostile server
// could send a kilobyte; real ones send some 20 to 40 characters.
const MAX_MSGID_LENGTH = 200;

/**
 * The IRCv3 `msgid` tag of a line, when it is one worth keeping (a
 * non-empty text of reasonable length); `undefined` otherwise.
 */
export function msgidOf(tags: unknown): string | undefined {
  if (typeof tags !== "object" || tags === null) return undefined;
  const msgid = (tags as Record<string, unknown>).msgid;
  if (typeof msgid !== "string" || msgid === "" || msgid.length > MAX_MSGID_LENGTH) return undefined;
  return msgid;
}

/** Stores messages, notices and actions. */
export const messageHandler: EventHandler = (ctx) => {
  for (const type of ["privmsg", "notice", "action"] as const) {
    ctx.client.on(type, (event: ChatEvent) => {
      const created_at = eventTime(event.time);
      const content = textOf(event.message);
      const msgid = msgidOf(event.tags);
      if (event.from_server || !event.nick) {
        // A server notice ("*** Looking up your hostname", oper notices).
        ctx.store({
          target: null,
          sender: isName(event.hostname) ? event.hostname : null,
          content,
          message_type: type === "notice" ? "system" : type,
          created_at,
          msgid,
        });
        return;
      }
      // A message to no one (`:x!u@h PRIVMSG`) is nowhere to store.
      if (!isName(event.target)) return;
      const mine = ctx.isMe(event.nick);
      let target: string | null;
      if (ctx.isChannel(event.target)) target = event.target;
      else if (mine) target = event.target;
      else if (type === "notice") target = null;
      else target = event.nick;
      ctx.store({ target, sender: event.nick, content, message_type: type, created_at, msgid });
    });
  }
};
