/**
 * The `ServerControls` island of a server (its live status and Connect /
 * Disconnect), as every page that lists servers renders it.
 *
 * @module
 */
import type { Server } from "../../lib/db/schema.ts";
import { Island } from "./island.tsx";

/** The island of `server`; its form comes back to `next` without JavaScript. */
export function ServerControlsIsland({ server, next }: { server: Server; next: string }) {
  return (
    <Island
      name="ServerControls"
      props={{
        serverId: server.id,
        serverName: server.name,
        status: server.status,
        error: server.last_error,
        next,
      }}
    />
  );
}
