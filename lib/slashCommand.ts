/**
 * What the user typed in a message box, turned into a command of the socket
 * protocol: plain text is a message to the current target, a line starting
 * with `/` a slash command (the table is docs/api.md, "Slash commands"). The
 * API's messages route and the web UI share it.
 *
 * @module
 */
import { type IrcCommand, isChannelName, isQueryTarget, validateCommand } from "./ircCommand.ts";

/** The parsed input: a valid command, or why there is none. */
export type SlashCommandResult = { ok: true; command: IrcCommand } | { ok: false; error: string };

/** The slash commands understood, for help texts and completion. */
export const SLASH_COMMANDS = [
  "join",
  "part",
  "msg",
  "query",
  "notice",
  "me",
  "nick",
  "whois",
  "list",
  "topic",
  "mode",
  "op",
  "deop",
  "voice",
  "devoice",
  "invite",
  "away",
  "back",
  "kick",
  "ban",
  "unban",
  "ignore",
  "unignore",
  "raw",
  "quote",
  "search",
  "say",
  "quit",
  "help",
] as const;

/** `/help`'s lines: how to type each command, and what it does. */
export const SLASH_HELP: readonly (readonly [usage: string, meaning: string])[] = [
  ["/join #channel", "join a channel (/j)"],
  ["/part [#channel] [reason]", "leave this channel or the one named (/leave)"],
  ["/msg nick text", "send a private message"],
  ["/query nick [text]", "open a private window with nick"],
  ["/notice target text", "send a notice"],
  ["/me action", "say what you do"],
  ["/nick newnick", "change your nick"],
  ["/whois nick", "who is nick (answered here) (/wi)"],
  ["/list [filter]", "browse the network's channels"],
  ["/topic [#channel] [text]", "set the topic, or show it"],
  ["/mode [target] [modes [params]]", "change or show modes"],
  ["/op, /deop, /voice, /devoice nick", "give or take +o / +v here"],
  ["/invite nick [#channel]", "invite nick here or to the channel named"],
  ["/away [message]", "mark yourself away; /back (or /away alone) to return"],
  ["/kick [#channel] nick [reason]", "kick nick from the channel"],
  ["/ban [#channel] nick|mask", "ban nick!*@* or the mask (+b); /unban to lift it"],
  ["/ignore [nick]", "hide nick's messages (* and ? match any); alone: the list"],
  ["/unignore nick", "show nick's messages again"],
  ["/raw line", "send any IRC line as typed (/quote)"],
  ["/search words", "search the history"],
  ["/say text", "send text that starts with /"],
  ["/quit [message]", "disconnect from this server"],
  ["/help", "this list"],
];

/**
 * A line that is the web app's own rather than IRC's (or not only IRC's):
 * the UI and the API carry these out themselves.
 */
export type AppCommand =
  | { kind: "help" }
  | { kind: "query"; nick: string; text: string }
  | { kind: "ignore"; mask: string | null }
  | { kind: "unignore"; mask: string };

/**
 * The app's own command in `content` (see {@link AppCommand}), `null` for
 * any other line, or why it is mistyped.
 */
export function appCommandOf(content: string): AppCommand | { kind: "error"; error: string } | null {
  const match = /^\/(help|query|q|ignore|unignore)(?:\s+([\s\S]*))?$/i.exec(content);
  if (!match) return null;
  const [first, remainder] = splitWord((match[2] ?? "").trim());
  switch (match[1].toLowerCase()) {
    case "help":
      return { kind: "help" };
    case "q":
    case "query":
      if (!first || !isQueryTarget(first)) return { kind: "error", error: "Usage: /query nick [text]" };
      return { kind: "query", nick: first, text: remainder };
    case "ignore":
      if (remainder) return { kind: "error", error: "Usage: /ignore [nick] (one nick or pattern)" };
      return { kind: "ignore", mask: first || null };
    default:
      if (!first || remainder) return { kind: "error", error: "Usage: /unignore nick" };
      return { kind: "unignore", mask: first };
  }
}

