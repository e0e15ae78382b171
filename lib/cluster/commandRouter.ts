/**
 * Where a command for a server goes when this instance does not run it: to
 * the instance holding its lease, over signed HTTP (lib/cluster/instanceRpc.ts),
 * retried on whichever instance owns it next only when nothing can have been
 * sent, and given up with a clear reason once the time is out.
 * @module
 */
import { sql } from "kysely";
import type { Db } from "../db/database.ts";
import type { Server } from "../db/schema.ts";
import { findServer } from "../servers.ts";
import { type InstanceInfo, ownerOf } from "./instances.ts";
import type { PeerClient, PeerOutcome, PeerRequest } from "./instanceRpc.ts";
import type { IrcCommand } from "../ircCommand.ts";
import { type CommandAccepted, IrcCommandError } from "../ircCommandSender.ts";

/** Options of {@link CommandRouter}. */
export interface CommandRouterOptions {
  db: Db;
  /** This instance's id. */
  me: string;
  client: PeerClient;
  /** Whether this instance runs a server's worker. */
  isLocal: (serverId: number) => boolean;
  /** How long a disconnect elsewhere may take (the owner's grace period and more). */
  disconnectTimeoutMs?: number;
}

const PAUSE_MS = 100;
/**
 * How long an owner found in `pg_locks` is asked again without a lookup. A
 * stale one is safe: an instance that no longer runs the server answers
 * `not_owner` without carrying the request out, and the next try looks up.
 */
export const OWNER_CACHE_MS = 5_000;

/** Sends commands to servers other instances run. */
export class CommandRouter {
  readonly #options: CommandRouterOptions;
  readonly #owners = new Map<number, { owner: InstanceInfo; until: number }>();

  /** A router for this instance. */
  constructor(options: CommandRouterOptions) {
    this.#options = options;
  }

  /** Whether this instance runs `serverId` (send through its own socket then). */
  isLocal(serverId: number): boolean {
    return this.#options.isLocal(serverId);
  }

  /**
   * Sends `command` to the instance that runs `serverId` and resolves with
   * its worker's acceptance; `undefined` when no other instance runs it (nor
   * is about to), for the caller to try its own. Throws an
   * {@link IrcCommandError} with the owner's reason, or `timeout` when no
   * answer came within `timeoutMs`.
   */
  async forward(
    serverId: number,
    command: IrcCommand,
    timeoutMs: number,
  ): Promise<CommandAccepted | undefined> {
    const answer = await this.#ask(serverId, {
      kind: "command",
      nonce: crypto.randomUUID(),
      server_id: serverId,
      command,
    }, timeoutMs);
    return answer;
  }

  /** Asks the instance running `serverId` to disconnect it, resolving once it has (or nobody runs it). */
  async disconnect(serverId: number, message: string | null): Promise<void> {
    await this.#ask(
      serverId,
      { kind: "disconnect", nonce: crypto.randomUUID(), server_id: serverId, message },
      this.#options.disconnectTimeoutMs ?? 15_000,
    );
  }

  async #ask(
    serverId: number,
    request: PeerRequest,
    timeoutMs: number,
  ): Promise<CommandAccepted | undefined> {
    const deadline = performance.now() + timeoutMs;
    const left = () => deadline - performance.now();
    // The owner last asked without an answer: it alone may be asked again
    // (its nonce makes that safe); another could send the line a second time.
    let uncertain: InstanceInfo | undefined;
    let lastReason = "";
    // Only the first try may take the owner from the cache: any retry follows an answer that was not a yes.
    let retry = false;
    while (true) {
      if (this.isLocal(serverId) && uncertain === undefined) return undefined;
      const owner = (retry ? undefined : this.#cachedOwner(serverId)) ?? await this.#lookUpOwner(serverId);
      retry = true;
      if (uncertain !== undefined && owner?.id !== uncertain.id) {
        // Asked, no answer, and that instance no longer runs it: whether it
        // was sent cannot be told, and sending again could say it twice.
        throw new IrcCommandError(
          "timeout",
          `The app instance running this server did not answer (${lastReason}); it may have been sent`,
        );
      }
      if (owner === undefined || owner.id === this.#options.me) {
        if (left() > PAUSE_MS && await this.moving(serverId)) {
          await pause();
          continue;
        }
        return undefined;
      }
      if (left() <= 0) break;
      const outcome: PeerOutcome = await this.#options.client.send(owner.url, request, left());
      if (outcome.ok) return outcome.queued ? { ok: true, queued: true } : { ok: true };
      this.#owners.delete(serverId);
      lastReason = outcome.error;
      switch (outcome.kind) {
        case "no_answer":
          uncertain = owner;
          if (left() <= PAUSE_MS) {
            throw new IrcCommandError(
              "timeout",
              `The app instance running this server did not answer within ${timeoutMs} ms; it may have been sent`,
            );
          }
          await pause();
          continue;
        case "unreachable":
          if (uncertain !== undefined) {
            throw new IrcCommandError(
              "timeout",
              `The app instance running this server went away before answering; it may have been sent`,
            );
          }
          await pause();
          continue;
        case "not_owner":
          // It never carried the request out (the nonce was new to it): another may.
          uncertain = undefined;
          await pause();
          continue;
        default:
          if (outcome.unsent && left() > PAUSE_MS && await this.moving(serverId)) {
            // Its worker is starting or stopping: the server moves; try again.
            uncertain = undefined;
            await pause();
            continue;
          }
          throw new IrcCommandError(outcome.kind, outcome.error, outcome.unsent);
      }
    }
    throw new IrcCommandError("timeout", `No app instance took the command within ${timeoutMs} ms`, true);
  }

  #cachedOwner(serverId: number): InstanceInfo | undefined {
    const cached = this.#owners.get(serverId);
    if (cached === undefined) return undefined;
    if (cached.until > performance.now()) return cached.owner;
    this.#owners.delete(serverId);
    return undefined;
  }

  async #lookUpOwner(serverId: number): Promise<InstanceInfo | undefined> {
    const owner = await ownerOf(this.#options.db, serverId);
    if (owner === undefined || owner.id === this.#options.me) this.#owners.delete(serverId);
    else this.#owners.set(serverId, { owner, until: performance.now() + OWNER_CACHE_MS });
    return owner;
  }

  /**
   * The row of `serverId` while it should be connected and is between
   * owners or workers (a command for it is worth sending again soon), else `undefined`.
   */
  async whileMoving(serverId: number): Promise<Server | undefined> {
    return await this.moving(serverId) ? await findServer(this.#options.db, serverId) : undefined;
  }

  /** Whether `serverId` should be connected and is between owners (or workers): worth waiting for. */
  async moving(serverId: number): Promise<boolean> {
    const { rows } = await sql<{ moving: boolean }>`
      select autoconnect and status in ('connecting', 'reconnecting', 'connected') as moving
      from servers where id = ${serverId}`.execute(this.#options.db);
    return rows[0]?.moving === true;
  }
}

function pause(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
}
