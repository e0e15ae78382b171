import { assertEquals } from "../support/assert.ts";
import { LineReader, type LineResult } from "../../lib/lineReader.ts";

function streamOf(...chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return ReadableStream.from(chunks.map((c) => encoder.encode(c)));
}

async function all(reader: LineReader): Promise<LineResult[]> {
  const out: LineResult[] = [];
  for (let r = await reader.next(); r !== null; r = await reader.next()) out.push(r);
  return out;
}

Deno.test("LineReader: lines across and within chunks", async () => {
  const reader = new LineReader(streamOf("a\nb", "c\n", "\nd\ne"), 100);
  assertEquals(await all(reader), [
    { kind: "line", line: "a" },
    { kind: "line", line: "bc" },
    { kind: "line", line: "" },
    { kind: "line", line: "d" },
  ]);
});

Deno.test("LineReader: a too long line is reported once and skipped, the next one read", async () => {
  const reader = new LineReader(streamOf("x".repeat(6), "x".repeat(6), "xx\nok\n"), 10);
  assertEquals(await all(reader), [{ kind: "too_long" }, { kind: "line", line: "ok" }]);
});

Deno.test("LineReader: a line of exactly the bound is accepted", async () => {
  const reader = new LineReader(streamOf("x".repeat(10) + "\n"), 10);
  assertEquals(await all(reader), [{ kind: "line", line: "x".repeat(10) }]);
});

Deno.test("LineReader: a multi-byte character split across chunks is decoded whole", async () => {
  const bytes = new TextEncoder().encode("é🎉\n");
  const stream = ReadableStream.from([bytes.slice(0, 1), bytes.slice(1, 3), bytes.slice(3)]);
  assertEquals(await all(new LineReader(stream, 100)), [{ kind: "line", line: "é🎉" }]);
});
