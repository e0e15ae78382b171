/**
 * A service bus message as it travels: a header line
 * `channel \t origin \t counter \t ref`, then the data's JSON (absent when
 * `ref` names the row of `bus_payloads` holding it).
 *
 * @module
 */

/** Largest NOTIFY payload sent inline; PostgreSQL refuses 8000 bytes and more. */
export const MAX_NOTIFY_BYTES = 7900;

/** A frame's header fields and its body. */
export interface Frame {
  /** The bus channel it was published on. */
  channel: string;
  /** The bus that published it (unique per bus). */
  origin: string;
  /** Its number among that bus's messages. */
  counter: string;
  /** The `bus_payloads` row of its data, or `""`/`undefined` when the data is inline. */
  ref: string | undefined;
  /** The data's JSON, when inline. */
  body: string;
}

/** Refuses a bus channel name a header line could not carry. */
export function checkChannel(channel: string): void {
  if (channel === "" || /[\t\n\r\0]/.test(channel)) {
    throw new Error(`invalid bus channel name: ${JSON.stringify(channel)}`);
  }
}

/** The header line of a message `id` (`origin \t counter`) on `channel`, its data inline unless `ref` is given. */
export function frameHeader(channel: string, id: string, ref = ""): string {
  return `${channel}\t${id}\t${ref}\n`;
}

/** The fields of `text`, or `undefined` when it is no frame (no header line, or no counter). */
export function parseFrame(text: string): Frame | undefined {
  const newline = text.indexOf("\n");
  if (newline === -1) return undefined;
  const [channel, origin, counter, ref] = text.slice(0, newline).split("\t");
  if (counter === undefined) return undefined;
  return { channel, origin, counter, ref, body: text.slice(newline + 1) };
}

const encoder = new TextEncoder();

/** Whether `text` fits one notification ({@link MAX_NOTIFY_BYTES} in UTF-8). */
export function fitsNotify(text: string): boolean {
  // Cheap bound first: a UTF-16 unit is at most 3 UTF-8 bytes.
  return text.length * 3 <= MAX_NOTIFY_BYTES || encoder.encode(text).length <= MAX_NOTIFY_BYTES;
}
