/**
 * Bounds on irc-framework's pending-reply caches (NAMES, MOTD, BATCH, WHOIS,
 * LIST, WHO, ban lists), which a server that never sends the end line made
 * grow without limit: the caches a line touched are cut back after it, an
 * overlong batch ends early, and past {@link MAX_CACHES} the oldest goes.
 *
 * @module
 */
import type { Client } from "./irc-framework.d.ts";
import type { Logger } from "../lib/log.ts";

/** Most items (NAMES members, batched commands, LIST entries) one cache holds. */
export const MAX_CACHE_ITEMS = 20_000;
/** Most characters of one cache's text (the MOTD): 64 KiB. */
export const MAX_CACHE_CHARS = 64 * 1024;
/** Most caches pending at once (one per channel of NAMES, per WHOIS, per BATCH). */
export const MAX_CACHES = 500;
// Batches ended early whose later lines run unbatched; the oldest are forgotten.
const MAX_ENDED_BATCHES = 100;

/** The irc-framework 4.14 internals bounded here. */
interface CommandHandlerInternals {
  _caches: Record<string, Record<string, unknown>>;
  cache(id: string): Record<string, unknown> & { destroy(): void };
  hasCache(id: string): boolean;
  dispatch(message: ParsedMessage): void;
  executeCommand(command: unknown): void;
  handlers: Record<string, ((command: unknown, handler: unknown) => void) | undefined>;
}

interface ParsedMessage {
  command: string;
  tags?: Record<string, unknown>;
  params: string[];
}

/** Bounds the reply caches of `client`; what is cut is said in `log`, once per kind. */
export function boundReplyCaches(client: Client, log: Logger): void {
  const handler = (client as unknown as { command_handler: CommandHandlerInternals }).command_handler;
  const cache = handler.cache.bind(handler);
  const dispatch = handler.dispatch.bind(handler);
  const touched = new Set<string>();
  // Ids of live caches, oldest first (a Set keeps insertion order).
  const live = new Set<string>();
  const ended = new Set<string>();
  const said = new Set<string>();
  const sayOnce = (kind: string, text: string) => {
    if (said.has(kind)) return;
    said.add(kind);
    log.warn(`${text} (said once per connection)`);
  };
  client.on("socket connected", () => {
    said.clear();
    live.clear();
    ended.clear();
  });

  handler.cache = (id: string) => {
    touched.add(id);
    if (!Object.hasOwn(handler._caches, id)) {
      live.add(id);
      if (live.size > MAX_CACHES) {
        for (const old of live) {
          if (live.size <= MAX_CACHES) break;
          live.delete(old);
          if (old !== id) {
            delete handler._caches[old];
            sayOnce("caches", `more than ${MAX_CACHES} replies pending at once: the oldest dropped`);
          }
        }
      }
    }
    return cache(id);
  };

  // Ends a batch now: its commands run as `BATCH -id` would run them.
  const endBatch = (id: string) => {
    const end = handler.handlers["BATCH"];
    if (!end) return;
    end({ command: "BATCH", params: [`-${id}`], tags: {}, getTag: () => undefined }, handler);
    ended.add(id);
    if (ended.size > MAX_ENDED_BATCHES) ended.delete(ended.values().next().value!);
  };

  handler.dispatch = (message: ParsedMessage) => {
    const batch = message.tags?.batch;
    if (typeof batch === "string" && ended.has(batch) && !handler.hasCache(`batch.${batch}`)) {
      // The rest of a batch ended early: run as it comes.
      const { batch: _, ...tags } = message.tags ?? {};
      dispatch({ ...message, tags });
      return;
    }
    touched.clear();
    try {
      dispatch(message);
    } finally {
      for (const id of touched) bound(id);
      touched.clear();
    }
  };

  const bound = (id: string) => {
    const entry = handler._caches[id];
    if (entry === undefined) {
      live.delete(id);
      return;
    }
    for (const [key, value] of Object.entries(entry)) {
      if (Array.isArray(value) && value.length > MAX_CACHE_ITEMS) {
        if (id.startsWith("batch.")) {
          sayOnce("batch", `a batch of more than ${MAX_CACHE_ITEMS} lines: ended early`);
          endBatch(id.slice("batch.".length));
          return;
        }
        value.length = MAX_CACHE_ITEMS;
        sayOnce(
          `items ${id.split(".")[0]}`,
          `a ${id.split(".")[0]} reply of more than ${MAX_CACHE_ITEMS} items: cut`,
        );
      } else if (typeof value === "string" && value.length > MAX_CACHE_CHARS) {
        entry[key] = value.slice(0, MAX_CACHE_CHARS);
        sayOnce(`text ${id}`, `a ${id} reply of more than ${MAX_CACHE_CHARS} characters: cut`);
      }
    }
  };
}
