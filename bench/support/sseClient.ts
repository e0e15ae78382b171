/**
 * A lean `GET /api/events` client for the bench: it hands each event's name
 * and raw `data` text to a callback, with the time its chunk was read, and
 * does no more work than that (a thousand of them run in one process).
 *
 * @module
 */

/** An open event stream. */
export interface BenchEventStream {
  /** Resolves at the stream's `ready` event (the replay is over: live events follow). */
  readonly ready: Promise<void>;
  /** Events received so far. */
  readonly count: number;
  /** Ends the stream. */
  close(): Promise<void>;
}

/** Called with each event: its name, its `data` text, and `performance.now()` when it was read. */
export type EventCallback = (event: string, data: string, at: number) => void;

/** Opens `GET <baseUrl>/api/events` with `token` and feeds `onEvent`. */
export async function openEventStream(
  baseUrl: string,
  token: string,
  onEvent: EventCallback,
): Promise<BenchEventStream> {
  const abort = new AbortController();
  const response = await fetch(`${baseUrl}/api/events`, {
    headers: { authorization: `Bearer ${token}`, accept: "text/event-stream" },
    signal: abort.signal,
  });
  if (response.status !== 200 || !response.body) {
    throw new Error(`GET /api/events answered ${response.status}: ${await response.text()}`);
  }
  let count = 0;
  let readyResolve!: () => void;
  let readyReject!: (error: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    readyResolve = resolve;
    readyReject = reject;
  });
  const reader = response.body.getReader();
  const reading = (async () => {
    const decoder = new TextDecoder();
    let buffer = "";
    while (true) {
      const { value, done } = await reader.read();
      if (done) break;
      const at = performance.now();
      buffer += decoder.decode(value, { stream: true });
      let start = 0;
      let end: number;
      while ((end = buffer.indexOf("\n\n", start)) !== -1) {
        const block = buffer.slice(start, end);
        start = end + 2;
        let event = "message";
        let data: string | undefined;
        for (const line of block.split("\n")) {
          if (line.startsWith("event: ")) event = line.slice(7);
          else if (line.startsWith("data: ")) {
            data = data === undefined ? line.slice(6) : `${data}\n${line.slice(6)}`;
          }
        }
        if (data === undefined) continue; // a comment (heartbeat) or `retry:`
        count++;
        if (event === "ready") readyResolve();
        onEvent(event, data, at);
      }
      buffer = buffer.slice(start);
    }
  })().catch(() => {/* aborted */}).finally(() => readyReject(new Error("the event stream ended")));
  ready.catch(() => {});
  return {
    ready,
    get count() {
      return count;
    },
    async close() {
      abort.abort();
      await reader.cancel().catch(() => {});
      await reading;
    },
  };
}
