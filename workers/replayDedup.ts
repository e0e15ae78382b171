/**
 * Lines a server replays from its history (a `chathistory` batch, a
 * bouncer's `znc.in/playback` buffer) are checked against the log before
 * they are stored: one with no msgid that the log already holds (same
 * window, kind, sender and text, at the same time give or take a little)
 * is dropped. What arrives during the check waits behind it, in order.
 *
 * @module
 */
import type { Client } from "./irc-framework.d.ts";
import type { Db } from "../lib/db/database.ts";
import { HISTORY_TYPES, type NewMessageInput } from "../lib/messages.ts";
import type { WriteItem } from "./writeItem.ts";
import { errorMessage } from "../lib/log.ts";

/** Types of batch whose lines are history, not live. */
export const REPLAY_BATCHES: ReadonlySet<string> = new Set(["chathistory", "znc.in/playback"]);

/**
 * How far apart a replayed line's time and a stored one's may be and still
 * be the same line: a bouncer's buffer keeps the time it tagged the live
 * line with, to the millisecond, but a line stored without a server time
 * (our own, sent to a server without echo-message) has the time of its
 * insert, and some servers give whole seconds.
 */
export const SAME_LINE_WITHIN_MS = 3000;

/** Longest a check may take before the batch is stored unchecked (msgids still hold). */
export const CHECK_TIMEOUT_MS = 10_000;

/** A stored line, as far as the comparison needs it. */
export interface StoredLine {
  sender: string | null;
  content: string;
  message_type: string;
  created_at: Date;
}

/** Reads `limit` stored text lines of the window `target`, from one end of its history. */
export type StoredLines = (target: string, limit: number) => Promise<StoredLine[]>;

/**
 * {@link StoredLines} from the messages of `serverId` on its window index: the newest first, or
 * with `end` "oldest" the oldest first (the lowest ids are the oldest lines, back-filled ones too).
 */
export function storedLines(db: Db, serverId: number, end: "newest" | "oldest" = "newest"): StoredLines {
  return async (target, limit) => {
    const rows = await db.selectFrom("messages")
      .select(["sender", "content", "message_type", "created_at"])
      .where("server_id", "=", serverId)
      .where((eb) => eb(eb.fn("lower", ["target"]), "=", target.toLowerCase()))
      .where("message_type", "in", HISTORY_TYPES)
      .orderBy("id", end === "newest" ? "desc" : "asc").limit(limit).execute();
    return rows.map((r) => ({ ...r, created_at: new Date(r.created_at) }));
  };
}

/** Whether a replayed message is one to compare: text, in a window, timed, with no msgid. */
function comparable(
  message: NewMessageInput,
): message is NewMessageInput & { target: string; created_at: Date } {
  return message.msgid === undefined && message.target !== null && message.created_at !== undefined &&
    HISTORY_TYPES.includes(message.message_type);
}

function lineKey(type: string, sender: string | null, content: string): string {
  return `${type}\0${(sender ?? "").toLowerCase()}\0${content}`;
}

/**
 * Which of `replayed` (one window's lines, in order) the log already holds
 * as `stored`: their indexes. Each stored line stands for one replayed line
 * at most, so a line said twice and replayed twice is kept once for each
 * time it is missing; a line at exactly its stored time is matched first, so
 * a near one cannot take its place.
 */
export function alreadyStored(
  replayed: readonly { message_type: string; sender: string | null; content: string; created_at: Date }[],
  stored: readonly StoredLine[],
  withinMs = SAME_LINE_WITHIN_MS,
): Set<number> {
  const free = new Map<string, number[]>();
  for (const row of stored) {
    const key = lineKey(row.message_type, row.sender, row.content);
    const times = free.get(key) ?? [];
    times.push(row.created_at.getTime());
    free.set(key, times);
  }
  const found = new Set<number>();
  const take = (exact: boolean) => {
    replayed.forEach((line, index) => {
      if (found.has(index)) return;
      const times = free.get(lineKey(line.message_type, line.sender, line.content));
      if (!times) return;
      const at = line.created_at.getTime();
      let best = -1;
      for (let i = 0; i < times.length; i++) {
        const gap = Math.abs(times[i] - at);
        if (exact ? gap === 0 : gap <= withinMs && (best < 0 || gap < Math.abs(times[best] - at))) {
          best = i;
          if (exact) break;
        }
      }
      if (best < 0) return;
      times.splice(best, 1);
      found.add(index);
    });
  };
  take(true);
  take(false);
  return found;
}

