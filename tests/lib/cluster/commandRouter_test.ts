import { assert, assertEquals, assertRejects } from "../../support/assert.ts";
import { createTestDatabase, type TestDatabase } from "../../support/database.ts";
import { createUserAndServer } from "../../support/userServer.ts";
import { logger } from "../../../lib/log.ts";
import { CommandRouter } from "../../../lib/cluster/commandRouter.ts";
import {
  PEER_PATH,
  type PeerAnswer,
  PeerClient,
  type PeerRequest,
  validatePeerRequest,
  verifyPeerRequest,
} from "../../../lib/cluster/instanceRpc.ts";
import { registerInstance } from "../../../lib/cluster/instances.ts";
import { ServerLeases } from "../../../lib/cluster/serverLease.ts";
import { IrcCommandError } from "../../../lib/ircCommandSender.ts";
import { updateServer } from "../../../lib/servers.ts";
import type { IrcCommand } from "../../../lib/ircCommand.ts";

const log = logger("test");
const SAY: IrcCommand = { command: "privmsg", target: "#t", message: "hi" };

/** A small instance answering peer requests as the test says; what it was asked, as the owner would read it. */
interface Peer {
  id: string;
  url: string;
  received: PeerRequest[];
  /** Its answer to each request: an answer, or `"garbage"` for a reply that is no answer. */
  answer: (request: PeerRequest) => Promise<PeerAnswer | "garbage"> | PeerAnswer | "garbage";
  leases: ServerLeases;
}

interface Cluster {
  database: TestDatabase;
  serverId: number;
  router: CommandRouter;
  local: Set<number>;
  peer(id: string, answer: Peer["answer"]): Promise<Peer>;
}

async function withCluster(fn: (t: Cluster) => Promise<void>): Promise<void> {
  const database = await createTestDatabase();
  const key = crypto.getRandomValues(new Uint8Array(32));
  const servers: Deno.HttpServer[] = [];
  const leases: ServerLeases[] = [];
  try {
    const { server } = await createUserAndServer(database.db);
    const local = new Set<number>();
    const router = new CommandRouter({
      db: database.db,
      me: "me",
      client: new PeerClient(key, "me"),
      isLocal: (id) => local.has(id),
    });
    const peer = async (id: string, answer: Peer["answer"]): Promise<Peer> => {
      const received: PeerRequest[] = [];
      const self: Peer = { id, url: "", received, answer, leases: undefined! };
      const http = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
        const body = await request.text();
        const url = new URL(request.url);
        const sender = verifyPeerRequest(key, request.headers, body);
        const valid = validatePeerRequest(JSON.parse(body));
        if (url.pathname !== PEER_PATH || !sender.ok || sender.value !== "me" || !valid.ok) {
          return new Response("{}", { status: 401 });
        }
        received.push(valid.value);
        const answer = await self.answer(valid.value);
        return answer === "garbage" ? new Response("not json") : Response.json(answer);
      });
      servers.push(http);
      self.url = `http://127.0.0.1:${http.addr.port}`;
      self.leases = await ServerLeases.open(database.url, { log, instanceId: id });
      leases.push(self.leases);
      await registerInstance(database.db, { id, url: self.url, weight: 1, maxWorkers: 10 });
      return self;
    };
    await fn({ database, serverId: server.id, router, local, peer });
  } finally {
    for (const l of leases) await l.close();
    for (const s of servers) await s.shutdown();
    await database.drop();
  }
}

const yes: PeerAnswer = { ok: true };
const notOwner: PeerAnswer = { ok: false, kind: "not_owner", error: "not mine", unsent: true };

/** Moves the lease of `serverId` from `from` to `to`. */
async function move(serverId: number, from: Peer, to: Peer): Promise<void> {
  await from.leases.release(serverId);
  assert(await to.leases.tryAcquire(serverId), "the lease moved");
}

Deno.test("command router: nobody else runs it, or this instance does: undefined, for the caller's own socket", () =>
  withCluster(async ({ router, serverId, local, peer }) => {
    assertEquals(await router.forward(serverId, SAY, 2000), undefined);
    const b = await peer("b", () => yes);
    assert(await b.leases.tryAcquire(serverId));
    local.add(serverId);
    assert(router.isLocal(serverId));
    assertEquals(await router.forward(serverId, SAY, 2000), undefined);
    assertEquals(b.received, [], "a server run here was sent elsewhere");
  }));

Deno.test("command router: the owner's yes (queued or not) is the answer, and it got the command signed as sent", () =>
  withCluster(async ({ router, serverId, peer }) => {
    let queued = false;
    const b = await peer("b", () => queued ? { ok: true, queued: true } : yes);
    assert(await b.leases.tryAcquire(serverId));
    assertEquals(await router.forward(serverId, SAY, 2000), { ok: true });
    queued = true;
    assertEquals(await router.forward(serverId, SAY, 2000), { ok: true, queued: true });
    assertEquals(b.received.map((r) => r.kind === "command" && [r.server_id, r.command]), [
      [serverId, SAY],
      [serverId, SAY],
    ]);
    assert(b.received[0].nonce !== b.received[1].nonce, "two commands shared a nonce");
    await router.disconnect(serverId, "bye");
    assertEquals(b.received[2].kind === "disconnect" && b.received[2].message, "bye");
  }));

