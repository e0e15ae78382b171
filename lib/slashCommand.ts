/**
 * What the user typed in a message box, turned into a command of the socket
 * protocol: plain text is a message to the current target, and a line
 * starting with `/` is a slash command. The API's messages route and the web
 * UI share this, so `/me waves` means the same everywhere.
 *
 * | typed | command |
 * | --- | --- |
 * | `hello` | `privmsg` to the current target |
 * | `//etc` | `privmsg` of `/etc` (a leading `/` escaped) |
 * | `/say text` | `privmsg` to the current target |
 * | `/me waves` | `action` to the current target |
 * | `/msg nick text` | `privmsg` to `nick` |
 * | `/notice target text` | `notice` |
 * | `/join #channel` (`/j`; `#` added when missing) | `join` |
 * | `/part [#channel] [message]` (`/leave`) | `part`, of the current channel by default |
 * | `/nick newnick` | `nick` |
 * | `/quit [message]` | `quit` |
 * | `/search words` | none: the web UI opens the results page ({@link searchQueryOf}) |
 *
 * @module
 */
import { type IrcCommand, isChannelName, validateCommand } from "./ircCommand.ts";

/** The parsed input: a valid command, or why there is none. */
export type SlashCommandResult = { ok: true; command: IrcCommand } | { ok: false; error: string };

/** The slash commands understood, for help texts. */
export const SLASH_COMMANDS = ["join", "part", "msg", "notice", "me", "nick", "quit", "say"] as const;

/** Whether `command` produces a message that is stored and shown (text sent to a target). */
export function storesMessage(command: IrcCommand): command is Extract<IrcCommand, { target: string }> {
  return command.command === "privmsg" || command.command === "notice" || command.command === "action";
}

/**
 * The query of a `/search words` line, or `null` for any other line. It is
 * no IRC command: the web UI opens `/search?q=words` with it, and the API
 * refuses it with where to search instead.
 */
export function searchQueryOf(content: string): string | null {
  const match = /^\/search(?:\s+([\s\S]*))?$/i.exec(content);
  return match ? (match[1] ?? "").trim() : null;
}

/**
 * Turns `content`, typed while `target` (a channel or nick, or `null` for
 * the server's own window) is open, into a command. Every command it returns
 * has passed `validateCommand`.
 */
export function parseSlashCommand(content: string, target: string | null): SlashCommandResult {
  if (content.trim() === "") return fail("content must not be empty");
  if (!content.startsWith("/") || content.startsWith("//")) {
    const text = content.startsWith("//") ? content.slice(1) : content;
    return message("privmsg", target, text);
  }
  const match = /^\/(\S+)(?:\s+([\s\S]*))?$/.exec(content);
  if (!match) return fail("a command name must follow /");
  const name = match[1].toLowerCase();
  const rest = (match[2] ?? "").trim();
  const [first, remainder] = splitWord(rest);
  switch (name) {
    case "say":
      return rest ? message("privmsg", target, rest) : fail("Usage: /say text");
    case "me":
      return rest ? message("action", target, rest) : fail("Usage: /me action");
    case "msg":
      if (!first || !remainder) return fail("Usage: /msg nick text");
      return valid({ command: "privmsg", target: first, message: remainder });
    case "notice":
      if (!first || !remainder) return fail("Usage: /notice target text");
      return valid({ command: "notice", target: first, message: remainder });
    case "j":
    case "join": {
      if (!first) return fail("Usage: /join #channel");
      const channel = /^[#&+!]/.test(first) ? first : `#${first}`;
      return valid({ command: "join", channel });
    }
    case "leave":
    case "part": {
      if (first && isChannelName(first)) return valid(part(first, remainder));
      if (target && isChannelName(target)) return valid(part(target, rest));
      return fail("Usage: /part [#channel] [message] (from a channel, or naming one)");
    }
    case "nick":
      if (!first || remainder) return fail("Usage: /nick newnick");
      return valid({ command: "nick", nickname: first });
    case "quit":
      return valid({ command: "quit", message: rest || null });
    case "search":
      return fail("/search is the web UI's: search with GET /api/search?q=words");
    default:
      return fail(`Unknown command /${name.slice(0, 32)} (known: /${SLASH_COMMANDS.join(", /")})`);
  }
}

function part(channel: string, message: string): IrcCommand {
  return { command: "part", channel, message: message || null };
}

function message(command: "privmsg" | "action", target: string | null, text: string): SlashCommandResult {
  if (!target) return fail("target is required to send a message");
  return valid({ command, target, message: text });
}

function splitWord(text: string): [string, string] {
  const match = /^(\S+)(?:\s+([\s\S]*))?$/.exec(text);
  return match ? [match[1], (match[2] ?? "").trim()] : ["", ""];
}

function valid(command: IrcCommand): SlashCommandResult {
  const checked = validateCommand(command);
  return checked.ok ? { ok: true, command } : fail(checked.error);
}

function fail(error: string): SlashCommandResult {
  return { ok: false, error };
}
