/**
 * Which stored message a line typed in a window becomes there: the text of
 * a plain line, `/say`, `/me` or a `/msg` to the window's own target. With
 * it a window tells that a live message is the user's own pending line
 * (echo-message brings it before the send is answered, or after a `202`),
 * so the line shows once, without a gap.
 *
 * @module
 */
import type { MessageJson } from "../../lib/messages.ts";
import { sameIrcName } from "../../lib/ircFormat.ts";
import { parseSlashCommand, storesMessage } from "../../lib/slashCommand.ts";

/** What a typed line is stored as in its own window. */
export interface ExpectedEcho {
  type: "privmsg" | "notice" | "action";
  text: string;
}

/** The message `content` typed in `target` is stored as there, or `undefined` (a command, another window). */
export function expectedEcho(content: string, target: string | null): ExpectedEcho | undefined {
  const parsed = parseSlashCommand(content, target);
  if (!parsed.ok || !storesMessage(parsed.command) || !sameIrcName(parsed.command.target, target)) {
    return undefined;
  }
  return { type: parsed.command.command, text: parsed.command.message };
}

/**
 * Whether `message`, said by `nick`, is (the first part of) the line
 * `echo` describes: a long line is stored as several messages.
 */
export function isEchoOf(message: MessageJson, nick: string, echo: ExpectedEcho): boolean {
  return sameIrcName(message.sender, nick) && message.message_type === echo.type &&
    message.content !== "" && (message.content === echo.text || echo.text.startsWith(message.content));
}
