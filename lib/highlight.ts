/**
 * What highlights the user: their nick on the line's network, or one of
 * their own highlight words, each as a whole word (as IRC folds case). A
 * private message always does. Shared by the server (unread mentions after
 * a reload) and the browser (the navigation, notifications): no database
 * here, so the islands bundle can take it.
 *
 * @module
 */
import { isChannelName } from "./ircCommand.ts";
import { mentionsNick, sameIrcName } from "./ircFormat.ts";
import { isSaid } from "./unread.ts";
import type { MessageJson } from "./messages.ts";

/** Whether `text` names `nick` or one of `words` as a whole word. */
export function highlights(text: string, nick: string, words: readonly string[] = []): boolean {
  return mentionsNick(text, nick) || words.some((word) => mentionsNick(text, word));
}

/** The parts of a message {@link isMention} judges. */
export type SaidLine = Pick<MessageJson, "target" | "sender" | "content" | "message_type">;

/**
 * Whether `message`, on a network where the user is `nick`, is something
 * said to them: a private line, or a line that highlights them; never their own.
 */
export function isMention(message: SaidLine, nick: string, words: readonly string[] = []): boolean {
  if (!isSaid(message.message_type) || message.target === null || sameIrcName(message.sender, nick)) {
    return false;
  }
  return !isChannelName(message.target) || highlights(message.content, nick, words);
}
