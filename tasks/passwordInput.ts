/**
 * Reading a secret from stdin for the task scripts: all of a pipe, or one
 * line typed on a terminal without echo.
 *
 * @module
 */

/**
 * The password on stdin, without its final line break. On a terminal,
 * `prompt` is written to stderr and the typed characters are not shown.
 */
export async function readPassword(prompt: string): Promise<string> {
  if (!Deno.stdin.isTerminal()) {
    const text = new TextDecoder().decode(await new Response(Deno.stdin.readable).arrayBuffer());
    return text.replace(/\r?\n$/, "");
  }
  Deno.stderr.writeSync(new TextEncoder().encode(prompt));
  Deno.stdin.setRaw(true);
  try {
    const bytes: number[] = [];
    const buffer = new Uint8Array(1);
    while (true) {
      const n = await Deno.stdin.read(buffer);
      if (n === null) break;
      const byte = buffer[0];
      if (byte === 3) throw new Error("cancelled"); // Ctrl-C
      if (byte === 13 || byte === 10 || byte === 4) break; // Enter, Ctrl-D
      if (byte === 127 || byte === 8) bytes.pop();
      else bytes.push(byte);
    }
    return new TextDecoder().decode(new Uint8Array(bytes));
  } finally {
    Deno.stdin.setRaw(false);
    Deno.stderr.writeSync(new TextEncoder().encode("\n"));
  }
}
