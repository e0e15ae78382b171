/**
 * History from the server (IRCv3 `draft/chathistory`): when we join a
 * channel we have a log of (after a reconnect, or a restart of the worker),
 * the worker asks for what was said after its newest stored message there.
 * The answer is a `chathistory` batch of ordinary PRIVMSG and NOTICE lines,
 * which irc-framework runs through the usual handlers (`events/message.ts`),
 * so they are stored like live ones; their `msgid` keeps a line the server
 * sends twice (in the history and live) from being stored twice. Private
 * conversations have no JOIN: once registered, the worker asks which of
 * them had lines since its newest stored one (`CHATHISTORY TARGETS`), then
 * each one's lines, as for a channel.
 *
 * @module
 */
import type { Client } from "./irc-framework.d.ts";
import type { Db } from "../lib/db/database.ts";
import { errorMessage } from "../lib/log.ts";

/** Most lines asked for a channel, when the server names no smaller limit. */
export const MAX_HISTORY_LINES = 500;

// What can stand as one parameter of our command: no space, no control character.
// deno-lint-ignore no-control-regex -- control characters are what is refused
const COMMAND_WORD = /^[^\s\x00-\x1f\x7f,]+$/;

/** Where a channel's history resumes: its newest stored message. */
export type HistoryMark = { msgid: string } | { time: Date };

/**
 * The newest stored message of `channel` that a server's history would
 * hold (a message, notice or action), as a reference for `CHATHISTORY
 * AFTER`: its msgid when it has one (exact), else its time.
 */
export async function lastHistoryMark(
  db: Db,
  serverId: number,
  channel: string,
): Promise<HistoryMark | undefined> {
  const row = await db.selectFrom("messages").select(["msgid", "created_at"])
    .where("server_id", "=", serverId)
    .where((eb) => eb(eb.fn("lower", ["target"]), "=", channel.toLowerCase()))
    .where("message_type", "in", ["privmsg", "notice", "action"])
    .orderBy("id", "desc").limit(1).executeTakeFirst();
  if (!row) return undefined;
  // A msgid came from the server, tag-unescaped: one with a space or a line
  // break would end our parameter, or our line, where the server put it.
  return row.msgid && COMMAND_WORD.test(row.msgid)
    ? { msgid: row.msgid }
    : { time: new Date(row.created_at) };
}

// Rows read back for the newest time: history stored late (a replay) has
// older times than the lines stored before it, so the last row is not enough.
const RECENT_ROWS = 200;

/** The newest time among the last stored text lines of `serverId`, in any window. */
export async function newestLineTime(db: Db, serverId: number): Promise<Date | undefined> {
  const rows = await db.selectFrom("messages").select("created_at")
    .where("server_id", "=", serverId)
    .where("target", "is not", null)
    .where("message_type", "in", ["privmsg", "notice", "action"])
    .orderBy("seq", "desc").limit(RECENT_ROWS).execute();
  const times = rows.map((r) => new Date(r.created_at).getTime());
  return times.length > 0 ? new Date(Math.max(...times)) : undefined;
}

/** The `CHATHISTORY AFTER` line asking for what followed `mark` in `channel`. */
export function chatHistoryAfter(channel: string, mark: HistoryMark, limit: number): string {
  const ref = "msgid" in mark ? `msgid=${mark.msgid}` : `timestamp=${mark.time.toISOString()}`;
  return `CHATHISTORY AFTER ${channel} ${ref} ${limit}`;
}

/** Most lines to ask for at once: the server's CHATHISTORY token (0: no limit), within ours. */
export function historyLimit(client: Client): number {
  const token = client.network.supports("CHATHISTORY");
  const n = typeof token === "string" && /^[0-9]{1,6}$/.test(token) ? Number(token) : 0;
  return n > 0 ? Math.min(n, MAX_HISTORY_LINES) : MAX_HISTORY_LINES;
}

/**
 * Asks the server for each channel's missed lines as we join it, when it
 * offers `draft/chathistory`. `mark` reads where the channel's log ends;
 * a channel with nothing stored is not asked (nothing was missed that we
 * know of). Failures are only logged: the live channel works without them.
 */
export function listenChatHistory(
  client: Client,
  mark: (channel: string) => Promise<HistoryMark | undefined>,
  warn: (message: string) => void,
): void {
  client.on("join", (event) => {
    if (typeof event.channel !== "string" || event.channel === "") return;
    if (!client.caseCompare(event.nick ?? "", client.user.nick)) return;
    if (!client.network.cap.isEnabled("draft/chathistory")) return;
    // The name as the server echoed it: a word, as a parameter must be.
    if (!COMMAND_WORD.test(event.channel)) return;
    const channel = event.channel;
    mark(channel).then((found) => {
      if (found && client.connected) client.raw(chatHistoryAfter(channel, found, historyLimit(client)));
    }).catch((error) =>
      warn(`history of ${channel} not asked: ${error instanceof Error ? error.message : String(error)}`)
    );
  });
}

/** The `CHATHISTORY TARGETS` line asking which conversations had lines between `from` and `to`. */
export function chatHistoryTargets(from: Date, to: Date, limit: number): string {
  return `CHATHISTORY TARGETS timestamp=${from.toISOString()} timestamp=${to.toISOString()} ${limit}`;
}

/**
 * Asks, at each registration on a server offering `draft/chathistory`,
 * which conversations had lines since `newest` (the newest stored line of
 * any window), and asks each private one (channels are asked as they are
 * joined) for its lines after its own newest stored line, or after
 * `newest` for a conversation begun while we were away.
 */
export function listenQueryHistory(
  client: Client,
  newest: () => Promise<Date | undefined>,
  mark: (target: string) => Promise<HistoryMark | undefined>,
  warn: (message: string) => void,
): void {
  let since: Date | undefined;
  let asking: Promise<void> = Promise.resolve();
  client.on("registered", () => {
    since = undefined;
    if (!client.network.cap.isEnabled("draft/chathistory")) return;
    newest().then((found) => {
      since = found;
      if (found && client.connected) client.raw(chatHistoryTargets(found, new Date(), historyLimit(client)));
    }).catch((error) => warn(`conversations with history not asked: ${errorMessage(error)}`));
  });
  // The answer's lines (`CHATHISTORY TARGETS <target> <time>`), which irc-framework does not know.
  client.on("unknown command", (command) => {
    if (command.command !== "CHATHISTORY" || command.params[0]?.toUpperCase() !== "TARGETS") return;
    const target = command.params[1];
    const from = since;
    if (!from || typeof target !== "string" || !COMMAND_WORD.test(target)) return;
    if (client.network.isChannelName(target)) return;
    // One after the other: the requests, and so the lines stored, keep the answer's order.
    asking = asking.then(() => mark(target)).then((found) => {
      if (client.connected) {
        client.raw(chatHistoryAfter(target, found ?? { time: from }, historyLimit(client)));
      }
    }).catch((error) => warn(`history of ${target} not asked: ${errorMessage(error)}`));
  });
}
