/**
 * How the supervisor is configured ({@link SupervisorOptions}) and the
 * settings it runs with once the defaults are filled in.
 *
 * @module
 */
import type { Db } from "../db/database.ts";
import { processTargetPolicy, type TargetPolicy } from "../ircTargets.ts";
import {
  DEFAULT_MAX_SERVERS_PER_USER,
  DEFAULT_MAX_WORKERS,
  DEFAULT_WORKER_MEMORY_MB,
  type LogLevel,
} from "../config.ts";
import type { Publisher } from "../events/wireFormat.ts";
import { DEFAULT_RESTART_POLICY, type RestartPolicy } from "./restartBackoff.ts";
import type { CleanupContext } from "./leftoverWorkers.ts";
import type { SpawnContext } from "./workerSpawn.ts";
import type { WorkerLimits } from "./serverSupervisor.ts";

/** Options of the supervisor's `start`. */
export interface SupervisorOptions {
  db: Db;
  /** The database URL the workers connect to (and the leases are held on). */
  databaseUrl: string;
  /** Absolute folder of the workers' sockets. */
  socketDir: string;
  /** `LOG_LEVEL` of the workers. */
  logLevel?: LogLevel;
  /** How long a worker gets to quit before it is killed; 5 s by default. */
  stopGraceMs?: number;
  /** Restart delays after crashes. */
  restart?: Partial<RestartPolicy>;
  /** Resume autoconnect servers and clean left-overs at start (default `true`). */
  resume?: boolean;
  /** Most workers at once; `DEFAULT_MAX_WORKERS` by default. */
  maxWorkers?: number;
  /** Most servers per user, for the routes to enforce; `DEFAULT_MAX_SERVERS_PER_USER` by default. */
  maxServersPerUser?: number;
  /** Heap ceiling of each worker in MB (`WORKER_MEMORY_MB`); `DEFAULT_WORKER_MEMORY_MB` by default. */
  workerMemoryMb?: number;
  /** What an IRC server's name may resolve to (`ALLOWED_IRC_TARGETS`); this process's setting by default. */
  ircTargets?: TargetPolicy;
  /**
   * Where the status changes it writes are published (the app's bus);
   * unpublished without one. Its `workerChannel` names the PostgreSQL
   * channel each worker is told to notify on.
   */
  bus?: Publisher & { workerChannel?(serverId: number): Promise<string> };
  /** This app instance's id among those sharing the database (lib/cluster/instances.ts); unnamed without one. */
  instanceId?: string;
  /**
   * Asks the instance running `serverId` to disconnect it (lib/cluster/instanceRpc.ts),
   * resolving once it has; without it, its worker is asked through the
   * socket path on the server's row, which only works on one host.
   */
  disconnectElsewhere?: (serverId: number, message: string | null) => Promise<void>;
}

/** The options with their defaults, in the shapes the supervisor's parts take. */
export interface SupervisorSettings {
  /** How long a worker gets to quit before it is killed. */
  graceMs: number;
  /** Restart delays after crashes. */
  policy: RestartPolicy;
  /** What every spawn shares. */
  spawning: SpawnContext;
  /** Where the clean-up of an earlier run's left-overs works. */
  cleanup: CleanupContext;
  limits: WorkerLimits;
}

/** Fills in the defaults of `options`. */
export function supervisorSettings(options: SupervisorOptions): SupervisorSettings {
  const graceMs = options.stopGraceMs ?? 5000;
  return {
    graceMs,
    policy: { ...DEFAULT_RESTART_POLICY, ...options.restart },
    spawning: {
      db: options.db,
      databaseUrl: options.databaseUrl,
      socketDir: options.socketDir,
      logLevel: options.logLevel ?? "info",
      memoryMb: options.workerMemoryMb ?? DEFAULT_WORKER_MEMORY_MB,
      ircTargets: options.ircTargets ?? processTargetPolicy(),
      bus: options.bus,
      workerChannel: options.bus?.workerChannel?.bind(options.bus),
    },
    cleanup: { db: options.db, socketDir: options.socketDir, graceMs, bus: options.bus },
    limits: {
      maxWorkers: options.maxWorkers ?? DEFAULT_MAX_WORKERS,
      maxServersPerUser: options.maxServersPerUser ?? DEFAULT_MAX_SERVERS_PER_USER,
    },
  };
}
