/**
 * The rows most database tests start from: the user alice and one IRC
 * server of hers (Libera over TLS, which no test connects to).
 *
 * @module
 */
import type { Db } from "../../lib/db/database.ts";
import type { Server } from "../../lib/db/schema.ts";
import type { AuthUser } from "../../lib/auth/sessions.ts";
import { createUser } from "../../lib/users.ts";
import { insertServer } from "../../lib/servers.ts";

/** Creates alice ("correct horse battery") and her server "Libera" at irc.example.org:6697, nick alice. */
export async function createUserAndServer(db: Db): Promise<{ user: AuthUser; server: Server }> {
  const user = await createUser(db, "alice", "correct horse battery");
  const server = await insertServer(db, {
    user_id: user.id,
    name: "Libera",
    host: "irc.example.org",
    port: 6697,
    tls: true,
    nickname: "alice",
  });
  return { user, server };
}
