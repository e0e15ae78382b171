/**
 * The window a line typed in a window opens once the app has taken it:
 * the channel of a `/join`, the query of a `/msg` to someone else, as The
 * Lounge and Kiwi switch to them.
 *
 * @module
 */
import type { IrcCommand } from "../../lib/ircCommand.ts";
import { sameWindow } from "./window.ts";

/** The window `command`, typed in `target`'s window, opens; `undefined` when it stays there. */
export function windowOpened(command: IrcCommand, target: string | null): string | undefined {
  if (command.command === "join") return sameWindow(command.channel, target) ? undefined : command.channel;
  if (command.command === "privmsg" && command.target && !sameWindow(command.target, target)) {
    return command.target;
  }
  return undefined;
}
