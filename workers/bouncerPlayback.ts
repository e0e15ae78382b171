/**
 * ZNC's playback module (`znc.in/playback`, not shipped by Debian's ZNC):
 * once registered, the worker asks for what every buffer holds after its
 * newest stored line. Without the module ZNC replays its whole buffer on
 * attach; either way `replayDedup.ts` keeps what the log already has out.
 *
 * @module
 */
import type { Client } from "./irc-framework.d.ts";
import { errorMessage } from "../lib/log.ts";

/** The capability ZNC's playback module offers. */
export const PLAYBACK_CAP = "znc.in/playback";

/**
 * The request for every buffer's lines after `since` (none stored: all of
 * them): `PLAY <buffers> <from>`, in seconds since the epoch with
 * milliseconds, as the module reads it.
 */
export function playRequest(since: Date | undefined): string {
  const from = since ? (since.getTime() / 1000).toFixed(3) : "0";
  return `PRIVMSG *playback :PLAY * ${from}`;
}

/** Asks a bouncer offering {@link PLAYBACK_CAP} for what we missed, at each registration. */
export function listenBouncerPlayback(
  client: Client,
  newest: () => Promise<Date | undefined>,
  warn: (message: string) => void,
): void {
  client.on("registered", () => {
    if (!client.network.cap.isEnabled(PLAYBACK_CAP)) return;
    newest().then((since) => {
      if (client.connected) client.raw(playRequest(since));
    }).catch((error) => warn(`bouncer playback not asked: ${errorMessage(error)}`));
  });
}
