/**
 * Which lines notify the user, by each window's level: every line, mentions
 * only (the default of a channel; a query's is every line), or none. One
 * rule for the browser's desktop notifications (`islands/notifications.ts`)
 * and the server's pushes (`lib/push/pushSender.ts`): no database here.
 *
 * @module
 */
import { isChannelName } from "../ircCommand.ts";
import { sameIrcName } from "../ircFormat.ts";
import { isMention } from "../highlight.ts";
import type { MessageJson } from "../messages.ts";
import { isSaid } from "../unread.ts";
import { defaultNotifyLevel, notifyKey, type NotifyLevel } from "../userSettings.ts";

/** What deciding about a message needs to know of the user and the window. */
export interface NotifyContext {
  /** The user's nick on the message's server. */
  nick: string;
  /** Their highlight words. */
  words: readonly string[];
  /** The levels chosen per window (`notifyKey`), the default where none is. */
  levels: Readonly<Record<string, NotifyLevel>>;
  /** The server's name, for the notification's title. */
  serverName: string;
}

/** Whether `message` is one to notify of, whatever the tab and the permission. */
export function worthNotifying(message: MessageJson, context: NotifyContext): boolean {
  const target = message.target;
  if (target === null || !isSaid(message.message_type) || sameIrcName(message.sender, context.nick)) {
    return false;
  }
  const level = context.levels[notifyKey(message.server_id, target)] ??
    defaultNotifyLevel(isChannelName(target));
  if (level === "none") return false;
  return level === "all" || isMention(message, context.nick, context.words);
}
