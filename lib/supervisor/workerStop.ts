/**
 * Ending a worker this instance runs: `quit` through its socket, SIGTERM
 * when the socket does not answer (e.g. before the worker listens), and
 * SIGKILL once the grace period is over.
 *
 * @module
 */
import { IrcCommandSender } from "../ircCommandSender.ts";
import { errorMessage, logger } from "../log.ts";
import { QUIT_REPLY_MS, settlesWithin, signalChild } from "./workerProcess.ts";

const log = logger("supervisor");

/** The worker to end. */
export interface RunningWorker {
  serverId: number;
  child: Deno.ChildProcess;
  /** Its `child.status`. */
  exit: Promise<Deno.CommandStatus>;
  /** Its socket, where `quit` is sent. */
  socketPath: string;
}

/** Asks `worker` to quit (with `message`) and resolves once it has exited, killed if it had to be. */
export async function endWorker(
  worker: RunningWorker,
  message: string | null,
  graceMs: number,
): Promise<void> {
  const { serverId, child, exit } = worker;
  try {
    await new IrcCommandSender({ socket_path: worker.socketPath }, { timeoutMs: QUIT_REPLY_MS }).quit(
      message,
    );
  } catch (error) {
    log.debug(`server ${serverId}: quit through the socket failed (${errorMessage(error)})`);
    signalChild(child, "SIGTERM");
  }
  if (!await settlesWithin(exit, graceMs)) {
    log.warn(`server ${serverId}: worker (pid ${child.pid}) did not exit in time; killing it`);
    signalChild(child, "SIGKILL");
    await exit;
  }
}
