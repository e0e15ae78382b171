/**
 * The far side of a conversation with the app: a real IRC server (ngircd)
 * with bob, a raw client, on it; the app's server is to be pointed at the
 * ngircd's port. Both are closed after the test.
 *
 * @module
 */
import { type Ngircd, startNgircd } from "./ngircd.ts";
import { connectRawIrcClient, type RawIrcClient } from "./rawIrcClient.ts";

/** What {@link withIrcPeer} hands a test. */
export interface IrcPeer {
  ngircd: Ngircd;
  /** Connected as "bob". */
  bob: RawIrcClient;
}

/** Starts ngircd and connects bob to it, runs `fn`, then closes bob and ngircd. */
export async function withIrcPeer(fn: (peer: IrcPeer) => Promise<void>): Promise<void> {
  const ngircd = await startNgircd();
  try {
    const bob = await connectRawIrcClient(ngircd.port, "bob");
    try {
      await fn({ ngircd, bob });
    } finally {
      await bob.close().catch(() => {});
    }
  } finally {
    await ngircd.close();
  }
}
