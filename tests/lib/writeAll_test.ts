import { assertEquals } from "../support/assert.ts";
import { writeAll } from "../../lib/writeAll.ts";

Deno.test("writeAll: a sink that takes a few bytes at a time gets them all, in order", async () => {
  const taken: number[] = [];
  let calls = 0;
  const sink = {
    write(bytes: Uint8Array): Promise<number> {
      calls++;
      const part = bytes.subarray(0, 3);
      taken.push(...part);
      return Promise.resolve(part.length);
    },
  };
  const bytes = new TextEncoder().encode('{"command":"privmsg"}\n');
  await writeAll(sink, bytes);
  assertEquals(new Uint8Array(taken), bytes);
  assertEquals(calls, Math.ceil(bytes.length / 3));
});

Deno.test("writeAll: a real Unix socket carries a request larger than one write", async () => {
  const dir = await Deno.makeTempDir({ dir: "tmp" });
  const path = `${dir}/w.sock`;
  const listener = Deno.listen({ transport: "unix", path });
  try {
    const bytes = new Uint8Array(4 * 1024 * 1024).map((_, i) => i % 251);
    const received = (async () => {
      const conn = await listener.accept();
      const got: Uint8Array[] = [];
      let size = 0;
      const buffer = new Uint8Array(64 * 1024);
      while (size < bytes.length) {
        const n = await conn.read(buffer);
        if (n === null) break;
        got.push(buffer.slice(0, n));
        size += n;
      }
      conn.close();
      const all = new Uint8Array(size);
      let at = 0;
      for (const part of got) {
        all.set(part, at);
        at += part.length;
      }
      return all;
    })();
    const conn = await Deno.connect({ transport: "unix", path });
    await writeAll(conn, bytes);
    assertEquals(await received, bytes);
    conn.close();
  } finally {
    listener.close();
    await Deno.remove(dir, { recursive: true });
  }
});
