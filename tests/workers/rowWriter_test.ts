import { assertEquals, waitFor } from "../support/assert.ts";
import { createTestDatabase } from "../support/database.ts";
import { createServer } from "../support/worker.ts";
import { RowWriter } from "../../workers/rowWriter.ts";
import { findServer } from "../../lib/servers.ts";
import type { Logger } from "../../lib/log.ts";
import type { ServerStatus } from "../../lib/db/schema.ts";

function recordingLog() {
  const errors: string[] = [];
  const log: Logger = { debug() {}, info() {}, warn() {}, error: (m: string) => void errors.push(m) };
  return { log, errors };
}

/** A publisher that keeps what it was given, as the bus would carry it. */
function recordingPublisher() {
  const published: { channel: string; data: unknown }[] = [];
  return {
    published,
    publish(channel: string, data: unknown): Promise<void> {
      published.push({ channel, data });
      return Promise.resolve();
    },
  };
}

Deno.test("row writer: patches are merged, written, and their status changes published", async () => {
  const database = await createTestDatabase();
  try {
    const server = await createServer(database.db, { port: 6667 });
    const { log } = recordingLog();
    const publisher = recordingPublisher();
    const row = new RowWriter(database.db, server.id, log, publisher);
    row.write({ status: "connecting", last_error: "was away" });
    row.write({ status: "connected", last_error: null, current_nickname: "tester_" });
    const now = await waitFor(
      async () => {
        const found = await findServer(database.db, server.id);
        return found?.status === "connected" ? found : undefined;
      },
      5000,
      "the row written",
    );
    assertEquals([now.last_error, now.current_nickname], [null, "tester_"]);
    await waitFor(() => publisher.published.length > 0, 5000, "a status event published");
    row.stop();
  } finally {
    await database.drop();
  }
});

Deno.test("row writer: a patch the database refuses is dropped and said; the next one is written", async () => {
  const database = await createTestDatabase();
  try {
    const server = await createServer(database.db, { port: 6667 });
    const { log, errors } = recordingLog();
    const row = new RowWriter(database.db, server.id, log, recordingPublisher());
    row.write({ status: "bogus" as ServerStatus });
    await waitFor(() => errors.some((e) => /refused and dropped/.test(e)), 5000, "the refusal logged");
    row.write({ status: "error", last_error: "the next one" });
    await waitFor(
      async () => (await findServer(database.db, server.id))?.last_error === "the next one",
      5000,
      "the next patch written",
    );
    assertEquals((await findServer(database.db, server.id))?.status, "error");
    row.stop();
  } finally {
    await database.drop();
  }
});

Deno.test("row writer: once stopped, nothing more is written", async () => {
  const database = await createTestDatabase();
  try {
    const server = await createServer(database.db, { port: 6667 });
    const row = new RowWriter(database.db, server.id, recordingLog().log, recordingPublisher());
    row.stop();
    row.write({ status: "connected" });
    await new Promise((r) => setTimeout(r, 300));
    assertEquals((await findServer(database.db, server.id))?.status, server.status);
  } finally {
    await database.drop();
  }
});
