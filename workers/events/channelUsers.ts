/**
 * Who is in which of our channels, from NAMES replies and the joins, parts,
 * kicks, quits and nick changes since: QUIT and NICK name no channel, and
 * are recorded in each channel the user shares with that nick.
 *
 * @module
 */

/** Members of our channels, compared with the server's case mapping. */
export class ChannelUsers {
  readonly #lower: (name: string) => string;
  // lower channel -> { name, lower nick -> nick }
  readonly #channels = new Map<string, { name: string; nicks: Map<string, string> }>();

  /** `lower` lower-cases names as the server does (irc-framework's `caseLower`). */
  constructor(lower: (name: string) => string) {
    this.#lower = lower;
  }

  /** Replaces the members of `channel` (a NAMES reply). */
  set(channel: string, nicks: readonly string[]): void {
    const entry = this.#entry(channel);
    entry.nicks.clear();
    for (const nick of nicks) entry.nicks.set(this.#lower(nick), nick);
  }

  /** `nick` joined `channel`. */
  add(channel: string, nick: string): void {
    this.#entry(channel).nicks.set(this.#lower(nick), nick);
  }

  /** `nick` left `channel`. */
  remove(channel: string, nick: string): void {
    this.#channels.get(this.#lower(channel))?.nicks.delete(this.#lower(nick));
  }

  /** We left `channel`: forget it. */
  forget(channel: string): void {
    this.#channels.delete(this.#lower(channel));
  }

  /** Forgets everything (the connection closed). */
  clear(): void {
    this.#channels.clear();
  }

  /** The channels `nick` is in, as they are named. */
  channelsOf(nick: string): string[] {
    const key = this.#lower(nick);
    const out: string[] = [];
    for (const entry of this.#channels.values()) if (entry.nicks.has(key)) out.push(entry.name);
    return out;
  }

  /** `nick` left IRC; returns the channels it was in. */
  quit(nick: string): string[] {
    const channels = this.channelsOf(nick);
    const key = this.#lower(nick);
    for (const entry of this.#channels.values()) entry.nicks.delete(key);
    return channels;
  }

  /** `from` is now `to`; returns the channels it is in. */
  rename(from: string, to: string): string[] {
    const channels = this.channelsOf(from);
    const fromKey = this.#lower(from);
    for (const entry of this.#channels.values()) {
      if (entry.nicks.delete(fromKey)) entry.nicks.set(this.#lower(to), to);
    }
    return channels;
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
