/**
 * The answers to sends that carried a client's id for the line, kept in the
 * database (`sent_lines`) for a while, so that a browser resending a line it
 * got no answer for, through any app instance, gets the first send's answer
 * instead of saying it on IRC twice (docs/architecture.md, "From the browser to IRC").
 * @module
 */
import { sql } from "kysely";
import type { Db } from "../../lib/db/database.ts";

/** How long an answer is kept, ms. */
export const RECENT_SEND_MS = 10 * 60_000;
/** How long a resend waits for the first send's answer before it gives up. */
export const RESEND_WAIT_MS = 30_000;

/** An answer, as it can be given again. */
export interface SendAnswer {
  status: number;
  body: string;
  contentType: string;
}

/** Options of {@link RecentSends}. */
export interface RecentSendsOptions {
  /** How long an answer is kept; {@link RECENT_SEND_MS} by default. */
  ttlMs?: number;
  /** How long a resend waits for the first; {@link RESEND_WAIT_MS} by default. */
  waitMs?: number;
}

/** Answers to recent sends, by key, shared by every instance on the database. */
export class RecentSends {
  readonly #db: Db;
  readonly #ttlMs: number;
  readonly #waitMs: number;
  /** Whose rows these are: a failed send deletes only its own. */
  readonly #token = crypto.randomUUID();
  #lastSweep = 0;

  /** A store on `db`. */
  constructor(db: Db, options: RecentSendsOptions = {}) {
    this.#db = db;
    this.#ttlMs = options.ttlMs ?? RECENT_SEND_MS;
    this.#waitMs = options.waitMs ?? RESEND_WAIT_MS;
  }

  /**
   * The answer to the send `key`: the earlier one's if there was one (or
   * is one under way, here or in another instance), else `send`'s,
   * remembered when it is a success. A refused or failed send is forgotten,
   * so it may be sent again for real.
   */
  async once(key: string, send: () => Promise<Response>): Promise<SendAnswer> {
    await this.#sweep();
    const deadline = performance.now() + this.#waitMs;
    let pause = 20;
    while (true) {
      // Ours if new, or if the one there is older than the time answers are kept.
      const taken = await sql<{ key: string }>`
        insert into sent_lines (key, instance_id) values (${key}, ${this.#token})
        on conflict (key) do update set instance_id = excluded.instance_id, created_at = now(),
          status = null, content_type = null, answer = null
        where sent_lines.created_at < now() - make_interval(secs => ${this.#ttlMs / 1000})
        returning key`.execute(this.#db);
      if (taken.rows.length > 0) return await this.#send(key, send);
      const { rows } = await sql<
        { status: number | null; content_type: string | null; answer: string | null }
      >`
        select status, content_type, answer from sent_lines where key = ${key}`.execute(this.#db);
      const row = rows[0];
      if (row && row.answer !== null && row.status !== null) {
        return { status: row.status, body: row.answer, contentType: row.content_type ?? "application/json" };
      }
      // Gone (the first failed: try ourselves), or still under way: wait for it.
      if (row && performance.now() >= deadline) {
        return {
          status: 504,
          body: JSON.stringify({
            error:
              "An earlier send of this line got no answer yet; it may have been sent, so it is not sent again",
          }),
          contentType: "application/json",
        };
      }
      if (row) await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(200, pause * 2);
    }
  }

  async #send(key: string, send: () => Promise<Response>): Promise<SendAnswer> {
    const forget = () =>
      sql`delete from sent_lines where key = ${key} and instance_id = ${this.#token} and answer is null`
        .execute(this.#db);
    let answer: SendAnswer;
    try {
      const response = await send();
      answer = {
        status: response.status,
        body: await response.text(),
        contentType: response.headers.get("content-type") ?? "application/json",
      };
    } catch (error) {
      await forget();
      throw error;
    }
    if (answer.status >= 300) await forget();
    else {
      await sql`update sent_lines set status = ${answer.status}, content_type = ${answer.contentType},
        answer = ${answer.body} where key = ${key} and instance_id = ${this.#token}`.execute(this.#db);
    }
    return answer;
  }

  // Old answers go, a bounded batch at most once a minute per instance.
  async #sweep(): Promise<void> {
    const now = Date.now();
    if (now - this.#lastSweep < 60_000) return;
    this.#lastSweep = now;
    await sql`delete from sent_lines where key in (select key from sent_lines
      where created_at < now() - make_interval(secs => ${this.#ttlMs / 1000}) limit 1000)`.execute(this.#db);
  }
}
