/**
 * One IRC event handler on a real irc-framework client, fed the lines a
 * server sends through irc-framework's own parser and command handlers,
 * and storing into a sink that holds each item to what the real
 * `EventWriter` accepts.
 */
// @ts-types="../../../workers/irc-framework.d.ts"
import ircFramework from "irc-framework";
import type { Client } from "../../../workers/irc-framework.d.ts";
import { ChannelUsers } from "../../../workers/events/channelUsers.ts";
import type { EventHandler } from "../../../workers/events/context.ts";
import { malformedItem, type WriteItem } from "../../../workers/writeItem.ts";
import type { ChannelChange } from "../../../lib/channels.ts";
import type { NewMessageInput } from "../../../lib/messages.ts";
import type { MembersChange } from "../../../lib/channelMembers.ts";
import { assertEquals } from "../../support/assert.ts";

/** What {@link harness} gives a test. */
export interface Harness {
  client: Client;
  users: ChannelUsers;
  /** The messages stored, in order. */
  stored: NewMessageInput[];
  /** The channel changes recorded, in order. */
  changes: { name: string; change: ChannelChange }[];
  /** The member changes handed to the writer, in order. */
  memberChanges: MembersChange[];
  /** Feeds one line from the server (without CRLF). */
  line(raw: string): void;
  /** Emits `event` as irc-framework would, with any payload (a malformed one). */
  emit(event: string, payload: unknown): void;
  /** The stored messages as `[type, target, sender, content]`. */
  brief(): (string | null)[][];
}

/** `handlers` registered on a fresh client whose nick is `nick`. */
export function harness(handlers: EventHandler[], nick = "tester"): Harness {
  const client = new ircFramework.Client();
  client.user.nick = nick;
  const memberChanges: MembersChange[] = [];
  const users = new ChannelUsers((name) => client.caseLower(name), {
    prefixes: () => client.network.options.PREFIX ?? [],
    onChange(change) {
      append({ kind: "members", change });
      memberChanges.push(change);
    },
  });
  // Every item must be what the writer stores, not what it drops.
  const append = (item: WriteItem) => assertEquals(malformedItem(item), undefined, JSON.stringify(item));
  const stored: NewMessageInput[] = [];
  const changes: { name: string; change: ChannelChange }[] = [];
  for (const handler of handlers) {
    handler({
      client,
      users,
      me: () => client.user.nick,
      isMe: (name) => name !== undefined && name !== "" && client.caseCompare(name, client.user.nick),
      isChannel: (name) => client.network.isChannelName(name),
      store(message) {
        append({ kind: "message", message });
        stored.push(message);
      },
      changeChannel(name, change) {
        append({ kind: "channel", name, change });
        changes.push({ name, change });
      },
    });
  }
  const connection = client.connection as unknown as { addReadBuffer(line: string): void };
  return {
    client,
    users,
    stored,
    changes,
    memberChanges,
    line: (raw) => connection.addReadBuffer(raw),
    emit: (event, payload) =>
      (client as unknown as { emit(e: string, p: unknown): void }).emit(event, payload),
    brief: () => stored.map((m) => [m.message_type, m.target, m.sender, m.content]),
  };
}
