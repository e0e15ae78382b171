/**
 * Every IRC event handler, registered in one call.
 *
 * @module
 */
import type { EventContext, EventHandler } from "./context.ts";
import { capabilitiesHandler } from "./capabilities.ts";
import { inviteHandler } from "./invite.ts";
import { joinHandler } from "./join.ts";
import { kickHandler } from "./kick.ts";
import { commandRepliesHandler } from "./commandReplies.ts";
import { memberInfoHandler } from "./memberInfo.ts";
import { messageHandler } from "./message.ts";
import { modeHandler } from "./mode.ts";
import { namesHandler } from "./names.ts";
import { nickHandler } from "./nick.ts";
import { ownMessagesHandler } from "./ownMessages.ts";
import { partHandler } from "./part.ts";
import { quitHandler } from "./quit.ts";
import { serverMessagesHandler } from "./serverMessages.ts";
import { topicHandler } from "./topic.ts";

/** The handlers, in the order they are registered. */
export const HANDLERS: readonly EventHandler[] = [
  namesHandler,
  messageHandler,
  ownMessagesHandler,
  joinHandler,
  partHandler,
  kickHandler,
  // Quits and nick changes read the members before they are updated.
  quitHandler,
  nickHandler,
  topicHandler,
  modeHandler,
  memberInfoHandler,
  serverMessagesHandler,
  commandRepliesHandler,
  inviteHandler,
  capabilitiesHandler,
];

/** Registers every handler on `context`. */
export function registerEventHandlers(context: EventContext): void {
  for (const handler of HANDLERS) handler(context);
}
