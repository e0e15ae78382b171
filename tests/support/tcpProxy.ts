/**
 * A TCP proxy on a loopback port whose network can be taken away: every
 * open connection is cut and new ones are refused until it is restored. It
 * stands between a browser and the app to play a dropped Wi-Fi, while the
 * app and its IRC connections carry on; or between a client and PostgreSQL
 * to lose the answer to a statement that did commit.
 *
 * @module
 */
import { writeAll } from "../../lib/writeAll.ts";

/** A running proxy. */
export interface TcpProxy {
  /** The port the browser connects to, the same after a restore. */
  readonly port: number;
  /** Cuts every connection and refuses new ones. */
  cut(): void;
  /** Accepts connections again. */
  restore(): void;
  /**
   * Throws away the next bytes the target sends and cuts every connection
   * then: the client loses the answer to what the target did.
   */
  dropNextReply(): void;
  /** Stops it for good. */
  close(): void;
}

/** Forwards `127.0.0.1:<new port>` to `127.0.0.1:targetPort`. */
export function startTcpProxy(targetPort: number): TcpProxy {
  const open = new Set<Deno.Conn>();
  let listener: Deno.Listener | undefined;
  let port = 0;
  let dropReply = false;

  const pipe = async (from: Deno.Conn, to: Deno.Conn, fromTarget: boolean) => {
    const buffer = new Uint8Array(64 * 1024);
    try {
      for (;;) {
        const n = await from.read(buffer);
        if (n === null) break;
        if (fromTarget && dropReply) {
          dropReply = false;
          cutAll();
          return;
        }
        await writeAll(to, buffer.subarray(0, n));
      }
    } catch { /* cut */ }
    drop(from);
    drop(to);
  };
  const cutAll = () => {
    for (const conn of [...open]) drop(conn);
  };
  const drop = (conn: Deno.Conn) => {
    if (!open.delete(conn)) return;
    try {
      conn.close();
    } catch { /* closed */ }
  };
  const accept = async (server: Deno.Listener) => {
    try {
      for await (const client of server) {
        open.add(client);
        Deno.connect({ hostname: "127.0.0.1", port: targetPort }).then((upstream) => {
          open.add(upstream);
          pipe(client, upstream, false);
          pipe(upstream, client, true);
        }, () => drop(client));
      }
    } catch { /* listener closed */ }
  };
  const listen = () => {
    listener = Deno.listen({ hostname: "127.0.0.1", port });
    port = (listener.addr as Deno.NetAddr).port;
    accept(listener);
  };
  const cut = () => {
    try {
      listener?.close();
    } catch { /* closed */ }
    listener = undefined;
    cutAll();
  };
  listen();
  return {
    get port() {
      return port;
    },
    cut,
    restore() {
      if (!listener) listen();
    },
    dropNextReply() {
      dropReply = true;
    },
    close: cut,
  };
}
