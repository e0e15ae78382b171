import { assertEquals } from "../../support/assert.ts";
import { makeSocketDir } from "../../support/worker.ts";
import { removeSocket, socketExists, socketFileIds } from "../../../lib/supervisor/workerSockets.ts";

Deno.test("worker sockets: the ids of the socket files in the folder, other files left out", async () => {
  const dir = await makeSocketDir();
  try {
    for (const name of ["server-3.sock", "server-12.sock", "server-x.sock", "server-4.sock.old", "notes"]) {
      await Deno.writeTextFile(`${dir}/${name}`, "");
    }
    assertEquals((await socketFileIds(dir)).sort((a, b) => a - b), [3, 12]);
    assertEquals(await socketFileIds(`${dir}/missing`), [], "a folder that is not there has none");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("worker sockets: whether one is there, and removing it (also when it is gone already)", async () => {
  const dir = await makeSocketDir();
  try {
    const path = `${dir}/server-1.sock`;
    // What a worker that was killed leaves: the file, with no one listening.
    await Deno.writeTextFile(path, "");
    assertEquals(await socketExists(path), true);
    await removeSocket(path);
    assertEquals(await socketExists(path), false);
    await removeSocket(path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
