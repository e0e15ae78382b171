/**
 * The answer to `LIST`, written to the channel list (`lib/channelList.ts`) in
 * batches of up to {@link LIST_BATCH} rows, one write at a time while IRC goes
 * on being read, and at most {@link MAX_LIST_ENTRIES} rows. Not through the
 * event writer: the list is no event of the log, and is paged on its own table.
 *
 * @module
 */
import type { Client } from "../irc-framework.d.ts";
import type { ChannelListEntry } from "../../lib/channelList.ts";
import { listEntryOf, MAX_LIST_ENTRIES } from "../../lib/channelList.ts";

/** Rows written at once. */
export const LIST_BATCH = 1000;

/** Where the list goes: `lib/channelList.ts` on the worker's database, or a test's sink. */
export interface ChannelListStore {
  begin(filter: string | null): Promise<void>;
  add(entries: readonly ChannelListEntry[], truncated: boolean): Promise<void>;
  finish(): Promise<void>;
}

/**
 * Gathers the replies of one `LIST` and writes them in order, one write
 * at a time; a write that fails is logged and the list goes on.
 */
export class ChannelListWriter {
  readonly #store: ChannelListStore;
  readonly #onError: (error: unknown) => void;
  #chain: Promise<void> = Promise.resolve();
  #buffer: ChannelListEntry[] = [];
  #count = 0;
  #truncated = false;
  #active = false;

  constructor(store: ChannelListStore, onError: (error: unknown) => void) {
    this.#store = store;
    this.#onError = onError;
  }

  /** Starts a new list (the user asked for one), dropping the last. */
  begin(filter: string | null): void {
    this.#active = true;
    this.#buffer = [];
    this.#count = 0;
    this.#truncated = false;
    this.#then(() => this.#store.begin(filter));
  }

  /** Entries of the reply, as irc-framework gives them (anything a server sent). */
  add(raw: readonly unknown[]): void {
    // A LIST sent raw (`/raw LIST`) has no begin of ours.
    if (!this.#active) this.begin(null);
    for (const item of raw) {
      if (typeof item !== "object" || item === null) continue;
      const entry = listEntryOf(item as Record<string, unknown>);
      if (!entry) continue;
      if (this.#count >= MAX_LIST_ENTRIES) {
        this.#truncated = true;
        continue;
      }
      this.#count++;
      this.#buffer.push(entry);
    }
    if (this.#buffer.length >= LIST_BATCH) this.#flush();
  }

  /** The end of the reply (RPL_LISTEND). */
  end(): void {
    if (!this.#active) this.begin(null);
    this.#flush(true);
    this.#active = false;
    this.#then(() => this.#store.finish());
  }

  /** Resolves once everything handed over so far is written (or failed). */
  settled(): Promise<void> {
    return this.#chain;
  }

  #flush(always = false): void {
    if (this.#buffer.length === 0 && !always) return;
    const rows = this.#buffer;
    const truncated = this.#truncated;
    this.#buffer = [];
    this.#then(() => this.#store.add(rows, truncated));
  }

  #then(step: () => Promise<void>): void {
    this.#chain = this.#chain.then(step).catch(this.#onError);
  }
}

/** Listens to irc-framework's LIST events on `client`, into `writer`. */
export function listenChannelList(client: Client, writer: ChannelListWriter): void {
  client.on("channel list", (entries) => writer.add(Array.isArray(entries) ? entries : []));
  client.on("channel list end", () => writer.end());
}
