/**
 * What one push carries to the service worker (`static/sw.js`): enough to
 * show the line and open its window, and little more, since the push
 * service holds it while the browser is away and payloads are bounded
 * (4 KB after encryption).
 *
 * @module
 */
import { stripIrcFormatting } from "../ircFormat.ts";
import type { MessageJson } from "../messages.ts";

/** Characters of a line's text a push carries; longer ones are cut with an ellipsis. */
export const PUSH_TEXT_CHARS = 200;

/** The JSON of a push. */
export interface PushPayload {
  /** The format's version. */
  v: 1;
  /** The message's id; its notification is tagged `ircweb-message-<id>`, as the desktop one is. */
  id: number;
  server_id: number;
  /** The server's name in the app. */
  network: string;
  /** The channel or query. */
  window: string;
  nick: string | null;
  kind: MessageJson["message_type"];
  /** The text without IRC formatting, at most {@link PUSH_TEXT_CHARS} characters. */
  text: string;
  /** The window's page, the notification's click opens it. */
  url: string;
}

/** The page of `target` on `serverId`, as the navigation links it. */
export function windowPath(serverId: number, target: string): string {
  return `/servers/${serverId}/chat/${encodeURIComponent(target)}`;
}

/** The push of `message` (which has a target) on the server named `network`. */
export function pushPayload(message: MessageJson & { target: string }, network: string): PushPayload {
  const chars = [...stripIrcFormatting(message.content)];
  const text = chars.length > PUSH_TEXT_CHARS
    ? `${chars.slice(0, PUSH_TEXT_CHARS - 1).join("")}…`
    : chars.join("");
  return {
    v: 1,
    id: message.id,
    server_id: message.server_id,
    network: [...network].slice(0, 100).join(""),
    window: message.target,
    nick: message.sender,
    kind: message.message_type,
    text,
    url: windowPath(message.server_id, message.target),
  };
}