/**
 * Stands between the handlers and the writer: items go straight on, but a
 * replayed batch is gathered, compared with the log, and only what the log
 * lacks goes on, with everything after it waiting meanwhile.
 */
export class ReplayDedup {
  readonly #append: (item: WriteItem) => void;
  readonly #stored: StoredLines;
  readonly #warn: (message: string) => void;
  #depth = 0;
  #gathered: WriteItem[] = [];
  #held: ({ batch: WriteItem[] } | { item: WriteItem })[] = [];
  #checking = false;

  /** Passes items on to `append`; compares replayed lines with `stored`; says what failed to `warn`. */
  constructor(append: (item: WriteItem) => void, stored: StoredLines, warn: (message: string) => void) {
    this.#append = append;
    this.#stored = stored;
    this.#warn = warn;
  }

  /**
   * Follows `client`'s replay batches. irc-framework runs a batch's lines
   * at its end, one after the other between `batch start` and `batch end`,
   * so what is stored in between is the batch.
   */
  listen(client: Client): void {
    client.on("batch start", (event) => {
      if (REPLAY_BATCHES.has(event.type)) this.#depth += 1;
    });
    client.on("batch end", (event) => {
      if (!REPLAY_BATCHES.has(event.type) || this.#depth === 0) return;
      this.#depth -= 1;
      if (this.#depth > 0) return;
      const batch = this.#gathered;
      this.#gathered = [];
      if (batch.length > 0) this.#push({ batch });
    });
    // A connection that drops in the middle of a batch never ends it.
    client.on("close", () => {
      this.#depth = 0;
      const batch = this.#gathered;
      this.#gathered = [];
      if (batch.length > 0) this.#push({ batch });
    });
  }

  /** Takes an item to store. */
  append(item: WriteItem): void {
    if (this.#depth > 0) this.#gathered.push(item);
    else this.#push({ item });
  }

  #push(entry: { batch: WriteItem[] } | { item: WriteItem }): void {
    this.#held.push(entry);
    this.#drain();
  }

  #drain(): void {
    while (!this.#checking && this.#held.length > 0) {
      const next = this.#held.shift()!;
      if ("item" in next) this.#append(next.item);
      else this.#check(next.batch);
    }
  }

  #check(batch: WriteItem[]): void {
    const windows = new Map<
      string,
      { index: number; message: NewMessageInput & { target: string; created_at: Date } }[]
    >();
    batch.forEach((item, index) => {
      if (item.kind !== "message" || !comparable(item.message)) return;
      const key = item.message.target.toLowerCase();
      const list = windows.get(key) ?? [];
      list.push({ index, message: item.message });
      windows.set(key, list);
    });
    if (windows.size === 0) {
      batch.forEach((item) => this.#append(item));
      return;
    }
    this.#checking = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer in ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
    });
    const duplicates = Promise.all([...windows.values()].map(async (lines) => {
      // The duplicates of a replay are among the window's newest lines: the
      // ones stored live before we went away, at most as many as it replays.
      const stored = await this.#stored(lines[0].message.target, 2 * lines.length + 100);
      const found = alreadyStored(lines.map((l) => l.message), stored);
      return [...found].map((i) => lines[i].index);
    }));
    Promise.race([duplicates, timeout]).then(
      (found) => {
        const drop = new Set(found.flat());
        batch.forEach((item, index) => {
          if (!drop.has(index)) this.#append(item);
        });
      },
      (error) => {
        this.#warn(
          `replayed history stored unchecked (lines the log has may show twice): ${errorMessage(error)}`,
        );
        batch.forEach((item) => this.#append(item));
      },
    ).finally(() => {
      clearTimeout(timer);
      this.#checking = false;
      this.#drain();
    });
  }
}
