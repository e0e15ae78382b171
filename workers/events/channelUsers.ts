/**
 * Who is in which of our channels, from NAMES replies and the changes since,
 * with what the server tells of each member (prefixes, user and host,
 * account, away, realname); QUIT, NICK, AWAY, ACCOUNT, CHGHOST and SETNAME
 * apply to each channel shared with that nick. Each change is handed on as
 * whole rows (`onChange`) for the worker to store with the messages.
 *
 * @module
 */
import type { Member, MembersChange } from "../../lib/channelMembers.ts";

/** One prefix of the server's PREFIX (005): a channel mode and its symbol. */
export interface Prefix {
  symbol: string;
  mode: string;
}

/** What a member is known by, from NAMES, JOIN or a later change. */
export type MemberInfo = Partial<Omit<Member, "nick" | "modes" | "prefix" | "rank">>;

/** Options of {@link ChannelUsers}. */
export interface ChannelUsersOptions {
  /** The server's prefixes, highest first (irc-framework's `network.options.PREFIX`). */
  prefixes?: () => readonly Prefix[];
  /** Told of every change, as the rows to store. */
  onChange?: (change: MembersChange) => void;
}

/** The conventional prefixes, when the server named none. */
const DEFAULT_PREFIXES: readonly Prefix[] = [{ symbol: "@", mode: "o" }, { symbol: "+", mode: "v" }];

// A member as held: its modes as a set of letters.
interface Held {
  nick: string;
  modes: Set<string>;
  info: Required<MemberInfo>;
}

/** Members of our channels, compared with the server's case mapping. */
export class ChannelUsers {
  readonly #lower: (name: string) => string;
  readonly #prefixes: () => readonly Prefix[];
  readonly #onChange: (change: MembersChange) => void;
  // lower channel -> { name, lower nick -> member }
  readonly #channels = new Map<string, { name: string; nicks: Map<string, Held> }>();

  /** `lower` lower-cases names as the server does (irc-framework's `caseLower`). */
  constructor(lower: (name: string) => string, options: ChannelUsersOptions = {}) {
    this.#lower = lower;
    this.#prefixes = options.prefixes ?? (() => DEFAULT_PREFIXES);
    this.#onChange = options.onChange ?? (() => {});
  }

