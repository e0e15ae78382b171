/**
 * Our own messages, notices and actions when the server does not echo them
 * (no IRCv3 echo-message): irc-framework emits no event for its own sends,
 * but it reports each line it writes, so they are stored as they go out,
 * after flood control, exactly once. With echo-message they are stored
 * when the echo arrives (`message.ts`), never both.
 *
 * @module
 */
import type { EventHandler } from "./context.ts";

const OUTGOING = /^(PRIVMSG|NOTICE) (\S+) :(.*)$/s;

/** Stores what we send when the server will not echo it. */
export const ownMessagesHandler: EventHandler = (ctx) => {
  ctx.client.on("raw", (event) => {
    if (event.from_server) return;
    const match = OUTGOING.exec(event.line.replace(/\r?\n$/, ""));
    if (!match) return;
    if (ctx.client.network.cap.isEnabled("echo-message")) return;
    const [, command, target, text] = match;
    let type: "privmsg" | "notice" | "action" = command === "PRIVMSG" ? "privmsg" : "notice";
    let content = text;
    if (text.startsWith("\x01")) {
      // CTCP: only ACTION is a message; replies and requests are not stored.
      if (command !== "PRIVMSG" || !text.startsWith("\x01ACTION ")) return;
      type = "action";
      content = text.slice(8, text.endsWith("\x01") ? -1 : undefined);
    }
    ctx.store({ target, sender: ctx.me(), content, message_type: type });
  });
};
