/**
 * Reads a `text/event-stream` response as a browser's EventSource would:
 * events with their `id`, `event` and `data`, and comment lines.
 *
 * @module
 */

/** One dispatched event. */
export interface SseEvent {
  /** The last event id when it was dispatched (EventSource's `lastEventId`). */
  id: string;
  event: string;
  data: string;
}

/** A stream being read. */
export interface SseClient {
  /** Events received so far, in order. */
  readonly events: SseEvent[];
  /** Comment lines received so far (heartbeats), without the colon. */
  readonly comments: string[];
  /** The id a reconnecting EventSource would send as `Last-Event-ID`. */
  readonly lastEventId: string;
  /** Whether the server ended the stream, and whether with an error. */
  readonly ended: false | "closed" | "error";
  /** Resolves once `count` events (of `name`, when given) have arrived. */
  waitForEvents(count: number, name?: string, timeoutMs?: number): Promise<SseEvent[]>;
  /** Resolves once the stream has ended. */
  waitForEnd(timeoutMs?: number): Promise<"closed" | "error">;
  /** Resolves once `check` is true (checked after each chunk). */
  waitUntil(check: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  /** Stops reading and cancels the response (the client goes away). */
  close(): Promise<void>;
}

/** Starts reading `response`'s body. */
export function readSse(response: Response): SseClient {
  if (!response.body) throw new Error(`no body (status ${response.status})`);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const waiters = new Set<() => void>();
  let lastEventId = "";
  let ended: false | "closed" | "error" = false;
  let buffer = "";
  let data: string[] = [];
  let event = "";
  let idBuffer = "";
  const notify = () => waiters.forEach((w) => w());

  const line = (text: string) => {
    if (text === "") {
      lastEventId = idBuffer;
      if (data.length > 0) events.push({ id: lastEventId, event: event || "message", data: data.join("\n") });
      data = [];
      event = "";
      return;
    }
    if (text.startsWith(":")) {
      comments.push(text.slice(1).trim());
      return;
    }
    const colon = text.indexOf(":");
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? "" : text.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") data.push(value);
    else if (field === "event") event = value;
    else if (field === "id" && !value.includes("\0")) idBuffer = value;
  };

  const reading = (async () => {
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let i;
        while ((i = buffer.search(/\r\n|\n|\r/)) !== -1) {
          const match = buffer.slice(i).startsWith("\r\n") ? 2 : 1;
          line(buffer.slice(0, i));
          buffer = buffer.slice(i + match);
        }
        notify();
      }
      ended = "closed";
    } catch {
      ended = "error";
    }
    notify();
  })();

  const waitUntil = (check: () => boolean, what: string, timeoutMs = 10_000) =>
    new Promise<void>((resolve, reject) => {
      if (check()) return resolve();
      const waiter = () => {
        if (!check()) return;
        waiters.delete(waiter);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${what}; got ${events.length} events:\n` +
              events.slice(-5).map((e) => `${e.event} ${e.data}`).join("\n"),
          ),
        );
      }, timeoutMs);
      waiters.add(waiter);
    });

  return {
    events,
    comments,
    get lastEventId() {
      return lastEventId;
    },
    get ended() {
      return ended;
    },
    async waitForEvents(count, name, timeoutMs) {
      const matching = () => events.filter((e) => name === undefined || e.event === name);
      await waitUntil(() => matching().length >= count, `${count} ${name ?? ""} events`, timeoutMs);
      return matching();
    },
    async waitForEnd(timeoutMs) {
      await waitUntil(() => ended !== false, "the end of the stream", timeoutMs);
      return ended as "closed" | "error";
    },
    waitUntil,
    async close() {
      await reader.cancel().catch(() => {});
      await reading;
    },
  };
}
