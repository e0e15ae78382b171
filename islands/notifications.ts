/// <reference lib="dom" />
/**
 * Desktop notifications (the Notification API) of what is said to the user
 * while the tab is hidden, by each window's level: every line, mentions
 * only (the default of a channel; a query's is every line), or none. Each is
 * tagged with its message, so the hidden tabs of one browser that all see
 * it raise one notification between them; a click opens its window.
 *
 * @module
 */
import { isChannelName } from "../lib/ircCommand.ts";
import { sameIrcName, stripIrcFormatting } from "../lib/ircFormat.ts";
import { isMention } from "../lib/highlight.ts";
import type { MessageJson } from "../lib/messages.ts";
import { isSaid } from "../lib/unread.ts";
import { defaultNotifyLevel, notifyKey, type NotifyLevel } from "../lib/userSettings.ts";

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

/** Whether the browser lets the app notify, asks first, or refuses (or has no notifications). */
export function notificationPermission(): NotificationPermission | "unsupported" {
  return typeof Notification === "undefined" ? "unsupported" : Notification.permission;
}

/** Asks the user for permission to notify (from a click); what they answered. */
export async function askNotificationPermission(): Promise<NotificationPermission | "unsupported"> {
  if (typeof Notification === "undefined") return "unsupported";
  return await Notification.requestPermission();
}

/** Raises the notification of `message` if it is one and the tab is hidden; whether it did. */
export function notifyIfHidden(message: MessageJson, context: NotifyContext, windowUrl: string): boolean {
  if (typeof document === "undefined" || document.visibilityState !== "hidden") return false;
  if (notificationPermission() !== "granted" || !worthNotifying(message, context)) return false;
  const where = message.target && isChannelName(message.target) ? `${message.target} · ` : "";
  const body = stripIrcFormatting(message.content).slice(0, 300);
  try {
    const notification = new Notification(`${where}${message.sender ?? context.serverName}`, {
      body: message.message_type === "action" ? `* ${message.sender} ${body}` : body,
      tag: `ircweb-message-${message.id}`,
    });
    notification.onclick = () => {
      globalThis.focus();
      if (location.pathname !== windowUrl) location.assign(windowUrl);
      notification.close();
    };
    return true;
  } catch {
    // Some browsers allow notifications only from a service worker.
    return false;
  }
}
