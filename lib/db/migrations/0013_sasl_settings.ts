/**
 * SASL settings of a server: the mechanism (PLAIN or EXTERNAL), whether a
 * connection without SASL is refused, and the client certificate and key
 * presented for EXTERNAL or CertFP. Workers read them on their own row through
 * the table-wide `select` of 0007: nothing to grant.
 *
 * @module
 */
import { type Kysely, sql } from "kysely";

/** Adds the columns; servers that had SASL credentials get PLAIN, as they logged in before. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("servers")
    .addColumn("sasl_mechanism", "text", (c) => c.check(sql`sasl_mechanism in ('PLAIN', 'EXTERNAL')`))
    .addColumn("require_sasl", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("client_cert_pem", "text")
    .addColumn("client_key_pem", "text")
    .execute();
  await sql`update servers set sasl_mechanism = 'PLAIN' where sasl_username is not null`.execute(db);
}

/** Drops the columns. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("servers")
    .dropColumn("sasl_mechanism")
    .dropColumn("require_sasl")
    .dropColumn("client_cert_pem")
    .dropColumn("client_key_pem")
    .execute();
}