/** Whether `command` produces a message that is stored and shown (text sent to a target). */
export function storesMessage(
  command: IrcCommand,
): command is Extract<IrcCommand, { command: "privmsg" | "notice" | "action" }> {
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
    case "q":
    case "query":
      if (!first) return fail("Usage: /query nick [text]");
      if (!remainder) {
        return fail(`/query ${first} opens a window in the web UI; to send, /query ${first} text`);
      }
      return valid({ command: "privmsg", target: first, message: remainder });
    case "wi":
    case "whois":
      if (!first || remainder) return fail("Usage: /whois nick");
      return valid({ command: "whois", nickname: first, window: target });
    case "list":
      if (remainder) return fail("Usage: /list [filter] (one word, like >100 or #rust*)");
      return valid({ command: "list", filter: first || null });
    case "topic": {
      if (first && isChannelName(first)) {
        return valid({ command: "topic", channel: first, topic: remainder || null });
      }
      if (target && isChannelName(target)) {
        return valid({ command: "topic", channel: target, topic: rest || null });
      }
      return fail("Usage: /topic [#channel] [text] (from a channel, or naming one)");
    }
    case "mode": {
      const words = rest.split(/\s+/).filter((w) => w !== "");
      // `/mode +m` and `/mode` alone are about the current channel.
      const named = words.length > 0 && !/^[+-]/.test(words[0]);
      const modeTarget = named ? words[0] : target;
      if (!modeTarget) return fail("Usage: /mode [target] [modes [params]]");
      const [modes, ...params] = named ? words.slice(1) : words;
      return valid({ command: "mode", target: modeTarget, modes: modes ?? null, params });
    }
    case "op":
    case "deop":
    case "voice":
    case "devoice": {
      const nicks = rest.split(/\s+/).filter((w) => w !== "");
      if (!target || !isChannelName(target) || nicks.length === 0) {
        return fail(`Usage: /${name} nick... (in a channel)`);
      }
      const mode = `${name.startsWith("de") ? "-" : "+"}${name.endsWith("op") ? "o" : "v"}`;
      return valid({ command: "mode", target, modes: mode[0] + mode[1].repeat(nicks.length), params: nicks });
    }
    case "invite": {
      const channel = remainder || target;
      if (!first || !channel || !isChannelName(channel)) return fail("Usage: /invite nick [#channel]");
      return valid({ command: "invite", nickname: first, channel });
    }
    case "away":
      return valid({ command: "away", message: rest || null });
    case "back":
      return valid({ command: "away", message: null });
    case "kick": {
      if (first && isChannelName(first)) {
        const [nick, reason] = splitWord(remainder);
        if (!nick) return fail("Usage: /kick [#channel] nick [reason]");
        return valid({ command: "kick", channel: first, nickname: nick, message: reason || null });
      }
      if (!first || !target || !isChannelName(target)) return fail("Usage: /kick [#channel] nick [reason]");
      return valid({ command: "kick", channel: target, nickname: first, message: remainder || null });
    }
    case "ban":
    case "unban": {
      const [channel, who] = first && isChannelName(first) ? [first, remainder] : [target, rest];
      if (!channel || !isChannelName(channel) || !who || /\s/.test(who)) {
        return fail(`Usage: /${name} [#channel] nick-or-mask`);
      }
      return valid({
        command: "mode",
        target: channel,
        modes: name === "ban" ? "+b" : "-b",
        params: [banMask(who)],
      });
    }
    case "quote":
    case "raw":
      if (!rest) return fail(`Usage: /${name} IRC line`);
      return valid({ command: "raw", line: rest });
    case "help":
    case "ignore":
    case "unignore":
      return fail(`/${name} is the web app's own: carried out by the messages route and the web UI`);
    default:
      return fail(`Unknown command /${name.slice(0, 32)} (known: /${SLASH_COMMANDS.join(", /")})`);
  }
}

/** The ban mask for `who`: a mask as given (it has `!` or `@`), else `nick!*@*`. */
export function banMask(who: string): string {
  return /[!@]/.test(who) ? who : `${who}!*@*`;
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
