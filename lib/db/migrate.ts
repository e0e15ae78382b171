/**
 * Schema migrations with Kysely's Migrator.
 *
 * The migrations are imported statically rather than read from a folder, so
 * no process needs read access to the source tree to migrate.
 *
 * @module
 */
import type { Kysely } from "kysely";
import { type Migration, type MigrationProvider, Migrator } from "kysely/migration";
import * as initial from "./migrations/0001_initial.ts";
import * as accounts from "./migrations/0002_accounts.ts";
import * as events from "./migrations/0003_events.ts";
import * as readMarkers from "./migrations/0004_read_markers.ts";
import * as messagesWithoutFk from "./migrations/0005_messages_without_fk.ts";
import * as loginKnownAddresses from "./migrations/0006_login_known_addresses.ts";
import * as workerRoles from "./migrations/0007_worker_roles.ts";
import * as search from "./migrations/0009_search.ts";
import * as channelMembers from "./migrations/0010_channel_members.ts";
import * as channelListIgnores from "./migrations/0011_channel_list_ignores.ts";
import * as userSettings from "./migrations/0012_user_settings.ts";
import * as saslSettings from "./migrations/0013_sasl_settings.ts";
import * as busChannels from "./migrations/0014_bus_channels.ts";
import * as messageMsgid from "./migrations/0015_message_msgid.ts";
import * as pushSubscriptions from "./migrations/0016_push_subscriptions.ts";
import * as windowOrder from "./migrations/0017_window_order.ts";
import * as searchIndexer from "./migrations/0018_search_indexer.ts";
import * as backfill from "./migrations/0019_backfill.ts";
import * as instances from "./migrations/0020_instances.ts";
import * as pushClaims from "./migrations/0021_push_claims.ts";

const MIGRATIONS: Record<string, Migration> = {
  "0001_initial": initial,
  "0002_accounts": accounts,
  "0003_events": events,
  "0004_read_markers": readMarkers,
  "0005_messages_without_fk": messagesWithoutFk,
  "0006_login_known_addresses": loginKnownAddresses,
  "0007_worker_roles": workerRoles,
  "0009_search": search,
  "0010_channel_members": channelMembers,
  "0011_channel_list_ignores": channelListIgnores,
  "0012_user_settings": userSettings,
  "0013_sasl_settings": saslSettings,
  "0014_bus_channels": busChannels,
  "0015_message_msgid": messageMsgid,
  "0016_push_subscriptions": pushSubscriptions,
  "0017_window_order": windowOrder,
  "0018_search_indexer": searchIndexer,
  "0019_backfill": backfill,
  "0020_instances": instances,
  "0021_push_claims": pushClaims,
};

const provider: MigrationProvider = {
  getMigrations: () => Promise.resolve(MIGRATIONS),
};

/**
 * Whether a migration runs outside a transaction: one exporting
 * `transaction = false` (`CREATE INDEX CONCURRENTLY` cannot run in one).
 */
function outsideTransaction(name: string): boolean {
  return (MIGRATIONS[name] as Migration & { transaction?: boolean }).transaction === false;
}

/**
 * Applies every pending migration, one at a time (each in its own
 * transaction, but those that must run outside one); throws with the
 * failing one's reason.
 */
export async function migrateToLatest<T>(db: Kysely<T>): Promise<string[]> {
  // 0019 came after 0020 was applied: numbers were given out before the work was done.
  const migrator = new Migrator({ db, provider, allowUnorderedMigrations: true });
  const applied: string[] = [];
  while (true) {
    const next = (await migrator.getMigrations()).find((m) => m.executedAt === undefined);
    if (!next) return applied;
    // One step up, never down: another instance may have moved on meanwhile.
    const { error, results } = await migrator.migrateUp({
      disableTransactions: outsideTransaction(next.name),
    });
    const failed = results?.find((r) => r.status === "Error");
    if (error) {
      const name = failed ? ` ${failed.migrationName}` : "";
      throw new Error(`migration${name} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    applied.push(...(results ?? []).map((r) => r.migrationName));
  }
}