Deno.test("command router: a cached owner is asked first; its not_owner sends the retry to the owner looked up now", () =>
  withCluster(async ({ router, serverId, peer }) => {
    const b = await peer("b", () => yes);
    const c = await peer("c", () => yes);
    assert(await b.leases.tryAcquire(serverId));
    await router.forward(serverId, SAY, 2000);
    // Moved within the cache's time: b is still asked first, and says it no longer runs it.
    await move(serverId, b, c);
    b.answer = () => notOwner;
    assertEquals(await router.forward(serverId, SAY, 2000), { ok: true });
    assertEquals([b.received.length, c.received.length], [2, 1]);
    // The not_owner dropped b from the cache: the next command goes to c at once.
    assertEquals(await router.forward(serverId, SAY, 2000), { ok: true });
    assertEquals([b.received.length, c.received.length], [2, 2]);
  }));

Deno.test("command router: an owner that gave no answer is asked again with the same nonce", () =>
  withCluster(async ({ router, serverId, peer }) => {
    let first = true;
    const b = await peer("b", () => {
      if (!first) return yes;
      first = false;
      return "garbage";
    });
    assert(await b.leases.tryAcquire(serverId));
    assertEquals(await router.forward(serverId, SAY, 5000), { ok: true });
    assertEquals(b.received.length, 2);
    assertEquals(b.received[0].nonce, b.received[1].nonce, "a resend must be recognisable as one");
  }));

Deno.test("command router: no answer, then another owner: not sent again, and the user told it may have been", () =>
  withCluster(async ({ router, serverId, peer }) => {
    const c = await peer("c", () => yes);
    const b = await peer("b", async (): Promise<"garbage"> => {
      // It goes away with the command: the server moves to c before any answer.
      await move(serverId, b, c);
      return "garbage";
    });
    assert(await b.leases.tryAcquire(serverId));
    const error = await assertRejects(
      () => router.forward(serverId, SAY, 5000),
      IrcCommandError,
      "may have been sent",
    );
    assertEquals([error.kind, error.unsent], ["timeout", false]);
    assertEquals(c.received, [], "the new owner was sent what the old one may have sent");
  }));

Deno.test("command router: the owner's refusal is thrown with its kind, unless the server is moving", () =>
  withCluster(async ({ database, router, serverId, peer }) => {
    let answers: PeerAnswer[] = [];
    const b = await peer("b", () => answers.shift() ?? yes);
    assert(await b.leases.tryAcquire(serverId));
    // The row says disconnected: nothing to wait for.
    answers = [{ ok: false, kind: "not_connected", error: "Not connected", unsent: true }];
    const error = await assertRejects(
      () => router.forward(serverId, SAY, 2000),
      IrcCommandError,
      "Not connected",
    );
    assertEquals([error.kind, error.unsent], ["not_connected", true]);
    // Connecting with autoconnect: its worker is starting, so an unsent refusal is tried again.
    await updateServer(database.db, serverId, { autoconnect: true, status: "connecting" });
    assert(await router.moving(serverId));
    assertEquals((await router.whileMoving(serverId))?.id, serverId);
    answers = [{ ok: false, kind: "not_connected", error: "Not connected", unsent: true }];
    assertEquals(await router.forward(serverId, SAY, 2000), { ok: true });
    // One that may have been carried out is never tried again, moving or not.
    answers = [{ ok: false, kind: "unavailable", error: "Worker busy", unsent: false }];
    const sent = await assertRejects(
      () => router.forward(serverId, SAY, 2000),
      IrcCommandError,
      "Worker busy",
    );
    assertEquals([sent.kind, sent.unsent], ["unavailable", false]);
    assertEquals(b.received.length, 4);
  }));

Deno.test("command router: an owner nobody can reach is tried until the time is out, and nothing was sent", () =>
  withCluster(async ({ database, router, serverId }) => {
    // Registered and holding the lease, but its URL refuses connections.
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    listener.close();
    await registerInstance(database.db, {
      id: "b",
      url: `http://127.0.0.1:${port}`,
      weight: 1,
      maxWorkers: 1,
    });
    const leases = await ServerLeases.open(database.url, { log, instanceId: "b" });
    try {
      assert(await leases.tryAcquire(serverId));
      const error = await assertRejects(
        () => router.forward(serverId, SAY, 500),
        IrcCommandError,
        "No app instance took",
      );
      assertEquals([error.kind, error.unsent], ["timeout", true]);
    } finally {
      await leases.close();
    }
  }));

Deno.test("command router: between owners while it should be connected, a command waits for the next owner", () =>
  withCluster(async ({ database, router, serverId, peer }) => {
    await updateServer(database.db, serverId, { autoconnect: true, status: "reconnecting" });
    const b = await peer("b", () => yes);
    // Nobody holds the lease yet; b takes it a little later.
    const taking = new Promise<void>((resolve) =>
      setTimeout(async () => {
        assert(await b.leases.tryAcquire(serverId));
        resolve();
      }, 300)
    );
    assertEquals(await router.forward(serverId, SAY, 5000), { ok: true });
    await taking;
    assertEquals(b.received.length, 1);
  }));
