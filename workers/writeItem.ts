/**
 * What the worker stores, one item per IRC event's effect (a message, a
 * channel change, our nick, a change of members), with the checks every
 * item passes before it is queued and what it costs in the writer's memory.
 *
 * @module
 */
import type { ChannelChange } from "../lib/channels.ts";
import type { NewMessageInput } from "../lib/messages.ts";
import type { MembersChange } from "../lib/channelMembers.ts";

// What an event costs besides its text (the objects, the date).
const ITEM_OVERHEAD_BYTES = 200;

/**
 * Something the worker stores: a message, a change of a channel, or our
 * nickname on the server's row. The nickname goes in order with the events
 * (in the same transaction as the nick change's messages when they come
 * together): a page reads the row after taking its place in the log, so a
 * nick change behind that place must already be on the row it reads.
 */
export type WriteItem =
  | { kind: "message"; message: NewMessageInput }
  | { kind: "channel"; name: string; change: ChannelChange }
  | { kind: "nickname"; nick: string }
  | { kind: "members"; change: MembersChange };

/**
 * What `item` holds in memory, roughly: its strings (as UTF-16) and a fixed
 * share per object, as the writer's buffer bound counts it.
 */
export function itemBytes(item: WriteItem): number {
  switch (item.kind) {
    case "message": {
      const m = item.message;
      return ITEM_OVERHEAD_BYTES + 2 * (m.content.length + (m.target?.length ?? 0) + (m.sender?.length ?? 0));
    }
    case "channel":
      return ITEM_OVERHEAD_BYTES + 2 * (item.name.length + (item.change.topic?.length ?? 0));
    case "nickname":
      return ITEM_OVERHEAD_BYTES + 2 * item.nick.length;
    case "members": {
      const change = item.change;
      if (change.kind === "clear") return ITEM_OVERHEAD_BYTES;
      if (change.kind === "remove") {
        return ITEM_OVERHEAD_BYTES + 2 * (change.channel.length + change.nick.length);
      }
      const members = change.kind === "reset" ? change.members : [change.member];
      // A member's fields, roughly: its names and host.
      return ITEM_OVERHEAD_BYTES * (1 + members.length) +
        2 * members.reduce((n, m) => n + m.nick.length + (m.host?.length ?? 0) + (m.away?.length ?? 0), 0);
    }
  }
}

// A name a channel row can have: a non-empty word (no space, no control
// character), of a length IRC allows.
// deno-lint-ignore no-control-regex -- control characters are what is refused
const STORABLE_CHANNEL = /^[^\s,\x00-\x1f\x7f]{1,200}$/;

function isStorableChannelName(name: unknown): name is string {
  return typeof name === "string" && STORABLE_CHANNEL.test(name);
}

const isName = (value: unknown) => typeof value === "string" && value !== "";

const isOptionalText = (value: unknown) => value === null || typeof value === "string";

/**
 * Why `item` cannot be stored (it is dropped, and the reason logged), or
 * `undefined` when it can: what every event handler's output must pass.
 */
export function malformedItem(item: WriteItem): string | undefined {
  switch (item.kind) {
    case "message": {
      const m = item.message;
      if (typeof m.content !== "string" || !isOptionalText(m.target) || !isOptionalText(m.sender)) {
        return `a ${m.message_type} message with missing fields`;
      }
      return undefined;
    }
    case "channel":
      if (!isStorableChannelName(item.name)) return `a channel change with no valid channel name`;
      if (item.change.topic !== undefined && typeof item.change.topic !== "string") {
        return `a topic that is not text for ${item.name}`;
      }
      return undefined;
    case "nickname":
      return typeof item.nick === "string" && item.nick !== "" ? undefined : "a nick change with no nick";
    case "members": {
      const change = item.change;
      if (change.kind === "clear") return undefined;
      if (!isStorableChannelName(change.channel)) return "a member change with no valid channel name";
      if (change.kind === "remove") return isName(change.nick) ? undefined : "a member removed with no nick";
      const members = change.kind === "reset" ? change.members : [change.member];
      return members.every((m) => isName(m.nick) && typeof m.modes === "string")
        ? undefined
        : "a member with no nick";
    }
  }
}
