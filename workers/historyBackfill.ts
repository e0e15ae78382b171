/**
 * Older lines from the server's history when the user scrolls past the
 * oldest stored one (`fetch_history`): `CHATHISTORY BEFORE`, its batch kept
 * out of the live path and stored below everything (lib/messages.ts,
 * `insertBackfill`), never announced; the reply comes once they are stored.
 */
import type { Client } from "./irc-framework.d.ts";
import type { Db } from "../lib/db/database.ts";
import type { CommandReply, FetchHistoryCommand } from "../lib/ircCommand.ts";
import { HISTORY_TYPES, insertBackfill, type NewMessageInput } from "../lib/messages.ts";
import { errorMessage } from "../lib/log.ts";
import type { WriteItem } from "./writeItem.ts";
import { alreadyStored, type StoredLines, storedLines } from "./replayDedup.ts";
import { historyLimit } from "./chatHistory.ts";

/** How long a fetch waits for the server's batch (the API waits a little longer). */
export const FETCH_TIMEOUT_MS = 8000;

/** What a fetch answers on a server that does not offer `draft/chathistory`. */
export const NO_HISTORY = "No history on this server";

/** Reads the oldest `limit` stored text lines of `target`, oldest first (for the comparison). */
export type OldestLines = StoredLines;

/** {@link OldestLines} from the messages of `serverId`. */
export function oldestLines(db: Db, serverId: number): OldestLines {
  return storedLines(db, serverId, "oldest");
}

interface Pending {
  key: string;
  target: string;
  resolve: (reply: CommandReply) => void;
  reply: Promise<CommandReply>;
}

// CHATHISTORY requests we sent, whose batches come back in the same order.
const REQUEST = /^CHATHISTORY (BEFORE|AFTER|LATEST|AROUND|BETWEEN) (\S+)/i;

/**
 * Stands between the handlers and the rest of the write path: the lines of
 * a batch answering one of our `BEFORE` requests are taken here; every
 * other item goes on to `next` unchanged.
 */
export class HistoryBackfill {
  readonly #client: Client;
  readonly #next: (item: WriteItem) => void;
  readonly #store: (messages: NewMessageInput[]) => Promise<number>;
  readonly #oldest: OldestLines;
  readonly #warn: (message: string) => void;
  readonly #timeoutMs: number;
  // Per window (lower case), the kinds of our requests whose batch has not come yet.
  readonly #sent = new Map<string, string[]>();
  // Our BEFORE requests waiting for their batch, oldest first.
  readonly #waiting: Pending[] = [];
  // The batch being taken now, and whom it answers.
  #open: { id: string; items: WriteItem[]; pending: Pending | undefined } | undefined;
  // Batches are stored one after another, so each compares with the one before.
  #storing: Promise<unknown> = Promise.resolve();

  /** Follows `client`; stores with `db` for `serverId`; passes other items to `next`. */
  constructor(
    client: Client,
    options: {
      next: (item: WriteItem) => void;
      store: (messages: NewMessageInput[]) => Promise<number>;
      oldest: OldestLines;
      warn: (message: string) => void;
      timeoutMs?: number;
    },
  ) {
    this.#client = client;
    this.#next = options.next;
    this.#store = options.store;
    this.#oldest = options.oldest;
    this.#warn = options.warn;
    this.#timeoutMs = options.timeoutMs ?? FETCH_TIMEOUT_MS;
    this.#listen();
  }