  /** Replaces the members of `channel` (a NAMES reply); `modes` are mode letters (`o`, `v`). */
  set(
    channel: string,
    members: readonly (string | ({ nick: string; modes?: readonly string[] } & MemberInfo))[],
  ): void {
    const entry = this.#entry(channel);
    entry.nicks.clear();
    for (const member of members) {
      const m = typeof member === "string" ? { nick: member } : member;
      entry.nicks.set(this.#lower(m.nick), {
        nick: m.nick,
        modes: new Set(m.modes ?? []),
        info: fullInfo(m),
      });
    }
    this.#onChange({
      kind: "reset",
      channel: entry.name,
      members: [...entry.nicks.values()].map((held) => this.#row(held)),
    });
  }

  /**
   * We joined `channel` (as `nick`): its members are us alone until the
   * NAMES reply that follows, which hands the list on. Nothing is handed
   * on here: the stored list has no rows of a channel we were not in (our
   * part, kick and the connection's close cleared them), and 10,000 joins
   * of ours must not cost 10,000 more writes.
   */
  joined(channel: string, nick: string, info: MemberInfo = {}): void {
    const entry = this.#entry(channel);
    entry.nicks.clear();
    entry.nicks.set(this.#lower(nick), { nick, modes: new Set(), info: fullInfo(info) });
  }

  /** `nick` joined `channel`. */
  add(channel: string, nick: string, info: MemberInfo = {}): void {
    const entry = this.#entry(channel);
    const key = this.#lower(nick);
    const before = entry.nicks.get(key);
    if (before && before.nick !== nick) {
      this.#onChange({ kind: "remove", channel: entry.name, nick: before.nick });
    }
    const held = { nick, modes: new Set<string>(), info: fullInfo({ ...this.#known(nick), ...info }) };
    entry.nicks.set(key, held);
    this.#onChange({ kind: "put", channel: entry.name, member: this.#row(held) });
  }

  /** `nick` left `channel`. */
  remove(channel: string, nick: string): void {
    const entry = this.#channels.get(this.#lower(channel));
    const held = entry?.nicks.get(this.#lower(nick));
    if (!entry || !held) return;
    entry.nicks.delete(this.#lower(nick));
    this.#onChange({ kind: "remove", channel: entry.name, nick: held.nick });
  }

  /** We left `channel`: forget it. */
  forget(channel: string): void {
    const entry = this.#channels.get(this.#lower(channel));
    if (!entry) return;
    this.#channels.delete(this.#lower(channel));
    this.#onChange({ kind: "reset", channel: entry.name, members: [] });
  }

  /** Forgets everything (the connection closed). */
  clear(): void {
    this.#channels.clear();
    this.#onChange({ kind: "clear" });
  }

  /** The channels `nick` is in, as they are named. */
  channelsOf(nick: string): string[] {
    const key = this.#lower(nick);
    const out: string[] = [];
    for (const entry of this.#channels.values()) if (entry.nicks.has(key)) out.push(entry.name);
    return out;
  }

  /** The members of `channel`, as stored, in no particular order. */
  members(channel: string): Member[] {
    const entry = this.#channels.get(this.#lower(channel));
    return entry ? [...entry.nicks.values()].map((held) => this.#row(held)) : [];
  }

  /** `nick` left IRC; returns the channels it was in. */
  quit(nick: string): string[] {
    const channels = this.channelsOf(nick);
    const key = this.#lower(nick);
    for (const entry of this.#channels.values()) {
      const held = entry.nicks.get(key);
      if (!held) continue;
      entry.nicks.delete(key);
      this.#onChange({ kind: "remove", channel: entry.name, nick: held.nick });
    }
    return channels;
  }

  /** `from` is now `to`; returns the channels it is in. */
  rename(from: string, to: string): string[] {
    const channels = this.channelsOf(from);
    const fromKey = this.#lower(from);
    for (const entry of this.#channels.values()) {
      const held = entry.nicks.get(fromKey);
      if (!held) continue;
      entry.nicks.delete(fromKey);
      const renamed = { ...held, nick: to };
      entry.nicks.set(this.#lower(to), renamed);
      this.#onChange({ kind: "remove", channel: entry.name, nick: held.nick });
      this.#onChange({ kind: "put", channel: entry.name, member: this.#row(renamed) });
    }
    return channels;
  }

  /**
   * A channel mode was set (`+o`) or unset on `nick` in `channel`; modes
   * that are not prefixes of this server change nothing.
   */
  mode(channel: string, nick: string, mode: string, add: boolean): void {
    if (!this.#prefixes().some((p) => p.mode === mode)) return;
    const entry = this.#channels.get(this.#lower(channel));
    const held = entry?.nicks.get(this.#lower(nick));
    if (!entry || !held || held.modes.has(mode) === add) return;
    if (add) held.modes.add(mode);
    else held.modes.delete(mode);
    this.#onChange({ kind: "put", channel: entry.name, member: this.#row(held) });
  }

  /** What is known of `nick` changed (AWAY, ACCOUNT, CHGHOST, SETNAME), in every shared channel. */
  update(nick: string, info: MemberInfo): void {
    const key = this.#lower(nick);
    for (const entry of this.#channels.values()) {
      const held = entry.nicks.get(key);
      if (!held) continue;
      const next = fullInfo({ ...held.info, ...info });
      if (sameInfo(next, held.info)) continue;
      held.info = next;
      this.#onChange({ kind: "put", channel: entry.name, member: this.#row(held) });
    }
  }

  // What another channel already knows of `nick` (a join names no away state).
  #known(nick: string): MemberInfo {
    const key = this.#lower(nick);
    for (const entry of this.#channels.values()) {
      const held = entry.nicks.get(key);
      if (held) return held.info;
    }
    return {};
  }

  #row(held: Held): Member {
    const prefixes = this.#prefixes();
    const mine = prefixes.filter((p) => held.modes.has(p.mode));
    const first = prefixes.findIndex((p) => held.modes.has(p.mode));
    return {
      nick: held.nick,
      modes: mine.map((p) => p.mode).join(""),
      prefix: mine.map((p) => p.symbol).join(""),
      rank: first === -1 ? prefixes.length : first,
      ...held.info,
    };
  }

  #entry(channel: string) {
    const key = this.#lower(channel);
    let entry = this.#channels.get(key);
    if (!entry) {
      entry = { name: channel, nicks: new Map() };
      this.#channels.set(key, entry);
    }
    return entry;
  }
}

// Every field, in the order a stored row has them (a replayed event must read as it did live).
function fullInfo(info: MemberInfo): Required<MemberInfo> {
  return {
    user: textOrNull(info.user),
    host: textOrNull(info.host),
    account: textOrNull(info.account),
    away: textOrNull(info.away),
    realname: textOrNull(info.realname),
  };
}

function textOrNull(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value : null;
}

function sameInfo(a: Required<MemberInfo>, b: Required<MemberInfo>): boolean {
  return a.user === b.user && a.host === b.host && a.account === b.account && a.away === b.away &&
    a.realname === b.realname;
}
