/**
 * The channels we are in, to rejoin after a reconnect: those the database
 * had at start, then our own joins, parts and kicks as the event handlers
 * report them (`changeChannel`), so they are told apart once.
 *
 * @module
 */
import type { ChannelChange } from "../lib/channels.ts";
import { isChannelName } from "../lib/ircCommand.ts";
import { joinLines } from "./messageLines.ts";

/** Our channels, matched case-insensitively, each named as it was joined. */
export class OwnChannels {
  readonly #names = new Map<string, string>(); // lower-case name -> name

  /** Adds `names` (the channels the database says we are in). */
  load(names: Iterable<string>): void {
    for (const name of names) this.apply(name, { joined: true });
  }

  /**
   * Applies a change of the channel `name` that a handler reported. A name
   * the server sent is kept only when a join command could carry it: it is
   * sent back on rejoin.
   */
  apply(name: string, change: ChannelChange): void {
    if (change.joined === true && isChannelName(name)) this.#names.set(name.toLowerCase(), name);
    else if (change.joined === false) this.#names.delete(name.toLowerCase());
  }

  /** How many channels there are. */
  get size(): number {
    return this.#names.size;
  }

  /** The JOIN lines that rejoin every channel, several channels to a line. */
  rejoinLines(): string[] {
    return joinLines([...this.#names.values()]);
  }
}