  /** Takes an item from the handlers. */
  append(item: WriteItem): void {
    if (this.#open) this.#open.items.push(item);
    else this.#next(item);
  }

  /**
   * Carries out `command`: asks the server, waits for its batch (or its
   * FAIL, or {@link FETCH_TIMEOUT_MS}) and stores what the log lacks. Two
   * fetches of the same page at once share one request.
   */
  fetch(command: FetchHistoryCommand): Promise<CommandReply> {
    const client = this.#client;
    if (!client.connected) {
      return Promise.resolve({ ok: false, error: "Server not connected", code: "not_connected" });
    }
    if (!client.network.cap.isEnabled("draft/chathistory")) {
      return Promise.resolve({ ok: false, error: NO_HISTORY });
    }
    const key = `${command.target.toLowerCase()} ${command.before}`;
    const same = this.#waiting.find((p) => p.key === key);
    if (same) return same.reply;
    let resolve!: (reply: CommandReply) => void;
    const reply = new Promise<CommandReply>((r) => resolve = r);
    const pending: Pending = { key, target: command.target.toLowerCase(), resolve, reply };
    const timer = setTimeout(() => {
      this.#forget(pending);
      resolve({ ok: false, error: `The server sent no history within ${this.#timeoutMs / 1000} s` });
    }, this.#timeoutMs);
    reply.finally(() => clearTimeout(timer));
    this.#waiting.push(pending);
    const limit = Math.min(command.limit, historyLimit(client));
    client.raw(`CHATHISTORY BEFORE ${command.target} ${command.before} ${limit}`);
    return reply;
  }

  #forget(pending: Pending): void {
    const at = this.#waiting.indexOf(pending);
    if (at >= 0) this.#waiting.splice(at, 1);
  }

  #listen(): void {
    const client = this.#client;
    client.on("raw", (event) => {
      if (event.from_server) return;
      const request = REQUEST.exec(event.line);
      if (!request) return;
      const window = request[2].toLowerCase();
      const kinds = this.#sent.get(window) ?? [];
      kinds.push(request[1].toUpperCase());
      this.#sent.set(window, kinds);
    });
    client.on("batch start", (event) => {
      if (event.type !== "chathistory" || this.#open) return;
      const window = (event.params[0] ?? "").toLowerCase();
      const kinds = this.#sent.get(window);
      const kind = kinds?.shift();
      if (kinds?.length === 0) this.#sent.delete(window);
      if (kind !== "BEFORE") return;
      // Ours, even when its fetch timed out: older lines belong below.
      const pending = this.#waiting.find((p) => p.target === window);
      if (pending) this.#forget(pending);
      this.#open = { id: event.id, items: [], pending };
    });
    client.on("batch end", (event) => {
      const open = this.#open;
      if (!open || open.id !== event.id) return;
      this.#open = undefined;
      this.#finish(open.items, open.pending);
    });
    // FAIL CHATHISTORY <code> <context...> :<description>, e.g. INVALID_TARGET BEFORE #c.
    client.on("unknown command", (command) => {
      if (command.command !== "FAIL" || command.params[0]?.toUpperCase() !== "CHATHISTORY") return;
      const context = command.params.slice(2, -1).map((p) => p.toLowerCase());
      if (context.length > 0 && context[0] !== "before") return;
      const pending = this.#waiting.find((p) => context.includes(p.target)) ??
        (context.length === 0 ? this.#waiting[0] : undefined);
      if (!pending) return;
      this.#forget(pending);
      const kinds = this.#sent.get(pending.target);
      const at = kinds?.indexOf("BEFORE") ?? -1;
      if (kinds && at >= 0) kinds.splice(at, 1);
      const description = command.params.at(-1) ?? "";
      pending.resolve({ ok: false, error: `The server refused its history: ${description}`.trim() });
    });
    // A connection that drops answers nothing of what was asked on it.
    client.on("close", () => {
      this.#sent.clear();
      const open = this.#open;
      this.#open = undefined;
      if (open) this.#finish(open.items, open.pending);
      for (const pending of this.#waiting.splice(0)) {
        pending.resolve({ ok: false, error: "Server not connected", code: "not_connected" });
      }
    });
  }

  // Stores the batch's text lines of its window (a batch of other events, a
  // server's event-playback, must not change live state), what the log lacks.
  #finish(items: WriteItem[], pending: Pending | undefined): void {
    const lines = items.flatMap((item) =>
      item.kind === "message" && item.message.target !== null &&
        HISTORY_TYPES.includes(item.message.message_type)
        ? [item.message]
        : []
    );
    const stored = this.#storing.then(async () => {
      if (lines.length === 0) return 0;
      const target = lines[0].target!;
      const comparable = lines.filter((l) => l.msgid === undefined && l.created_at !== undefined);
      let kept = lines;
      if (comparable.length > 0) {
        // Lines with no msgid the log has: among its oldest, at most as many as the batch.
        const old = await this.#oldest(target, 2 * lines.length + 100);
        const found = alreadyStored(
          comparable.map((l) => ({ ...l, created_at: l.created_at! })),
          old,
        );
        const drop = new Set([...found].map((i) => comparable[i]));
        kept = lines.filter((l) => !drop.has(l));
      }
      return await this.#store(kept);
    });
    this.#storing = stored.catch(() => {});
    stored.then(
      (count) => pending?.resolve({ ok: true, stored: count }),
      (error) => {
        this.#warn(`history fetched from the server not stored: ${errorMessage(error)}`);
        pending?.resolve({ ok: false, error: `History from the server not stored: ${errorMessage(error)}` });
      },
    );
  }
}

/** A {@link HistoryBackfill}'s store: {@link insertBackfill} on `db` for `serverId`. */
export function backfillStore(db: Db, serverId: number): (messages: NewMessageInput[]) => Promise<number> {
  return (messages) => insertBackfill(db, serverId, messages);
}
