import { assertEquals } from "../support/assert.ts";
import { alreadyStored, SAME_LINE_WITHIN_MS, type StoredLine } from "../../workers/replayDedup.ts";
import { playRequest } from "../../workers/bouncerPlayback.ts";

const at = (s: number) => new Date(Date.UTC(2026, 0, 2, 3, 4, s));
const line = (sender: string, content: string, time: Date, message_type = "privmsg"): StoredLine => ({
  sender,
  content,
  message_type,
  created_at: time,
});

Deno.test("alreadyStored: a replayed line the log holds at the same time is found, one that is new is not", () => {
  const stored = [line("bob", "hi", at(1)), line("bob", "there", at(2))];
  const replayed = [line("bob", "hi", at(1)), line("bob", "there", at(2)), line("bob", "new", at(3))];
  assertEquals([...alreadyStored(replayed, stored)], [0, 1]);
});

Deno.test("alreadyStored: each stored line stands for one replayed line: a line said again is kept", () => {
  // "+1" stored once; the bouncer has it twice (once more while we were away).
  const stored = [line("bob", "+1", at(1))];
  const replayed = [line("bob", "+1", at(1)), line("bob", "+1", at(2))];
  assertEquals([...alreadyStored(replayed, stored)], [0]);
  // The exact time is taken first, even when a near one comes earlier in the replay.
  assertEquals([...alreadyStored([line("bob", "+1", at(0)), line("bob", "+1", at(1))], stored)], [1]);
});

Deno.test("alreadyStored: sender (in any case), kind and text must agree, and the times be close", () => {
  const stored = [line("Bob", "hi", at(1))];
  assertEquals([...alreadyStored([line("bob", "hi", at(1))], stored)], [0]);
  assertEquals([...alreadyStored([line("carol", "hi", at(1))], stored)], []);
  assertEquals([...alreadyStored([line("bob", "hi", at(1), "notice")], stored)], []);
  assertEquals([...alreadyStored([line("bob", "hi!", at(1))], stored)], []);
  // A server giving whole seconds, or our own line stored at its insert: a little apart is the same line.
  const near = new Date(at(1).getTime() + SAME_LINE_WITHIN_MS);
  assertEquals([...alreadyStored([line("bob", "hi", near)], stored)], [0]);
  const far = new Date(at(1).getTime() + SAME_LINE_WITHIN_MS + 1);
  assertEquals([...alreadyStored([line("bob", "hi", far)], stored)], []);
});

Deno.test("playRequest: every buffer after the newest stored line, in seconds with milliseconds; all of them with none", () => {
  assertEquals(
    playRequest(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678))),
    "PRIVMSG *playback :PLAY * 1767323045.678",
  );
  assertEquals(playRequest(undefined), "PRIVMSG *playback :PLAY * 0");
});
