/**
 * The subscribers of one service bus, by exact channel and by prefix: each
 * gets its own parsed copy of a message's data, and one that throws is
 * logged without affecting the others.
 *
 * @module
 */
import { errorMessage, logger } from "../log.ts";
import type { BusSender, Unsubscribe } from "../serviceBus.ts";
import { serverIdOfChannel } from "./busChannels.ts";

type ExactCallback = (data: unknown, sender: BusSender) => void;
type PrefixCallback = (channel: string, data: unknown, sender: BusSender) => void;

const log = logger("bus");

/** Who listens to what on one bus, and the delivery to them. */
export class BusSubscribers {
  readonly #exact = new Map<string, Set<ExactCallback>>();
  readonly #prefixes = new Map<string, Set<PrefixCallback>>();

  /** Adds `callback` for messages on `channel`. */
  add(channel: string, callback: ExactCallback): Unsubscribe {
    return addTo(this.#exact, channel, callback);
  }

  /** Adds `callback` for messages on any channel whose name starts with `prefix`. */
  addPrefix(prefix: string, callback: PrefixCallback): Unsubscribe {
    return addTo(this.#prefixes, prefix, callback);
  }

  /** Whether anyone here would hear a message on `channel`. */
  has(channel: string): boolean {
    if (this.#exact.has(channel)) return true;
    for (const prefix of this.#prefixes.keys()) if (channel.startsWith(prefix)) return true;
    return false;
  }

  /** The servers one of whose channels is subscribed to by name. */
  servers(): Set<number> {
    const ids = new Set<number>();
    for (const channel of this.#exact.keys()) {
      const id = serverIdOfChannel(channel);
      if (id !== undefined) ids.add(id);
    }
    return ids;
  }

  /** Hands `dataJson`, parsed afresh for each, to every subscriber of `channel`. */
  deliver(channel: string, dataJson: string, sender: BusSender): void {
    for (const callback of [...(this.#exact.get(channel) ?? [])]) {
      try {
        callback(JSON.parse(dataJson), sender);
      } catch (error) {
        log.error(`a subscriber of ${channel} failed: ${errorMessage(error)}`);
      }
    }
    for (const [prefix, callbacks] of this.#prefixes) {
      if (!channel.startsWith(prefix)) continue;
      for (const callback of [...callbacks]) {
        try {
          callback(channel, JSON.parse(dataJson), sender);
        } catch (error) {
          log.error(`a subscriber of ${prefix}* failed: ${errorMessage(error)}`);
        }
      }
    }
  }
}

// Adds `callback` to the set of `key`; the returned function takes it out,
// and the set with its last callback.
function addTo<C>(map: Map<string, Set<C>>, key: string, callback: C): Unsubscribe {
  const callbacks = map.get(key) ?? new Set();
  callbacks.add(callback);
  map.set(key, callbacks);
  return () => {
    callbacks.delete(callback);
    if (callbacks.size === 0) map.delete(key);
  };
}
