/**
 * The baseline of the command path: a bare Deno Unix-socket server that
 * answers each request line with one reply line, as a worker's command
 * socket does, without validating or doing anything.
 *
 * Usage: `deno run --allow-read=<path> --allow-write=<path> --allow-net=unix:<path> unixEcho.ts <path>`;
 * it prints `ready` once listening.
 *
 * @module
 */
const path = Deno.args[0];
await Deno.remove(path).catch(() => {});
const listener = Deno.listen({ transport: "unix", path });
const reply = new TextEncoder().encode('{"ok":true}\n');
console.log("ready");
for await (const conn of listener) {
  (async () => {
    const buffer = new Uint8Array(16 * 1024);
    try {
      while (true) {
        const n = await conn.read(buffer);
        if (n === null) break;
        // One request per line; a reply for each newline read.
        for (let i = 0; i < n; i++) if (buffer[i] === 10) await conn.write(reply);
      }
    } catch { /* the client hung up */ }
    try {
      conn.close();
    } catch { /* closed */ }
  })();
}
