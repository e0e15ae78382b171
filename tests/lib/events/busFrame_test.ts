import { assert, assertEquals, assertThrows } from "../../support/assert.ts";
import {
  checkChannel,
  fitsNotify,
  frameHeader,
  MAX_NOTIFY_BYTES,
  parseFrame,
} from "../../../lib/events/busFrame.ts";

Deno.test("bus frame: a header and its data read back, inline or by reference", () => {
  const inline = frameHeader("server_7_status", "abc\t12") + '{"a":"x\\ny"}';
  assertEquals(inline, 'server_7_status\tabc\t12\t\n{"a":"x\\ny"}');
  assertEquals(parseFrame(inline), {
    channel: "server_7_status",
    origin: "abc",
    counter: "12",
    ref: "",
    body: '{"a":"x\\ny"}',
  });
  const byRef = frameHeader("c", "o\t3", "41");
  assertEquals(parseFrame(byRef), { channel: "c", origin: "o", counter: "3", ref: "41", body: "" });
  // The body is everything after the first newline, newlines of its own included.
  assertEquals(parseFrame("c\to\t1\t\nline one\nline two")?.body, "line one\nline two");
});

Deno.test("bus frame: what is no frame is told so, whoever sent it", () => {
  for (const text of ["", "no header line", "c\to\n{}", "c\n{}", '{"server_created": 1}']) {
    assertEquals(parseFrame(text), undefined, JSON.stringify(text));
  }
  // A header without the ref field reads as one whose data is inline.
  assertEquals(parseFrame("c\to\t1\n{}")?.ref, undefined);
});

Deno.test("bus frame: a channel name a header could not carry is refused", () => {
  for (const name of ["", "a\tb", "a\nb", "a\rb", "a\0b"]) {
    assertThrows(() => checkChannel(name), Error, "invalid bus channel name");
  }
  checkChannel("server_1_messages");
  checkChannel("api_token_deleted");
});

Deno.test("bus frame: what fits a notification is counted in UTF-8 bytes", () => {
  assert(fitsNotify("x".repeat(MAX_NOTIFY_BYTES)));
  assert(!fitsNotify("x".repeat(MAX_NOTIFY_BYTES + 1)));
  // Two bytes each: half as many characters fit.
  assert(fitsNotify("é".repeat(MAX_NOTIFY_BYTES / 2)));
  assert(!fitsNotify("é".repeat(MAX_NOTIFY_BYTES / 2 + 1)));
  assert(MAX_NOTIFY_BYTES < 8000, "PostgreSQL refuses a payload of 8000 bytes");
});
