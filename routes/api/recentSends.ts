/**
 * The answers to sends that carried a client's id for the line, kept in
 * memory for a while, so that a browser resending a line it got no answer for
 * gets the first send's answer instead of saying it on IRC twice
 * (docs/architecture.md, "From the browser to IRC").
 *
 * @module
 */

/** How long an answer is kept, ms. */
export const RECENT_SEND_MS = 10 * 60_000;
/** Most answers kept; the oldest go first. */
export const MAX_RECENT_SENDS = 10_000;

/** An answer, as it can be given again. */
export interface SendAnswer {
  status: number;
  body: string;
  contentType: string;
}

/** Answers to recent sends, by key. */
export class RecentSends {
  readonly #answers = new Map<string, { at: number; answer: Promise<SendAnswer> }>();
  readonly #ttlMs: number;
  readonly #max: number;

  /** A store keeping answers for `ttlMs`, at most `max` of them. */
  constructor(ttlMs = RECENT_SEND_MS, max = MAX_RECENT_SENDS) {
    this.#ttlMs = ttlMs;
    this.#max = max;
  }

  /**
   * The answer to the send `key`: the earlier one's if there was one (or
   * is one under way), else `send`'s, remembered when it is a success.
   */
  async once(key: string, send: () => Promise<Response>): Promise<SendAnswer> {
    const now = Date.now();
    const earlier = this.#answers.get(key);
    if (earlier && now - earlier.at < this.#ttlMs) return await earlier.answer;
    const answer = send().then(async (response) => ({
      status: response.status,
      body: await response.text(),
      contentType: response.headers.get("content-type") ?? "application/json",
    }));
    this.#answers.delete(key);
    this.#answers.set(key, { at: now, answer });
    this.#trim(now);
    try {
      const result = await answer;
      if (result.status >= 300) this.#forget(key, answer);
      return result;
    } catch (error) {
      this.#forget(key, answer);
      throw error;
    }
  }

  #forget(key: string, answer: Promise<SendAnswer>): void {
    if (this.#answers.get(key)?.answer === answer) this.#answers.delete(key);
  }

  // Insertion order is age order: drop from the front.
  #trim(now: number): void {
    for (const [key, { at }] of this.#answers) {
      if (this.#answers.size <= this.#max && now - at < this.#ttlMs) break;
      this.#answers.delete(key);
    }
  }
}
